import type { View } from './registry.js';

/**
 * Views whose data no stage produces yet. Each says so plainly, and which stage will fill it; the
 * stage's issue replaces its entry here with a real view module.
 */
function notYet(what: string, producedBy: string) {
  return function NotYet() {
    return (
      <section>
        <h1 class="capitalize">{what}</h1>
        <p class="empty" data-testid="not-yet">
          No {what} yet: the {producedBy} stage and the API route that serves them are still to come; nothing here is invented.
        </p>
      </section>
    );
  };
}

export const views: readonly View[] = [{ path: '/sources', title: 'Sources', navOrder: 12, component: notYet('sources', 'photometry') }];

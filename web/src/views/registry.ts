import type { ComponentType } from 'preact';

/** One page of the dashboard. Adding a view is adding a module to this folder that exports `views`. */
export interface View {
  /** A wouter route pattern, e.g. `/groups/:id`. */
  readonly path: string;
  readonly title: string;
  /** Position in the navigation bar; views without it (detail pages) are reached by links. */
  readonly navOrder?: number;
  readonly component: ComponentType<{ params: Record<string, string | undefined> }>;
}

const modules = import.meta.glob<{ views: readonly View[] }>('./*.tsx', { eager: true });

export const VIEWS: readonly View[] = Object.values(modules).flatMap((m) => m.views);
export const NAV: readonly View[] = VIEWS.filter((v) => v.navOrder !== undefined).sort((a, b) => a.navOrder! - b.navOrder!);

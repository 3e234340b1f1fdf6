import { Link, Route, Router, Switch, useRoute } from 'wouter-preact';
import { useHashLocation } from 'wouter-preact/use-hash-location';
import { Freshness } from './components/freshness.js';
import { NAV, VIEWS, type View } from './views/registry.js';

function NavItem({ view }: { view: View }) {
  const [active] = useRoute(view.path);
  return (
    <Link href={view.path} class={active ? 'active' : ''}>
      {view.title}
    </Link>
  );
}

export function App() {
  return (
    <Router hook={useHashLocation}>
      <header>
        <span class="brand">DSA-110 · contimg</span>
        <nav>
          {NAV.map((v) => (
            <NavItem key={v.path} view={v} />
          ))}
        </nav>
        <Freshness />
      </header>
      <main>
        <Switch>
          {VIEWS.map((v) => (
            <Route key={v.path} path={v.path} component={v.component} />
          ))}
          <Route>
            <p class="empty">No such page.</p>
          </Route>
        </Switch>
      </main>
    </Router>
  );
}

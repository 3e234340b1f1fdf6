import { useEffect, useState } from 'preact/hooks';
import { productChanges } from '../live/store.js';

/** `load()` now, again whenever `deps` change or the read models gain a product; the latest answer or error. */
export function useProducts<T>(load: () => Promise<T>, deps: readonly unknown[]): { data: T | null; error: string | null } {
  const [state, setState] = useState<{ data: T | null; error: string | null }>({ data: null, error: null });
  const version = productChanges.value;
  useEffect(() => {
    let stale = false;
    load().then(
      (data) => !stale && setState({ data, error: null }),
      (err: Error) => !stale && setState((old) => ({ data: old.data, error: err.message })),
    );
    return () => {
      stale = true;
    };
  }, [...deps, version]);
  return state;
}

/**
 * Paths into the shared, read-only data directory that sits beside the repository
 * (`<repo>/../shared/data/`, the same layout in CI). Every reader that defaults to a shared file
 * also takes an explicit path.
 */
import { join } from 'node:path';
import { packageRoot } from '../../native/packageRoot.js';

/** `relative` (e.g. `dsa110/DSA110_Station_Coordinates.csv`) inside `<repo>/../shared/data/`. */
export function sharedDataPath(relative: string): string {
  return join(packageRoot(), '..', 'shared', 'data', relative);
}

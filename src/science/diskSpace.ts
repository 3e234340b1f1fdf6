import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Refuses to start writing a casacore table of `bytes` at `path` when its disk has less free:
 * casacore, meeting a full disk while it writes a table's header or index, ends the whole process.
 * The error's code is ENOSPC (retryable: space may be freed).
 */
export async function ensureFreeSpace(path: string, bytes: number): Promise<void> {
  const { bavail, bsize } = await statfs(dirname(path));
  const free = bavail * bsize;
  if (bytes <= free) return;
  const mb = (n: number) => (n / 1e6).toFixed(1);
  throw Object.assign(new Error(`no space left on device for ${path}: it needs at least ${mb(bytes)} MB, ${dirname(path)} has ${mb(free)} MB free`), { code: 'ENOSPC' });
}

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes of every file under `path` (a MeasurementSet is a directory of tables). */
export async function directorySize(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.size;
  const entries = await readdir(path);
  const sizes = await Promise.all(entries.map((e) => directorySize(join(path, e))));
  return sizes.reduce((a, b) => a + b, 0);
}

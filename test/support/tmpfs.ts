import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

const mounted: string[] = [];

/** A tmpfs of `size` at `path` (root only), for a full disk; null, or the reason mounting was refused. */
export function mountTmpfs(path: string, size: string): string | null {
  mkdirSync(path, { recursive: true });
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', path]);
  if (mount.status !== 0) return `mount -t tmpfs refused: ${mount.stderr.toString().trim() || mount.error?.message}`;
  mounted.push(path);
  return null;
}

/** Unmounts every tmpfs mountTmpfs mounted. */
export function unmountTmpfs(): void {
  for (const path of mounted.splice(0)) spawnSync('umount', [path]);
}

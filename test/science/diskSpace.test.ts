import { statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureFreeSpace } from '../../src/science/diskSpace.js';

describe('ensureFreeSpace', () => {
  const target = join(tmpdir(), 'contimg-disk-space-check.ms');

  it('lets a table the disk can hold be written', async () => {
    await expect(ensureFreeSpace(target, 1e6)).resolves.toBeUndefined();
  });

  it('refuses one it cannot hold, with what it needs and what is free (ENOSPC)', async () => {
    const { bavail, bsize } = await statfs(tmpdir());
    const error = await ensureFreeSpace(target, bavail * bsize + 1e9).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ENOSPC' });
    expect((error as Error).message).toMatch(new RegExp(`no space left on device for ${target}: it needs at least \\d+\\.\\d MB, ${tmpdir()} has \\d+\\.\\d MB free`));
  });
});

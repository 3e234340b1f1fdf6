import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contimg } from '../../support/cli.js';
import { RA_STEP_DEG, writeTile } from './syntheticTiles.js';

let dir: string;
const tileDirs: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'contimg-mosaic-cli-'));
  for (let i = 0; i < 2; i++) {
    const tileDir = join(dir, `tile${i}`);
    await mkdir(tileDir);
    await writeTile({ dir: tileDir, raDeg: 200 + i * RA_STEP_DEG, decDeg: 20, size: 48, cellDeg: 0.06, beamFwhmPx: 4, dateObs: `2026-01-25T0${i}:00:00`, sources: [{ raDeg: 200.6, decDeg: 20, fluxJy: 1.5 }] });
    tileDirs.push(tileDir);
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('contimg mosaic', () => {
  it('mosaics image directories and image files into the named FITS, with its weight map, QA and thumbnail', async () => {
    const out = join(dir, 'out', 'hour.fits');
    const result = await contimg(['mosaic', tileDirs[0]!, join(tileDirs[1]!, 'image.fits'), '--out', out, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as { qa: { tiles: number; peakJy: number }; products: Record<string, string> };
    expect(printed.qa.tiles).toBe(2);
    expect(printed.qa.peakJy).toBeGreaterThan(1.3);
    expect(printed.products).toEqual({ mosaic: out, weight: join(dir, 'out', 'hour.weight.fits'), thumbnail: join(dir, 'out', 'hour.png'), qa: join(dir, 'out', 'hour.qa.json') });
    for (const path of Object.values(printed.products)) expect(existsSync(path)).toBe(true);
  }, 60_000);

  it('names a missing tile, and refuses a cutoff outside (0, 1]', async () => {
    const missing = await contimg(['mosaic', join(dir, 'absent'), '--out', join(dir, 'x.fits')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read the tile image \S*absent/);
    const badCutoff = await contimg(['mosaic', tileDirs[0]!, '--out', join(dir, 'x.fits'), '--pb-cutoff', '2']);
    expect(badCutoff.code).toBe(2);
    expect(badCutoff.stderr).toMatch(/--pb-cutoff/);
  }, 60_000);
});

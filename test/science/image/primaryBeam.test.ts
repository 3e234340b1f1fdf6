import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitsReadImage, fitsWriteImage, FitsError, type FitsCard, type FitsImage } from '../../../native/index.js';
import { primaryBeamCorrect, primaryBeamImage } from '../../../src/science/image/index.js';

const C = 299792458;
const DISH_M = 4.65;
const FREQ_HZ = 1.4e9;
/** (2 J1(x) / x)² = 1/2 at x = 1.6163399 (the half-power point of the Airy pattern). */
const HALF_POWER_X = 1.616339948;
const N = 201;
const CDELT_DEG = 0.02;

let dir: string;
let grid: FitsImage;

/** A 4° SIN grid at Dec 16.27°, reference pixel at its centre, with a frequency axis like WSClean's. */
function gridCards(): FitsCard[] {
  return [
    { name: 'CTYPE1', value: 'RA---SIN' }, { name: 'CRPIX1', value: (N + 1) / 2 }, { name: 'CRVAL1', value: 337.7 }, { name: 'CDELT1', value: -CDELT_DEG }, { name: 'CUNIT1', value: 'deg' },
    { name: 'CTYPE2', value: 'DEC--SIN' }, { name: 'CRPIX2', value: (N + 1) / 2 }, { name: 'CRVAL2', value: 16.27 }, { name: 'CDELT2', value: CDELT_DEG }, { name: 'CUNIT2', value: 'deg' },
    { name: 'CTYPE3', value: 'FREQ' }, { name: 'CRPIX3', value: 1 }, { name: 'CRVAL3', value: FREQ_HZ }, { name: 'CDELT3', value: 1e8 }, { name: 'CUNIT3', value: 'Hz' },
    { name: 'RADESYS', value: 'FK5' }, { name: 'EQUINOX', value: 2000 },
    { name: 'TELESCOP', value: 'DSA_110', comment: 'a string' }, { name: 'BLANKED', value: true }, { name: 'COMMENT', value: null, comment: 'a commentary card' },
  ];
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'contimg-pb-'));
  const path = join(dir, 'grid.fits');
  await fitsWriteImage(path, { cards: gridCards(), shape: [N, N, 1], data: new Float32Array(N * N).map((_, i) => i) });
  grid = await fitsReadImage(path);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FITS through cfitsio', () => {
  it('reads back the pixels, shape and every card written, typed', () => {
    expect(grid.shape).toEqual([N, N, 1]);
    expect(grid.data[N * 7 + 3]).toBe(N * 7 + 3);
    const card = (name: string) => grid.cards.find((c) => c.name === name);
    expect(card('CTYPE1')!.value).toBe('RA---SIN');
    expect(card('CRVAL2')!.value).toBe(16.27);
    expect(card('NAXIS1')!.value).toBe(N);
    expect(card('BLANKED')!.value).toBe(true);
    expect(card('TELESCOP')).toMatchObject({ value: 'DSA_110', comment: 'a string' });
    expect(grid.cards.filter((c) => c.name === 'COMMENT').map((c) => c.comment)).toContain('a commentary card');
    expect(grid.headerText.length % 80).toBe(0);
  });

  it('refuses a file that is not FITS, naming it', async () => {
    const notFits = join(dir, 'grid.txt');
    await rm(notFits, { force: true });
    await expect(fitsReadImage(notFits)).rejects.toThrow(FitsError);
    await expect(fitsReadImage(notFits)).rejects.toThrow(/grid\.txt/);
    expect(() => fitsWriteImage(notFits, { cards: [{ name: 'lower', value: 1 }], shape: [1], data: new Float32Array(1) })).toThrow(/FITS keyword/);
  });
});

describe('primaryBeamImage', () => {
  let pb: Float32Array;
  const centre = (N - 1) / 2;

  beforeAll(async () => {
    ({ pb } = await primaryBeamImage(grid, 'grid.fits'));
  });

  it('is 1 at the pointing and falls with distance from it out to the first null', () => {
    expect(pb[centre * N + centre]).toBeCloseTo(1, 6);
    // First null at x = 3.8317: sin θ = 3.8317 λ / (π D) ≈ 5.05° at 1.4 GHz, beyond this 2° half-width.
    for (let step = 1; step <= centre; step++) {
      expect(pb[centre * N + centre + step]!).toBeLessThan(pb[centre * N + centre + step - 1]!);
      expect(pb[(centre - step) * N + centre]!).toBeLessThan(pb[(centre - step + 1) * N + centre]!);
    }
  });

  it('has the analytic half-power radius, along RA and along Dec', () => {
    const analyticDeg = (Math.asin((HALF_POWER_X * C) / (Math.PI * DISH_M * FREQ_HZ)) * 180) / Math.PI;
    for (const along of ['ra', 'dec'] as const) {
      const at = (k: number) => (along === 'ra' ? pb[centre * N + centre + k]! : pb[(centre + k) * N + centre]!);
      let k = 0;
      while (at(k + 1) > 0.5) k++;
      const fraction = (at(k) - 0.5) / (at(k) - at(k + 1));
      // SIN projection: the pixel offset is sin of the angle from the reference point.
      const radiusDeg = (Math.asin(((k + fraction) * CDELT_DEG * Math.PI) / 180) * 180) / Math.PI;
      expect(Math.abs(radiusDeg / analyticDeg - 1), along).toBeLessThan(2e-3);
    }
    expect(analyticDeg * 2).toBeCloseTo((1.029 * (C / FREQ_HZ / DISH_M) * 180) / Math.PI, 2); // the textbook full width 1.029 λ / D (2.71°)
  });

  it('is symmetric about the pointing (the WCS is used, not pixel distance in RA)', () => {
    for (const k of [10, 40, 90]) {
      expect(pb[centre * N + centre + k]).toBeCloseTo(pb[centre * N + centre - k]!, 6);
      expect(pb[(centre + k) * N + centre]).toBeCloseTo(pb[(centre - k) * N + centre]!, 6);
    }
  });

  it('primaryBeamCorrect divides by the beam and blanks below the cutoff', () => {
    const out = primaryBeamCorrect(new Float32Array([1, 1, 1]), new Float32Array([1, 0.5, 0.1]), 0.2);
    expect([...out.slice(0, 2)]).toEqual([1, 2]);
    expect(out[2]).toBeNaN();
  });
});

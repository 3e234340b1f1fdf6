import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitsReadImage, fitsWriteImage, FitsError, wcsTransform, type FitsCard, type FitsImage } from '../../../native/index.js';
import { beamSamplingOf, primaryBeamCorrect, primaryBeamImage } from '../../../src/science/image/index.js';
import { airyPowerBeam } from '../../../src/science/simulate/beam.js';

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
function gridCards(cdeltDeg = CDELT_DEG): FitsCard[] {
  return [
    { name: 'CTYPE1', value: 'RA---SIN' }, { name: 'CRPIX1', value: (N + 1) / 2 }, { name: 'CRVAL1', value: 337.7 }, { name: 'CDELT1', value: -cdeltDeg }, { name: 'CUNIT1', value: 'deg' },
    { name: 'CTYPE2', value: 'DEC--SIN' }, { name: 'CRPIX2', value: (N + 1) / 2 }, { name: 'CRVAL2', value: 16.27 }, { name: 'CDELT2', value: cdeltDeg }, { name: 'CUNIT2', value: 'deg' },
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

/** One frequency, one pointing: the instantaneous beam. */
const SINGLE = { frequenciesHz: [FREQ_HZ], pointingRaOffsetsRad: [0] };
const DEG = Math.PI / 180;
const centre = (N - 1) / 2;

/** Great-circle angle between two directions (deg), by the haversine formula. */
function separationDeg(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const h = Math.sin(((dec2 - dec1) * DEG) / 2) ** 2 + Math.cos(dec1 * DEG) * Math.cos(dec2 * DEG) * Math.sin(((ra2 - ra1) * DEG) / 2) ** 2;
  return (2 * Math.asin(Math.sqrt(h))) / DEG;
}

describe('primaryBeamImage at one frequency and pointing', () => {
  let pb: Float32Array;

  beforeAll(async () => {
    ({ pb } = await primaryBeamImage(grid, 'grid.fits', SINGLE));
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

  it('refuses an empty sampling, naming the file', async () => {
    await expect(primaryBeamImage(grid, 'grid.fits', { frequenciesHz: [], pointingRaOffsetsRad: [0] })).rejects.toThrow(/grid\.fits: no channel/);
  });

  it('primaryBeamCorrect divides by the beam and blanks below the cutoff', () => {
    const out = primaryBeamCorrect(new Float32Array([1, 1, 1]), new Float32Array([1, 0.5, 0.1]), 0.2);
    expect([...out.slice(0, 2)]).toEqual([1, 2]);
    expect(out[2]).toBeNaN();
  });
});

describe('primaryBeamImage averaged over the band and the drift of the pointing', () => {
  // 16 channels over 1311–1499 MHz; a 5-minute group: the pointing drifts 1.29° in RA through the reference direction.
  const frequenciesHz = Array.from({ length: 16 }, (_, i) => 1.3115e9 + i * 12.5e6);
  const timesMjdS = Float64Array.from({ length: 24 }, (_, i) => 5.2761e9 + i * 12.885);
  const sampling = beamSamplingOf({ timesMjdS, spwFreqHz: [Float64Array.from(frequenciesHz.slice(0, 8)), Float64Array.from(frequenciesHz.slice(8))] });
  let pb: Float32Array;
  let single: Float32Array;

  beforeAll(async () => {
    ({ pb } = await primaryBeamImage(grid, 'grid.fits', sampling));
    ({ pb: single } = await primaryBeamImage(grid, 'grid.fits', SINGLE));
  });

  it('samples every channel and integration, the pointing drifting east at the sidereal rate through mid-group', () => {
    expect(Array.from(sampling.frequenciesHz)).toEqual(frequenciesHz);
    const offsets = Array.from(sampling.pointingRaOffsetsRad);
    expect(offsets).toHaveLength(24);
    expect(offsets[0]! + offsets[23]!).toBeCloseTo(0, 12);
    // 23 × 12.885 s of sidereal rotation: 360.9856° per day.
    expect((offsets[23]! - offsets[0]!) / DEG).toBeCloseTo((23 * 12.885 * 360.98564736629) / 86400, 6);
  });

  /** The mean of the Airy pattern over the sampling at pixels of `image` (its own WCS), against the image. */
  async function expectMeanAiry(image: FitsImage, beam: Float32Array, pixels: readonly (readonly [number, number])[], tolerance: number) {
    const world = await wcsTransform(image.headerText, Float64Array.from(pixels.flatMap(([x, y]) => [x + 1, y + 1, 1])), 3, 'toWorld');
    pixels.forEach(([x, y], k) => {
      const [ra, dec] = [world[3 * k]!, world[3 * k + 1]!];
      let sum = 0;
      for (const dRa of Array.from(sampling.pointingRaOffsetsRad)) {
        const theta = separationDeg(337.7 + dRa / DEG, 16.27, ra, dec) * DEG;
        for (const f of frequenciesHz) sum += airyPowerBeam(Math.sin(theta), f);
      }
      expect(Math.abs(beam[y * N + x]! - sum / (frequenciesHz.length * 24)), `pixel ${x},${y}`).toBeLessThan(tolerance);
    });
  }

  it('is the mean of the Airy pattern over every channel and pointing, at pixels near and far', async () => {
    await expectMeanAiry(grid, pb, [[centre, centre], [159, 39], [19, 179]], 1e-6);
  });

  it('interpolates between nodes 0.02° apart on a fine grid to 1e-4', async () => {
    const path = join(dir, 'fine.fits');
    await fitsWriteImage(path, { cards: gridCards(0.0025), shape: [N, N, 1], data: new Float32Array(N * N) });
    const fine = await fitsReadImage(path);
    const { pb: finePb } = await primaryBeamImage(fine, 'fine.fits', sampling);
    // Every 8th pixel is a node: these are between nodes, in both axes.
    await expectMeanAiry(fine, finePb, [[centre, centre], [157, 43], [3, 197], [101, 5]], 1e-4);
  });

  it('is wider along RA (the drift) than along Dec, and below 1 at the pointing', () => {
    expect(pb[centre * N + centre]).toBeLessThan(0.99);
    const halfPower = (at: (k: number) => number) => {
      let k = 0;
      while (at(k + 1) > 0.5) k++;
      return k;
    };
    const alongRa = halfPower((k) => pb[centre * N + centre + k]!);
    const alongDec = halfPower((k) => pb[(centre + k) * N + centre]!);
    expect(alongRa).toBeGreaterThan(alongDec);
    // Along Dec the drift hardly matters: the half-power point is the 1.4 GHz one to a few %, the band being centred near 1.4 GHz.
    expect(Math.abs(alongDec / halfPower((k) => single[(centre + k) * N + centre]!) - 1)).toBeLessThan(0.05);
  });
});

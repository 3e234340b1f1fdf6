import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDsa110Sources, type Dsa110Source } from '../../../src/science/catalogs/dsa110Sources.js';
import { angularSeparationDeg } from '../../../src/science/catalogs/skyGeometry.js';
import { forcedPhotometry, loadPhotometryImage, measureForced, type TargetMeasurement } from '../../../src/science/photometry/index.js';
import { gaussian, random } from '../../support/random.js';
import { skyToPixel, writeSkyImage, type SkyImageSpec } from './skyImage.js';

const median = (values: readonly number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'contimg-phot-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('forced photometry of the 170 DSA-110 sources on a simulated image', () => {
  /** One SIN grid over all of them (RA 337–352.4°, Dec 14.4–17.9°), 9″ cells, a 36″ × 27″ beam, 2 mJy/beam correlated noise. */
  const spec: SkyImageSpec = {
    raDeg: 344.69,
    decDeg: 16.15,
    nx: 6080,
    ny: 1800,
    cellArcsec: 9,
    beam: { majorArcsec: 36, minorArcsec: 27, paDeg: 0 },
    noiseJy: 0.002,
    correlatedNoise: true,
    seed: 110,
  };
  let sources: Dsa110Source[];
  let measured: TargetMeasurement[];
  let skipped: number;

  beforeAll(async () => {
    sources = await readDsa110Sources();
    const path = join(dir, 'sky.fits');
    await writeSkyImage(
      path,
      spec,
      sources.map((s) => ({ raDeg: s.raDeg, decDeg: s.decDeg, fluxJy: s.catalogFluxJy })),
    );
    const image = await loadPhotometryImage(path);
    const targets = sources.map((s) => ({ sourceId: s.name, raDeg: s.raDeg, decDeg: s.decDeg }));
    // and two that are not on the image
    ({ measured, skipped } = await forcedPhotometry(image, [...targets, { sourceId: 'west', raDeg: 330, decDeg: 16 }, { sourceId: 'north', raDeg: 344.69, decDeg: 20.5 }]));
  }, 120_000);

  /** Sources with a neighbour within two beam majors are blended: no joint fit (yet) separates them. */
  const isolated = (s: Dsa110Source) => !sources.some((o) => o !== s && angularSeparationDeg(s.raDeg, s.decDeg, o.raDeg, o.decDeg) < (2 * spec.beam.majorArcsec) / 3600);

  it('measures every source on the image, beam-weighted, at the position wcslib gives, and skips the rest', () => {
    expect(sources).toHaveLength(170);
    expect(measured).toHaveLength(170);
    expect(skipped).toBe(2);
    for (const m of measured) {
      expect(m.method).toBe('condon');
      const [x, y] = skyToPixel(spec, m.target.raDeg, m.target.decDeg);
      expect(Math.hypot(m.x - x, m.y - y)).toBeLessThan(0.01);
    }
  });

  it('recovers the fluxes: median measured/true within 2 %, scatter consistent with the noise', () => {
    const truth = new Map(sources.map((s) => [s.name, s]));
    const clean = measured.filter((m) => isolated(truth.get(m.target.sourceId)!));
    expect(clean.length).toBeGreaterThanOrEqual(160);
    const ratios = clean.map((m) => m.fluxJy / truth.get(m.target.sourceId)!.catalogFluxJy);
    expect(Math.abs(median(ratios) - 1)).toBeLessThan(0.02);
    // the local rms is the image noise, and the errors describe the scatter about the truth
    expect(median(clean.map((m) => m.rmsJy)) / spec.noiseJy).toBeGreaterThan(0.9);
    expect(median(clean.map((m) => m.rmsJy)) / spec.noiseJy).toBeLessThan(1.1);
    const pulls = clean.map((m) => (m.fluxJy - truth.get(m.target.sourceId)!.catalogFluxJy) / m.errorJy);
    const spread = Math.sqrt(pulls.reduce((a, p) => a + p * p, 0) / pulls.length);
    expect(spread).toBeGreaterThan(0.75);
    expect(spread).toBeLessThan(1.3);
    expect(Math.abs(median(pulls))).toBeLessThan(0.3);
    // the highest pixel near a source is a cruder measure: within a few σ and ~10 % (pixel sampling) of the peak
    for (const m of clean) expect(m.peakJy / truth.get(m.target.sourceId)!.catalogFluxJy).toBeGreaterThan(0.85 - (5 * spec.noiseJy) / m.peakJy);
  });
});

describe('forced photometry on one source', () => {
  const base: SkyImageSpec = { raDeg: 150, decDeg: 40, nx: 161, ny: 161, cellArcsec: 5, beam: { majorArcsec: 40, minorArcsec: 16, paDeg: 60 }, noiseJy: 1e-4, correlatedNoise: false, seed: 3 };

  async function measureOne(spec: SkyImageSpec, file: string, blank?: (x: number, y: number) => boolean) {
    const source = { raDeg: 150.0031, decDeg: 40.0017, fluxJy: 1 };
    const path = join(dir, file);
    await writeSkyImage(path, spec, [source], blank);
    return forcedPhotometry(await loadPhotometryImage(path), [{ sourceId: 'one', ...source }]);
  }

  it('weights with the beam as the header orients it (BPA east of north)', async () => {
    for (const paDeg of [60, -35, 90]) {
      const { measured } = await measureOne({ ...base, beam: { ...base.beam, paDeg } }, `pa${paDeg}.fits`);
      expect(measured[0]!.fluxJy).toBeCloseTo(1, 2);
    }
  });

  it('skips a source whose cutout holds blank pixels (beyond the primary-beam cutoff)', async () => {
    const blanked = await measureOne(base, 'blank.fits', (x, y) => Math.hypot(x - 85, y - 80) < 3);
    expect(blanked).toMatchObject({ measured: [], skipped: 1 });
  });

  it('without a beam, takes the highest pixel of a 5-pixel box and the rms of a 12–20 pixel annulus', () => {
    const [nx, ny] = [64, 64];
    const next = gaussian(random(9));
    const pixels = Float32Array.from({ length: nx * ny }, () => 0.01 * next());
    pixels[30 * nx + 33] = 2; // 1 pixel right of (32, 30): inside the box
    pixels[30 * nx + 36] = 5; // 4 pixels right: outside it
    const m = measureForced({ pixels, nx, ny }, undefined, 32.2, 29.9);
    expect(m).toMatchObject({ method: 'peak', peakJy: 2, fluxJy: 2 });
    expect(m!.rmsJy).toBeGreaterThan(0.008);
    expect(m!.rmsJy).toBeLessThan(0.012);
    expect(m!.errorJy).toBe(m!.rmsJy);
    expect(measureForced({ pixels, nx, ny }, undefined, 1, 30)).toBeUndefined();
  });
});

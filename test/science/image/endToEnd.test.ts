/**
 * The science check of issue 6 end to end: a calibrator group and, a few minutes later, a field
 * with known point sources, both seen through the same simulated instrument (gains, bandpasses,
 * thermal noise); convert both, solve on the calibrator, apply to the field, image it (full mode)
 * and compare the image with the simulator's ground truth. 48 antennas, not 24: the PSF of 24
 * antennas in a 77 s snapshot has ~50 % sidelobes, which limit the clean to a few % in flux.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { applyCalibration, calibrate } from '../../../src/science/calibrate/index.js';
import { convertGroup } from '../../../src/science/convert/index.js';
import { imageMs, measurementSetFacts, measureQa, type ImageResult } from '../../../src/science/image/index.js';
import { ApparentFrame } from '../../../src/science/simulate/apparent.js';
import { INTEGRATION_S, jdFromUnixMs } from '../../../src/science/simulate/layout.js';
import { simulate, type SimulateOptions } from '../../../src/science/simulate/simulate.js';
import { fitsReadImage } from '../../../native/index.js';
import { imagingSettings } from '../../../src/stages/image.js';
import { runOracle } from '../../support/oracle.js';

const DEG = Math.PI / 180;
const INTEGRATIONS = 6;
const FIELD_DEC_DEG = 30;
/** Offsets (degrees east, north of the field's pointing) and 1.4 GHz fluxes; the last is far off centre, where the beam is down to ~0.8. */
const OFFSETS = [
  { east: 0.1, north: 0.05, fluxJy: 1.2 },
  { east: -0.15, north: 0.1, fluxJy: 0.8 },
  { east: 0.05, north: -0.2, fluxJy: 0.6 },
  { east: -0.45, north: -0.5, fluxJy: 1 },
];

interface Truth {
  readonly groupId: string;
  readonly observation: { readonly endUtc: string };
}

interface Science {
  readonly sources: {
    name: string;
    expectedJy: number;
    beam: number;
    fitPeakJy: number;
    fitIntegratedJy: number;
    offsetArcsec: number;
    offsetBeams: number;
    expectedPixel: [number, number];
    intrinsicJy: number;
    pbcorIntegratedJy: number;
  }[];
  readonly rmsJy: number;
}

let dir: string;
let image: ImageResult;
let science: Science;
let noise: { rmsJy: number; thermalJy: number };

const common: Omit<SimulateOptions, 'outDir'> = { antennas: 48, channels: 32, subbands: 4, integrations: INTEGRATIONS, catalogs: [], rfi: false, deadAntennas: 0, seed: 11 };

async function simulateGroup(name: string, options: Partial<SimulateOptions>): Promise<{ ms: string; truthPath: string; truth: Truth }> {
  const sim = await simulate({ ...common, ...options, outDir: join(dir, `${name}-raw`) });
  const group = sim.written[0]!;
  const ms = join(dir, `${name}.ms`);
  await convertGroup({ files: [...group.files], out: ms });
  return { ms, truthPath: group.truthPath, truth: JSON.parse(await readFile(group.truthPath, 'utf8')) as Truth };
}

/** J2000 positions at the given offsets from where the field group points at its mid-time (the meridian, Dec 30° apparent). */
function sourcesAround(start: Date) {
  const frame = new ApparentFrame(jdFromUnixMs(start.getTime() + (INTEGRATIONS * INTEGRATION_S * 1000) / 2));
  const centre = frame.astrometric(frame.lstRad, FIELD_DEC_DEG * DEG);
  return OFFSETS.map((o, i) => ({
    name: `S${i}`,
    origin: 'user' as const,
    raDeg: centre.raRad / DEG + o.east / Math.cos(centre.decRad),
    decDeg: centre.decRad / DEG + o.north,
    fluxJy: o.fluxJy,
    spectralIndex: -0.7,
  }));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'contimg-image-e2e-'));
  const cal = await simulateGroup('cal', { calibrator: '3C454.3' });
  // The same instrument (seed) right after the calibrator group, pointed away from it.
  const start = new Date(new Date(cal.truth.observation.endUtc).getTime() + 10_000);
  const field = await simulateGroup('field', { start, decDeg: FIELD_DEC_DEG, sources: sourcesAround(start) });

  const solved = await calibrate(cal.ms, { calibrator: '3C454.3', outDir: join(dir, 'caltables') });
  expect(solved.accepted, solved.rejection).toBe(true);
  await applyCalibration(field.ms, solved.tables);

  const { config } = loadConfig({ env: {}, cwd: dir });
  // Science-grade settings: 6 pixels across λ/B (the defaults' 4 undersample the Briggs beam: fluxes off by up to
  // 3 %) and a clean to the auto-threshold (the defaults' 1000 iterations stop short: noise 1.3 × thermal). The
  // defaults stay cheaper for the real-time budget. The field is cut to 1.5° (from 3.5°) to keep the test quick.
  const settings = { ...imagingSettings(config), pixelsPerBeam: 6, niter: 20000, fieldDeg: 1.5 };
  image = await imageMs(field.ms, { mode: 'full', imageId: 'field.full', imagesDir: join(dir, 'images'), settings, groupId: field.truth.groupId });
  science = JSON.parse(await runOracle('img_science.py', [image.dir, field.ms, field.truthPath])) as Science;
  const { data, shape } = await fitsReadImage(image.products.image);
  const metrics = measureQa({ pixels: data.subarray(0, shape[0]! * shape[1]!), nx: shape[0]!, ny: shape[1]!, cellArcsec: image.cellArcsec, beam: image.beam, facts: await measurementSetFacts(field.ms) });
  noise = { rmsJy: metrics.sourceFreeRmsJy, thermalJy: metrics.thermalNoiseJy };
}, 300_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('science check: simulate → convert → calibrate (solve on a calibrator group, apply) → image', () => {
  it('has every injected source at SNR > 50 (the check applies to all of them)', () => {
    expect(science.sources.length).toBe(OFFSETS.length);
    for (const s of science.sources) expect(s.expectedJy / science.rmsJy, s.name).toBeGreaterThan(50);
  });

  it('brings back every source within 2 % of its apparent flux (integrated flux of a Gaussian fitted to the restored image)', () => {
    for (const s of science.sources) expect(Math.abs(s.fitIntegratedJy / s.expectedJy - 1), `${s.name}: ${s.fitIntegratedJy} Jy against ${s.expectedJy} Jy`).toBeLessThan(0.02);
  });

  it('puts every source within 0.1 beam of where it was injected, by astropy’s WCS, the far one on its own pixel', () => {
    for (const s of science.sources) expect(s.offsetBeams, `${s.name}: ${s.offsetArcsec}″`).toBeLessThan(0.1);
    const pixels = science.sources.map((s) => s.expectedPixel.map(Math.round).join(','));
    expect(new Set(pixels).size).toBe(OFFSETS.length);
    const far = science.sources.reduce((a, b) => (a.beam < b.beam ? a : b));
    expect(far.beam).toBeLessThan(0.9);
    expect(Math.hypot(far.expectedPixel[0] - image.sizePx / 2, far.expectedPixel[1] - image.sizePx / 2) * image.cellArcsec).toBeGreaterThan(0.6 * 3600);
  });

  it('corrects the primary beam: the pbcor image gives the intrinsic flux within 2 %, off centre too', () => {
    for (const s of science.sources) expect(Math.abs(s.pbcorIntegratedJy / s.intrinsicJy - 1), `${s.name}: ${s.pbcorIntegratedJy} Jy against ${s.intrinsicJy} Jy`).toBeLessThan(0.02);
  });

  it('has an image noise within 1.3 × the radiometer-equation thermal noise', () => {
    expect(noise.rmsJy / noise.thermalJy).toBeLessThan(1.3);
    // Not far below it either. (It can be a little below: the clean of this sparse array's PSF, with 40 % sidelobes,
    // also takes out noise that looks like them; an empty field of the same data goes from 1.38 × thermal dirty
    // (Briggs 0) to 0.95 × cleaned.)
    expect(noise.rmsJy / noise.thermalJy).toBeGreaterThan(0.8);
    // The oracle's source-free rms agrees with the pipeline's.
    expect(science.rmsJy / noise.rmsJy).toBeCloseTo(1, 1);
  });
});

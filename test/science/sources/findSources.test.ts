/**
 * The source finder on simulated images whose truth is known: restoring-beam Gaussians injected
 * into beam-correlated Gaussian noise on a DSA-110 WSClean grid (cell and beam of a real image),
 * written through the native FITS writer, then found, fitted and placed on the sky.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitsWriteImage } from '../../../native/index.js';
import { angularSeparationDeg } from '../../../src/science/catalogs/skyGeometry.js';
import { findSources, median, SourceFinderError, type DetectedSource, type SourceFinding } from '../../../src/science/sources/index.js';
import { contimg } from '../../support/cli.js';
import { runOracle } from '../../support/oracle.js';
import { DSA110_BEAM, DSA110_CELL_ARCSEC, headerCards, randomSky, writeSimulatedImage, type InjectedTruth } from './simulatedImage.js';

const RMS_JY = 0.002;
const BEAM_ARCSEC = DSA110_BEAM.majorArcsec;
const GRID = { size: 1024, cellArcsec: DSA110_CELL_ARCSEC, centreRaDeg: 346.07, centreDecDeg: 16.15, beam: DSA110_BEAM };

let dir: string;
let truth: InjectedTruth[];
let finding: SourceFinding;

const separationArcsec = (a: { raDeg: number; decDeg: number }, b: { raDeg: number; decDeg: number }) => angularSeparationDeg(a.raDeg, a.decDeg, b.raDeg, b.decDeg) * 3600;

/** The detection nearest to an injected source, within half a beam. */
function counterpart(source: InjectedTruth, detections: readonly DetectedSource[]): DetectedSource | undefined {
  let best: DetectedSource | undefined;
  for (const d of detections) if (separationArcsec(source, d) < BEAM_ARCSEC / 2 && (!best || separationArcsec(source, d) < separationArcsec(source, best))) best = d;
  return best;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'contimg-sources-'));
  // 150 point sources from 4 σ to 300 σ, four beams apart or more, away from the edges.
  const sky = await randomSky(GRID, { count: 150, minPeakJy: 4 * RMS_JY, maxPeakJy: 300 * RMS_JY, minSeparationArcsec: 4 * BEAM_ARCSEC, marginPx: 24, seed: 7 });
  truth = await writeSimulatedImage(join(dir, 'sky.fits'), { ...GRID, rmsJy: RMS_JY, seed: 11, sources: sky });
  finding = await findSources(join(dir, 'sky.fits'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('source finder on a simulated image', () => {
  it('recovers at least 95 % of the sources above 10 σ', () => {
    const bright = truth.filter((s) => s.peakJy >= 10 * RMS_JY);
    expect(bright.length).toBeGreaterThan(100);
    const found = bright.filter((s) => counterpart(s, finding.sources));
    expect(found.length / bright.length).toBeGreaterThanOrEqual(0.95);
  });

  it('measures peak and integrated fluxes within 5 %, with errors that describe the scatter', () => {
    const pairs = truth.filter((s) => s.peakJy >= 10 * RMS_JY).flatMap((s) => {
      const d = counterpart(s, finding.sources);
      return d ? [{ s, d }] : [];
    });
    expect(Math.abs(median(pairs.map(({ s, d }) => d.peakJy / s.peakJy)) - 1)).toBeLessThan(0.05);
    expect(Math.abs(median(pairs.map(({ s, d }) => d.intFluxJy / s.peakJy)) - 1)).toBeLessThan(0.05);
    expect(median(pairs.map(({ s, d }) => Math.abs(d.peakJy / s.peakJy - 1)))).toBeLessThan(0.05);
    // Condon's errors: the normalised residuals scatter by about one.
    const pulls = pairs.map(({ s, d }) => (d.peakJy - s.peakJy) / d.peakErrJy);
    const pullRms = Math.sqrt(pulls.reduce((sum, p) => sum + p * p, 0) / pulls.length);
    expect(pullRms).toBeGreaterThan(0.7);
    expect(pullRms).toBeLessThan(1.5);
  });

  it('places sources within 0.1 beam', () => {
    const offsets = truth.filter((s) => s.peakJy >= 10 * RMS_JY).flatMap((s) => {
      const d = counterpart(s, finding.sources);
      return d ? [separationArcsec(s, d) / BEAM_ARCSEC] : [];
    });
    expect(offsets.filter((o) => o <= 0.1).length / offsets.length).toBeGreaterThanOrEqual(0.95);
    expect(median(offsets)).toBeLessThan(0.05);
  });

  it('fits the restoring beam to point sources and measures the local noise', () => {
    const bright = finding.sources.filter((s) => s.snr > 50);
    expect(bright.length).toBeGreaterThan(10);
    expect(median(bright.map((s) => s.majorArcsec / DSA110_BEAM.majorArcsec))).toBeCloseTo(1, 1);
    expect(median(bright.map((s) => s.minorArcsec / DSA110_BEAM.minorArcsec))).toBeCloseTo(1, 1);
    expect(bright.every((s) => s.fitted)).toBe(true);
    expect(median(Array.from(finding.rms).filter(Number.isFinite)) / RMS_JY).toBeCloseTo(1, 1);
  });

  it('makes at most one false detection above 6 σ', () => {
    const spurious = finding.sources.filter((d) => d.snr >= 6 && !truth.some((s) => separationArcsec(s, d) < BEAM_ARCSEC));
    expect(spurious.length).toBeLessThanOrEqual(1);
  });

  it('agrees with an independent fit (astropy.modeling and astropy.wcs)', async () => {
    const brightest = finding.sources[0]!;
    const oracle = JSON.parse(await runOracle('src_fit_gaussian.py', [join(dir, 'sky.fits'), String(brightest.x), String(brightest.y), '20'])) as Record<string, number>;
    expect(brightest.peakJy / oracle['peak']!).toBeCloseTo(1, 2);
    expect(separationArcsec(brightest, { raDeg: oracle['raDeg']!, decDeg: oracle['decDeg']! })).toBeLessThan(0.5);
    expect(brightest.majorArcsec / oracle['majorArcsec']!).toBeCloseTo(1, 1);
    expect(brightest.minorArcsec / oracle['minorArcsec']!).toBeCloseTo(1, 1);
  });

  it('is what `contimg sources --json` prints', async () => {
    const result = await contimg(['sources', join(dir, 'sky.fits'), '--json']);
    expect(result.code, result.stderr).toBe(0);
    const printed = JSON.parse(result.stdout) as { sources: DetectedSource[]; beam: { majorArcsec: number } };
    expect(printed.sources.length).toBe(finding.sources.length);
    expect(printed.sources[0]!.raDeg).toBeCloseTo(finding.sources[0]!.raDeg, 9);
    expect(printed.beam.majorArcsec).toBeCloseTo(DSA110_BEAM.majorArcsec, 6);
  });
});

describe('source finder on noise alone', () => {
  it('finds at most one source above 6 σ', async () => {
    await writeSimulatedImage(join(dir, 'noise.fits'), { ...GRID, size: 768, rmsJy: RMS_JY, seed: 23, sources: [] });
    const noise = await findSources(join(dir, 'noise.fits'));
    expect(noise.sources.filter((s) => s.snr >= 6).length).toBeLessThanOrEqual(1);
  });
});

describe('bad input', () => {
  it('names a missing file', async () => {
    const missing = join(dir, 'missing.fits');
    await expect(findSources(missing)).rejects.toThrow(SourceFinderError);
    await expect(findSources(missing)).rejects.toThrow(missing);
  });

  it('names the file that has no restoring beam', async () => {
    const path = join(dir, 'nobeam.fits');
    const cards = headerCards({ ...GRID, size: 64 }).filter((c) => !['BMAJ', 'BMIN', 'BPA'].includes(c.name));
    await fitsWriteImage(path, { cards, shape: [64, 64, 1, 1], data: new Float32Array(64 * 64) });
    await expect(findSources(path)).rejects.toThrow(`${path}: no restoring beam (BMAJ, BMIN, BPA)`);
  });

  it('says so when the CLI gets an unreadable file', async () => {
    const result = await contimg(['sources', join(dir, 'missing.fits')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(join(dir, 'missing.fits'));
  });
});

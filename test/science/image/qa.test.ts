import { describe, expect, it } from 'vitest';
import { gradeQa, measureQa, thermalNoiseJy, type MsFacts, type QaMetrics } from '../../../src/science/image/index.js';
import { robustRms } from '../../../src/science/image/qa.js';
import { failureReason, progressOfLine } from '../../../src/science/image/wsclean.js';
import { sefdJy } from '../../../src/science/simulate/noise.js';

const FACTS: MsFacts = { maxBaselineM: 2500, minFreqHz: 1.3e9, maxFreqHz: 1.5e9, channelWidthHz: 244140.625, integrationS: 12.885, unflaggedCrossSamples: 4560 * 2 * 768 * 24 };
const THRESHOLDS = { warnDynamicRange: 10, badDynamicRange: 5, warnNoiseRatio: 1.5, badNoiseRatio: 3 };

/** Deterministic standard normal deviates (Box–Muller over a linear congruential generator). */
function gaussian(n: number, seed = 7): Float32Array {
  let state = seed;
  const uniform = () => ((state = (state * 1664525 + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  return Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()));
}

/** Gaussian noise of σ plus circular Gaussian sources of FWHM `beamPx`. */
function sky(n: number, sigma: number, sources: { x: number; y: number; peak: number }[], beamPx: number): Float32Array {
  const pixels = gaussian(n * n).map((v) => v * sigma);
  const s2 = (beamPx / 2.3548) ** 2;
  for (const s of sources) {
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) pixels[y * n + x]! += s.peak * Math.exp(-((x - s.x) ** 2 + (y - s.y) ** 2) / (2 * s2));
  }
  return pixels;
}

describe('measureQa', () => {
  const sources = [
    { x: 60, y: 70, peak: 2 },
    { x: 190, y: 40, peak: 0.5 },
    { x: 128, y: 200, peak: 0.1 },
  ];
  const beam = { majorArcsec: 30, minorArcsec: 25, paDeg: 0 };
  const metrics = measureQa({ pixels: sky(256, 0.001, sources, 6), nx: 256, ny: 256, cellArcsec: 5, beam, facts: FACTS });

  it('finds σ of the noise, robustly and away from the sources', () => {
    expect(metrics.robustRmsJy).toBeGreaterThan(0.00097);
    expect(metrics.robustRmsJy).toBeLessThan(0.00103);
    expect(metrics.sourceFreeRmsJy / 0.001).toBeCloseTo(1, 1);
  });

  it('detects each source above 5σ once, at its position, and measures the peak and dynamic range', () => {
    expect(metrics.sources.map((s) => [s.x, s.y])).toEqual(sources.map((s) => [s.x, s.y]));
    expect(metrics.peakJy).toBeCloseTo(2, 2);
    expect(metrics.dynamicRange).toBeCloseTo(metrics.peakJy / metrics.sourceFreeRmsJy, 6);
  });

  it('compares the noise with the radiometer equation', () => {
    const expected = sefdJy() / Math.sqrt(2 * FACTS.unflaggedCrossSamples * FACTS.channelWidthHz * FACTS.integrationS);
    expect(thermalNoiseJy(FACTS)).toBeCloseTo(expected, 12);
    // DESIGN §1: ~0.25 mJy for 96 antennas, 2 pols, 187.5 MHz, 309 s with N_bl counted once; √2 less counting N(N − 1).
    expect(thermalNoiseJy(FACTS) * Math.SQRT2 * 1e3).toBeCloseTo(0.25, 2);
    expect(metrics.noiseRatio).toBeCloseTo(metrics.sourceFreeRmsJy / thermalNoiseJy(FACTS), 9);
  });
});

describe('robustRms', () => {
  /** 1.4826 · MAD by sorting, the definition. */
  const bySorting = (values: Float32Array) => {
    const median = (v: Float32Array) => {
      const s = v.slice().sort();
      const mid = s.length >> 1;
      return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
    };
    const m = median(values);
    return 1.482602218505602 * median(values.map((v) => Math.abs(v - m)));
  };

  it('is 1.4826 × the median absolute deviation, for odd and even counts, and leaves its input as it was', () => {
    for (const n of [1, 2, 7, 10, 1001, 4096]) {
      const values = gaussian(n, n).map((v, i) => (i % 97 === 0 ? 50 : v));
      const copy = values.slice();
      expect(robustRms(values)).toBeCloseTo(bySorting(values), 6);
      expect(values).toEqual(copy);
    }
    expect(robustRms(Float32Array.from([1, 2, 3, 4]))).toBeCloseTo(1.482602218505602, 6);
  });
});

describe('gradeQa', () => {
  const base: QaMetrics = {
    robustRmsJy: 0.001, sourceFreeRmsJy: 0.001, peakJy: 1, dynamicRange: 1000, sources: [{ x: 1, y: 1, valueJy: 1 }],
    thermalNoiseJy: 0.0008, noiseRatio: 1.25, finiteFraction: 1, beam: { majorArcsec: 20, minorArcsec: 10, paDeg: 0 },
  };

  it('grades good, warn and bad by the configured thresholds', () => {
    expect(gradeQa(base, THRESHOLDS)).toEqual({ grade: 'good', issues: [] });
    expect(gradeQa({ ...base, dynamicRange: 8 }, THRESHOLDS)).toEqual({ grade: 'warn', issues: ['dynamic range 8.0 < 10'] });
    expect(gradeQa({ ...base, noiseRatio: 2 }, THRESHOLDS).grade).toBe('warn');
    expect(gradeQa({ ...base, noiseRatio: 4 }, THRESHOLDS).grade).toBe('bad');
    expect(gradeQa({ ...base, dynamicRange: 4 }, THRESHOLDS).grade).toBe('bad');
    expect(gradeQa({ ...base, dynamicRange: 4 }, { ...THRESHOLDS, badDynamicRange: 3, warnDynamicRange: 3.5 }).grade).toBe('good');
    expect(gradeQa({ ...base, beam: { majorArcsec: 4.6, minorArcsec: 0, paDeg: 0 } }, THRESHOLDS).issues[0]).toMatch(/not a valid fit/);
    expect(gradeQa({ ...base, sources: [] }, THRESHOLDS)).toEqual({ grade: 'warn', issues: ['no source above 5 σ'] });
  });
});

describe('WSClean output', () => {
  it('turns its log into rising progress', () => {
    const state = { majorCycles: 0 };
    const lines = ['Reordering: 0%....50%....100%', ' == Constructing PSF ==', ' == Constructing image ==', ' == Deconvolving (1) ==', ' == Constructing image ==', ' == Deconvolving (2) ==', 'Rendering sources to restored image (beam=1)... DONE', 'Writing restored image... DONE'];
    const fractions = lines.map((l) => progressOfLine(l.trim(), state)?.fraction);
    expect(fractions[4]).toBeUndefined(); // a "Constructing image" inside the major cycles says nothing new
    const defined = fractions.filter((f): f is number => f !== undefined);
    defined.slice(1).forEach((f, i) => expect(f).toBeGreaterThan(defined[i]!));
    expect(progressOfLine('Opening reordered part 0 spw 0', state)).toBeUndefined();
  });

  it('extracts its reason for a failure', () => {
    const log = 'WSClean version 3.1.0\n\n+ + + +\n+ An exception occured:\n+ >>> Table column CORRECTED_DATA is unknown\n+ + + +\n';
    expect(failureReason(log)).toBe('Table column CORRECTED_DATA is unknown');
    expect(failureReason('a\nb\nsomething failed here\nc\n')).toBe('something failed here');
    expect(failureReason('')).toBe('no output');
  });
});

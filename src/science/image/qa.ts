/**
 * Image quality: noise (robust, and away from sources), peak, dynamic range, detections, the
 * ratio of the noise to the thermal noise the radiometer equation predicts, and a grade.
 */
import { quickselect } from 'd3-array';
import { sefdJy } from '../simulate/noise.js';
import type { MsFacts } from './msFacts.js';

/** 1.4826 · MAD is σ for Gaussian noise. */
const MAD_TO_SIGMA = 1.482602218505602;
/** Pixels within this many restoring-beam major axes of a detection are not source-free. */
const SOURCE_MASK_BEAMS = 3;
export const DETECTION_SIGMA = 5;

export interface QaThresholds {
  readonly warnDynamicRange: number;
  readonly badDynamicRange: number;
  readonly warnNoiseRatio: number;
  readonly badNoiseRatio: number;
}

export interface QaInput {
  /** One plane, x fastest. */
  readonly pixels: Float32Array;
  readonly nx: number;
  readonly ny: number;
  readonly cellArcsec: number;
  readonly beam: { majorArcsec: number; minorArcsec: number; paDeg: number };
  readonly facts: MsFacts;
}

export interface QaMetrics {
  /** 1.4826 · median absolute deviation of the finite pixels. */
  readonly robustRmsJy: number;
  /** rms of the pixels farther than 3 beams from every detection. */
  readonly sourceFreeRmsJy: number;
  readonly peakJy: number;
  /** peak / source-free rms. */
  readonly dynamicRange: number;
  /** Local maxima (over a beam-sized window) above 5 × the robust rms. */
  readonly sources: readonly { x: number; y: number; valueJy: number }[];
  readonly thermalNoiseJy: number;
  /** source-free rms / thermal noise. */
  readonly noiseRatio: number;
  readonly finiteFraction: number;
  readonly beam: { majorArcsec: number; minorArcsec: number; paDeg: number };
}

export interface QaVerdict {
  readonly grade: 'good' | 'warn' | 'bad';
  readonly issues: readonly string[];
}

/**
 * The median of `values`, reordering them: a quickselect runs in linear time, where sorting a
 * full-size image (4586² pixels) took seconds.
 */
function medianInPlace(values: Float32Array): number {
  const mid = values.length >> 1;
  quickselect(values, mid);
  const upper = values[mid]!;
  if (values.length % 2 === 1) return upper;
  // The selection leaves every value below index mid at most `upper`: the lower middle is their largest.
  let lower = -Infinity;
  for (let i = 0; i < mid; i++) lower = Math.max(lower, values[i]!);
  return (lower + upper) / 2;
}

/** 1.4826 · the median absolute deviation of `finite` (left as it is). */
export function robustRms(finite: Float32Array): number {
  const work = finite.slice();
  const m = medianInPlace(work);
  for (let i = 0; i < work.length; i++) work[i] = Math.abs(work[i]! - m);
  return MAD_TO_SIGMA * medianInPlace(work);
}

/**
 * Thermal noise of a Stokes I image of natural weighting, from the radiometer equation: each
 * unflagged cross-correlation sample (correlation × channel × row) has σ(re) = SEFD / √(2 Δν τ)
 * (src/science/simulate/noise.ts; SEFD from T_sys ≈ 25 K and aperture efficiency ≈ 0.7 of a 4.65 m
 * dish, DESIGN §1 "sensitivity"), and the image averages all of them:
 *   σ_image = SEFD / √(2 N_samples Δν τ) = SEFD / √(N_pol · 2 N_bl · Δν_total · t) unflagged.
 * (DESIGN's σ = SEFD / √(N_pol N_bl Δν t) counts each baseline once, not N(N − 1) = 2 N_bl
 * correlator products: √2 more conservative.) Briggs weighting raises the real noise above this.
 */
export function thermalNoiseJy(facts: MsFacts): number {
  if (facts.unflaggedCrossSamples <= 0) return Number.POSITIVE_INFINITY;
  return sefdJy() / Math.sqrt(2 * facts.unflaggedCrossSamples * facts.channelWidthHz * facts.integrationS);
}

/** Local maxima ≥ threshold: a pixel not exceeded by any in the (2h + 1)² window around it (clipped at the edges). */
export function localMaxima(pixels: Float32Array, nx: number, ny: number, halfWidth: number, threshold: number): { x: number; y: number; valueJy: number }[] {
  const found: { x: number; y: number; valueJy: number }[] = [];
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      const v = pixels[y * nx + x]!;
      if (!(v >= threshold)) continue;
      let isMax = true;
      for (let yy = Math.max(0, y - halfWidth); isMax && yy <= Math.min(ny - 1, y + halfWidth); yy++) {
        for (let xx = Math.max(0, x - halfWidth); xx <= Math.min(nx - 1, x + halfWidth); xx++) {
          if (pixels[yy * nx + xx]! > v) {
            isMax = false;
            break;
          }
        }
      }
      if (isMax) found.push({ x, y, valueJy: v });
    }
  }
  return found.sort((a, b) => b.valueJy - a.valueJy);
}

function finiteValues(pixels: Float32Array): Float32Array {
  const finite = new Float32Array(pixels.length);
  let n = 0;
  for (const v of pixels) if (Number.isFinite(v)) finite[n++] = v;
  return finite.subarray(0, n);
}

export function measureQa(input: QaInput): QaMetrics {
  const { pixels, nx, ny } = input;
  const finite = finiteValues(pixels);
  if (finite.length === 0) {
    return { robustRmsJy: NaN, sourceFreeRmsJy: NaN, peakJy: NaN, dynamicRange: 0, sources: [], thermalNoiseJy: thermalNoiseJy(input.facts), noiseRatio: NaN, finiteFraction: 0, beam: input.beam };
  }
  let peakJy = -Infinity;
  for (const v of finite) peakJy = Math.max(peakJy, v);
  const robustRmsJy = robustRms(finite);
  const beamPx = input.beam.majorArcsec / input.cellArcsec;
  const sources = localMaxima(pixels, nx, ny, Math.max(1, Math.ceil(beamPx / 2)), DETECTION_SIGMA * robustRmsJy);

  const maskRadius = SOURCE_MASK_BEAMS * beamPx;
  const masked = new Uint8Array(nx * ny);
  for (const s of sources) {
    const r = Math.ceil(maskRadius);
    for (let y = Math.max(0, s.y - r); y <= Math.min(ny - 1, s.y + r); y++) {
      for (let x = Math.max(0, s.x - r); x <= Math.min(nx - 1, s.x + r); x++) {
        if ((x - s.x) ** 2 + (y - s.y) ** 2 <= maskRadius ** 2) masked[y * nx + x] = 1;
      }
    }
  }
  let sum = 0;
  let count = 0;
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i]!;
    if (masked[i] === 0 && Number.isFinite(v)) {
      sum += v * v;
      count++;
    }
  }
  const sourceFreeRmsJy = count > 0 ? Math.sqrt(sum / count) : NaN;
  const thermal = thermalNoiseJy(input.facts);
  return {
    robustRmsJy,
    sourceFreeRmsJy,
    peakJy,
    dynamicRange: sourceFreeRmsJy > 0 ? peakJy / sourceFreeRmsJy : 0,
    sources,
    thermalNoiseJy: thermal,
    noiseRatio: sourceFreeRmsJy / thermal,
    finiteFraction: finite.length / pixels.length,
    beam: input.beam,
  };
}

export function gradeQa(metrics: QaMetrics, thresholds: QaThresholds): QaVerdict {
  const bad: string[] = [];
  const warn: string[] = [];
  const { beam } = metrics;
  if (!(metrics.finiteFraction > 0.5)) bad.push(`only ${(100 * metrics.finiteFraction).toFixed(1)} % of the pixels are finite`);
  if (!(beam.majorArcsec > 0 && beam.minorArcsec > 0 && beam.minorArcsec <= beam.majorArcsec)) bad.push(`restoring beam ${beam.majorArcsec}″ × ${beam.minorArcsec}″ is not a valid fit`);
  const dr = metrics.dynamicRange;
  if (!(dr >= thresholds.badDynamicRange)) bad.push(`dynamic range ${dr.toFixed(1)} < ${thresholds.badDynamicRange}`);
  else if (dr < thresholds.warnDynamicRange) warn.push(`dynamic range ${dr.toFixed(1)} < ${thresholds.warnDynamicRange}`);
  const ratio = metrics.noiseRatio;
  if (!(ratio <= thresholds.badNoiseRatio)) bad.push(`noise ${ratio.toFixed(2)} × thermal > ${thresholds.badNoiseRatio}`);
  else if (ratio > thresholds.warnNoiseRatio) warn.push(`noise ${ratio.toFixed(2)} × thermal > ${thresholds.warnNoiseRatio}`);
  if (metrics.sources.length === 0) warn.push(`no source above ${DETECTION_SIGMA} σ`);
  return { grade: bad.length > 0 ? 'bad' : warn.length > 0 ? 'warn' : 'good', issues: [...bad, ...warn] };
}

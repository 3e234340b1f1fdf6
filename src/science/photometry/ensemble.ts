/**
 * Ensemble (differential) flux normalisation after the incumbent's `normalize.py`: each bright,
 * steady reference source has a baseline (the median of its first epochs); in each image, the
 * ratios measured / baseline of the references nearest a target, 3σ-clipped, give a median
 * correction by which the target's flux is divided. It removes what scales every source of an
 * image alike (calibration gain errors), leaving what is the source's own.
 */
import { unitVector } from '../catalogs/skyGeometry.js';

export interface EnsembleOptions {
  readonly maxReferences: number;
  readonly maxSeparationDeg: number;
  readonly minReferences: number;
  readonly clipSigma: number;
}

/** The incumbent's: at most 20 references within 1.5°, clipped at 3σ; at least 3 to correct. */
export const DEFAULT_ENSEMBLE: EnsembleOptions = { maxReferences: 20, maxSeparationDeg: 1.5, minReferences: 3, clipSigma: 3 };

/** A reference measured in this image: its flux over its baseline. */
export interface ReferenceRatio {
  readonly sourceId: string;
  readonly raDeg: number;
  readonly decDeg: number;
  readonly ratio: number;
}

export interface Correction {
  /** Divide the measured flux by this. */
  readonly factor: number;
  /** Standard error of the factor (of a median: 1.2533 σ / √n). */
  readonly error: number;
  readonly references: number;
}

export interface Baseline {
  readonly fluxJy: number;
  /** Robust fractional scatter of the baseline epochs (1.4826 MAD / median). */
  readonly scatter: number;
}

const MAD_TO_SIGMA = 1.482602218505602;
/** The standard error of a median is √(π/2) that of a mean, for Gaussian scatter. */
const MEDIAN_EFFICIENCY = Math.sqrt(Math.PI / 2);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function robustSigma(values: readonly number[], centre: number): number {
  return MAD_TO_SIGMA * median(values.map((v) => Math.abs(v - centre)));
}

/** Median and robust σ of what survives iterative clipping at `sigma` robust σ from the median. */
export function clippedMedian(values: readonly number[], sigma: number): { median: number; sigma: number; kept: number } {
  let kept = values;
  for (;;) {
    const centre = median(kept);
    const spread = robustSigma(kept, centre);
    const next = spread > 0 ? kept.filter((v) => Math.abs(v - centre) <= sigma * spread) : kept;
    if (next.length === kept.length) return { median: centre, sigma: spread, kept: kept.length };
    kept = next;
  }
}

/** The baseline of a reference from its first epochs' fluxes, or undefined with fewer than 3. */
export function baselineOf(firstEpochsJy: readonly number[]): Baseline | undefined {
  if (firstEpochsJy.length < 3) return undefined;
  const fluxJy = median(firstEpochsJy);
  if (!(fluxJy > 0)) return undefined;
  return { fluxJy, scatter: robustSigma(firstEpochsJy, fluxJy) / fluxJy };
}

/**
 * The corrector of one image: for a target, the correction from the nearest references within
 * reach (never itself), or undefined with fewer than `minReferences`. The references' unit
 * vectors are computed once: an image corrects every source against the same ensemble.
 */
export function ensembleCorrector(references: readonly ReferenceRatio[], options: EnsembleOptions = DEFAULT_ENSEMBLE): (target: { readonly sourceId: string; readonly raDeg: number; readonly decDeg: number }) => Correction | undefined {
  const vectors = references.map((r) => unitVector(r.raDeg, r.decDeg));
  // nearer means a larger dot product of unit vectors
  const minDot = Math.cos((options.maxSeparationDeg * Math.PI) / 180);
  return (target) => {
    const [x, y, z] = unitVector(target.raDeg, target.decDeg);
    const near: { ratio: number; dot: number }[] = [];
    references.forEach((r, i) => {
      const [rx, ry, rz] = vectors[i]!;
      const dot = x * rx + y * ry + z * rz;
      if (dot >= minDot && r.sourceId !== target.sourceId) near.push({ ratio: r.ratio, dot });
    });
    if (near.length < options.minReferences) return undefined;
    near.sort((a, b) => b.dot - a.dot);
    const clipped = clippedMedian(
      near.slice(0, options.maxReferences).map((r) => r.ratio),
      options.clipSigma,
    );
    if (clipped.kept < options.minReferences || !(clipped.median > 0)) return undefined;
    return { factor: clipped.median, error: (MEDIAN_EFFICIENCY * clipped.sigma) / Math.sqrt(clipped.kept), references: clipped.kept };
  };
}

/** A flux and its error divided by a correction, the correction's own error propagated. */
export function normalise(fluxJy: number, errorJy: number, correction: Correction): { fluxJy: number; errorJy: number } {
  const fluxOut = fluxJy / correction.factor;
  return { fluxJy: fluxOut, errorJy: Math.hypot(errorJy / correction.factor, (fluxOut * correction.error) / correction.factor) };
}

/**
 * Variability statistics of a light curve, with VAST's definitions (vast-pipeline
 * `pipeline/utils.py`, weights 1/σ² as its code has them; Mooley et al. 2016 for the pairs):
 *   η  = N/(N−1)·(⟨w f²⟩ − ⟨w f⟩²/⟨w⟩)  (the reduced χ² about the weighted mean),
 *   V  = s/f̄, s the sample standard deviation (N − 1),
 *   Vs = (f_a − f_b)/√(σ_a² + σ_b²) and m = 2(f_a − f_b)/(f_a + f_b) of the most significant pair
 *        (largest |Vs|), as VAST keeps on a source,
 *   χ² = Σ((f − f̄_w)/σ)² about the weighted mean,
 *   σ-deviation = max(|max − f̄|, |min − f̄|)/s (the incumbent's ESE statistic).
 */

export interface Epoch {
  readonly fluxJy: number;
  readonly errorJy: number;
}

export interface VariabilityStats {
  readonly epochs: number;
  readonly meanJy: number;
  readonly weightedMeanJy: number;
  readonly stdJy: number;
  readonly minJy: number;
  readonly maxJy: number;
  readonly eta: number;
  readonly v: number;
  /** |Vs| and |m| of the pair with the largest |Vs|. */
  readonly vs: number;
  readonly m: number;
  readonly chi2: number;
  readonly sigmaDeviation: number;
}

export interface VariabilityThresholds {
  readonly eta: number;
  readonly v: number;
  readonly eseSigma: number;
}

/** Statistics need at least this many epochs. */
export const MIN_EPOCHS = 3;

/** The statistics of a light curve, or undefined with fewer than 3 epochs. Errors must be positive. */
export function variabilityStats(epochs: readonly Epoch[]): VariabilityStats | undefined {
  const n = epochs.length;
  if (n < MIN_EPOCHS) return undefined;
  let [sumW, sumWF, sumWFF, sum, min, max] = [0, 0, 0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (const { fluxJy: f, errorJy: e } of epochs) {
    const w = 1 / (e * e);
    sumW += w;
    sumWF += w * f;
    sumWFF += w * f * f;
    sum += f;
    min = Math.min(min, f);
    max = Math.max(max, f);
  }
  const meanJy = sum / n;
  const weightedMeanJy = sumWF / sumW;
  const stdJy = Math.sqrt(epochs.reduce((acc, { fluxJy }) => acc + (fluxJy - meanJy) ** 2, 0) / (n - 1));
  const chi2 = epochs.reduce((acc, { fluxJy, errorJy }) => acc + ((fluxJy - weightedMeanJy) / errorJy) ** 2, 0);
  const eta = (n / (n - 1)) * (sumWFF / n - (sumWF / n) ** 2 / (sumW / n));
  let [vs, m] = [0, 0];
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      const [ea, eb] = [epochs[a]!, epochs[b]!];
      const pairVs = Math.abs(ea.fluxJy - eb.fluxJy) / Math.hypot(ea.errorJy, eb.errorJy);
      if (pairVs > vs) [vs, m] = [pairVs, Math.abs((2 * (ea.fluxJy - eb.fluxJy)) / (ea.fluxJy + eb.fluxJy))];
    }
  }
  return {
    epochs: n,
    meanJy,
    weightedMeanJy,
    stdJy,
    minJy: min,
    maxJy: max,
    eta,
    v: stdJy / meanJy,
    vs,
    m,
    chi2,
    sigmaDeviation: stdJy > 0 ? Math.max(max - meanJy, meanJy - min) / stdJy : 0,
  };
}

/**
 * `variable` when both η and V pass their thresholds (as VAST selects candidates: η alone flags
 * bright steady sources whose errors are slightly underestimated, V alone faint noisy ones);
 * `eseCandidate` when a variable source's extreme epoch lies `eseSigma` standard deviations out.
 */
export function variabilityFlags(stats: Pick<VariabilityStats, 'eta' | 'v' | 'sigmaDeviation'>, thresholds: VariabilityThresholds): { variable: boolean; eseCandidate: boolean } {
  const variable = stats.eta > thresholds.eta && stats.v > thresholds.v;
  return { variable, eseCandidate: variable && stats.sigmaDeviation > thresholds.eseSigma };
}

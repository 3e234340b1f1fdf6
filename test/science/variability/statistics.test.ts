import { describe, expect, it } from 'vitest';
import { variabilityFlags, variabilityStats, type Epoch } from '../../../src/science/variability/index.js';

const thresholds = { eta: 2, v: 0.1, eseSigma: 3 };

describe('variabilityStats', () => {
  it('needs 3 epochs', () => {
    expect(variabilityStats([])).toBeUndefined();
    expect(variabilityStats([{ fluxJy: 1, errorJy: 0.1 }, { fluxJy: 2, errorJy: 0.1 }])).toBeUndefined();
  });

  it('gives the VAST metrics of a light curve worked by hand', () => {
    // fluxes 1, 2, 3 with errors 0.1, 0.2, 0.1: weights 100, 25, 100; Σw = 225, Σwf = 450, Σwf² = 1100
    const stats = variabilityStats([
      { fluxJy: 1, errorJy: 0.1 },
      { fluxJy: 2, errorJy: 0.2 },
      { fluxJy: 3, errorJy: 0.1 },
    ])!;
    expect(stats.epochs).toBe(3);
    expect(stats.meanJy).toBe(2);
    expect(stats.weightedMeanJy).toBeCloseTo(450 / 225, 12);
    expect(stats.stdJy).toBeCloseTo(1, 12); // sample (N − 1) standard deviation
    expect(stats.v).toBeCloseTo(0.5, 12);
    // η = N/(N−1)·(⟨wf²⟩ − ⟨wf⟩²/⟨w⟩) = 3/2·(1100/3 − (450/3)²/(225/3)) = 100
    expect(stats.eta).toBeCloseTo(1.5 * (1100 / 3 - (450 / 3) ** 2 / 75), 9);
    expect(stats.eta).toBeCloseTo(100, 9);
    // η is the reduced χ² about the weighted mean
    expect(stats.eta).toBeCloseTo(stats.chi2 / 2, 9);
    // the most significant pair is (1, 3): Vs = 2/√0.02, m = 2·2/4
    expect(stats.vs).toBeCloseTo(2 / Math.sqrt(0.02), 9);
    expect(stats.m).toBeCloseTo(1, 12);
    expect(stats.minJy).toBe(1);
    expect(stats.maxJy).toBe(3);
    expect(stats.sigmaDeviation).toBeCloseTo(1, 12);
  });

  it('puts η near 1 for steady sources with honest errors', () => {
    let seed = 12345;
    const uniform = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    const etas: number[] = [];
    for (let s = 0; s < 400; s++) {
      const epochs: Epoch[] = Array.from({ length: 20 }, () => ({ fluxJy: 0.5 + 0.01 * normal(), errorJy: 0.01 }));
      etas.push(variabilityStats(epochs)!.eta);
    }
    const mean = etas.reduce((a, b) => a + b, 0) / etas.length;
    expect(mean).toBeGreaterThan(0.9);
    expect(mean).toBeLessThan(1.1);
  });
});

describe('variabilityFlags', () => {
  it('flags variable only when both η and V pass, and an ESE candidate only among variables', () => {
    expect(variabilityFlags({ eta: 50, v: 0.05, sigmaDeviation: 4 }, thresholds)).toEqual({ variable: false, eseCandidate: false });
    expect(variabilityFlags({ eta: 1.5, v: 0.4, sigmaDeviation: 4 }, thresholds)).toEqual({ variable: false, eseCandidate: false });
    expect(variabilityFlags({ eta: 5, v: 0.3, sigmaDeviation: 2 }, thresholds)).toEqual({ variable: true, eseCandidate: false });
    expect(variabilityFlags({ eta: 5, v: 0.3, sigmaDeviation: 3.5 }, thresholds)).toEqual({ variable: true, eseCandidate: true });
    expect(variabilityFlags({ eta: 5, v: 0.3, sigmaDeviation: 3.5 }, { ...thresholds, eseSigma: 4 })).toEqual({ variable: true, eseCandidate: false });
  });
});

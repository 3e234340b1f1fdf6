import { describe, expect, it } from 'vitest';
import { baselineOf, clippedMedian, ensembleCorrector, normalise, type ReferenceRatio } from '../../../src/science/photometry/ensemble.js';

describe('clippedMedian', () => {
  it('drops outliers beyond 3 robust σ and takes the median of the rest', () => {
    const values = [0.98, 0.99, 1.0, 1.01, 1.02, 0.995, 1.005, 1.6, 0.3];
    const clipped = clippedMedian(values, 3);
    expect(clipped.kept).toBe(7);
    expect(clipped.median).toBeCloseTo(1.0, 12);
  });
});

describe('baselineOf', () => {
  it('is the median of at least 3 epochs, with its robust fractional scatter', () => {
    expect(baselineOf([1, 2])).toBeUndefined();
    expect(baselineOf([0, -1, 0])).toBeUndefined();
    const baseline = baselineOf([0.9, 1.0, 1.1, 1.0])!;
    expect(baseline.fluxJy).toBe(1);
    expect(baseline.scatter).toBeCloseTo(1.482602218505602 * 0.05, 12);
  });
});

describe('ensembleCorrector', () => {
  /** References on a ring around (10, 20), ratio 1.05 but one variable (ratio 1.5) and one far away. */
  const references: ReferenceRatio[] = [
    ...Array.from({ length: 30 }, (_, i) => ({ sourceId: `r${i}`, raDeg: 10 + 0.02 * (i + 1) * Math.cos(i), decDeg: 20 + 0.02 * (i + 1) * Math.sin(i), ratio: 1.05 + 0.001 * ((i % 5) - 2) })),
    { sourceId: 'variable', raDeg: 10.001, decDeg: 20, ratio: 1.5 },
    { sourceId: 'far', raDeg: 14, decDeg: 20, ratio: 0.5 },
  ];

  it('takes the median ratio of the nearest 20 within 1.5°, clipping a variable one and never using the target itself', () => {
    const correction = ensembleCorrector(references)({ sourceId: 'r0', raDeg: 10, decDeg: 20 })!;
    expect(correction.factor).toBeCloseTo(1.05, 3);
    expect(correction.references).toBe(19); // 20 nearest but r0 itself, minus the clipped variable
    expect(correction.error).toBeGreaterThan(0);
    expect(correction.error).toBeLessThan(0.001);
  });

  it('gives none with fewer than 3 references in reach', () => {
    expect(ensembleCorrector(references)({ sourceId: 't', raDeg: 14.2, decDeg: 20 })).toBeUndefined();
  });

  it('divides the flux by the factor and adds its error in quadrature', () => {
    const out = normalise(2.1, 0.03, { factor: 1.05, error: 0.0105, references: 20 });
    expect(out.fluxJy).toBeCloseTo(2, 12);
    expect(out.errorJy).toBeCloseTo(Math.hypot(0.03 / 1.05, 2 * 0.01), 12);
  });
});

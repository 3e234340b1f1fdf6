import { describe, expect, it } from 'vitest';
import { planImage, wscleanArgs, type ImagingSettings } from '../../../src/science/image/index.js';

const SETTINGS: ImagingSettings = {
  fieldDeg: 3.5, pixelsPerBeam: 3, niter: 1000, quickSizePx: 512, quickNiter: 300, robust: 0, minUvLambda: 50,
  autoMask: 3, autoThreshold: 0.5, mgain: 0.8, threads: 2, timeoutSeconds: 1800, pbCutoff: 0.2, quickMajorCycles: 3,
  quickGridderAccuracy: 1e-3, maxSmearingLoss: 0.01,
};
/** The full DSA-110 band and array: λ_min / B_max ≈ 16.5″. */
const GEOMETRY = { maxBaselineM: 2500, minFreqHz: 1.3115e9, maxFreqHz: 1.4987e9 };

describe('planImage', () => {
  it('full mode: ≥ 3 pixels across λ_min / B_max, an even side covering the 3.5° field, 1000 iterations', () => {
    const plan = planImage('full', GEOMETRY, SETTINGS);
    const beamArcsec = (299792458 / GEOMETRY.maxFreqHz / GEOMETRY.maxBaselineM) * (648000 / Math.PI);
    expect(beamArcsec / plan.cellArcsec).toBeGreaterThanOrEqual(3);
    expect(beamArcsec / plan.cellArcsec).toBeLessThan(3.01);
    expect(plan.sizePx % 2).toBe(0);
    expect(plan.sizePx * plan.cellArcsec).toBeGreaterThanOrEqual(3.5 * 3600);
    expect((plan.sizePx - 2) * plan.cellArcsec).toBeLessThan(3.5 * 3600);
    expect(plan).toMatchObject({ niter: 1000, threads: 2 });
  });

  it('quick mode keeps the cell with at most 512 pixels, 300 iterations and quickMajorCycles major cycles', () => {
    const full = planImage('full', GEOMETRY, SETTINGS);
    const quick = planImage('quick', GEOMETRY, SETTINGS);
    expect(quick).toMatchObject({ cellArcsec: full.cellArcsec, threads: full.threads, sizePx: 512, niter: 300, majorCycles: 3, gridderAccuracy: 1e-3 });
    expect(full).toMatchObject({ majorCycles: undefined, gridderAccuracy: undefined });
    expect(planImage('quick', GEOMETRY, { ...SETTINGS, niter: 100 }).niter).toBe(100);
    expect(planImage('quick', GEOMETRY, { ...SETTINGS, quickMajorCycles: 0 }).majorCycles).toBe(0);
  });

  it('averages baselines only as far as costs a source at the image corner maxSmearingLoss of its flux', () => {
    for (const mode of ['full', 'quick'] as const) {
      const plan = planImage(mode, GEOMETRY, SETTINGS);
      const cornerRad = ((plan.sizePx / 2) * Math.SQRT2 * plan.cellArcsec * Math.PI) / 648000;
      // A source at direction cosine l seen over a uv track of L wavelengths keeps sinc(L·l) of its amplitude.
      const x = Math.PI * plan.baselineAveragingLambda * cornerRad;
      const kept = Math.sin(x) / x;
      expect(1 - kept).toBeLessThanOrEqual(0.01);
      expect(1 - kept).toBeGreaterThan(0.0095);
    }
    // The smaller quick field averages as much further as it is smaller.
    const ratio = planImage('quick', GEOMETRY, SETTINGS).baselineAveragingLambda / planImage('full', GEOMETRY, SETTINGS).baselineAveragingLambda;
    expect(ratio).toBeCloseTo(planImage('full', GEOMETRY, SETTINGS).sizePx / 512, 1);
    expect(planImage('full', GEOMETRY, { ...SETTINGS, maxSmearingLoss: 0 }).baselineAveragingLambda).toBe(0);
  });

  it('asks WSClean for CORRECTED_DATA, reordering, Briggs 0, the auto-mask, a minimum uv length and the exact w-gridder', () => {
    const args = wscleanArgs('/d/x.ms', '/s/wsclean', '/s', planImage('full', GEOMETRY, SETTINGS), SETTINGS).join(' ');
    for (const flag of ['-reorder', '-data-column CORRECTED_DATA', '-weight briggs 0', '-auto-mask 3', '-auto-threshold 0.5', '-mgain 0.8', '-minuv-l 50', '-niter 1000', '-j 2', '-pol I', '-use-wgridder']) {
      expect(args).toContain(flag);
    }
    expect(args.endsWith('-name /s/wsclean /d/x.ms')).toBe(true);
  });

  it('asks for baseline averaging and no dirty image; quick mode for a coarser gridder and few major cycles', () => {
    const args = (mode: 'full' | 'quick', settings = SETTINGS) => wscleanArgs('/d/x.ms', '/s/wsclean', '/s', planImage(mode, GEOMETRY, settings), settings).join(' ');
    const full = planImage('full', GEOMETRY, SETTINGS);
    expect(args('full')).toContain(`-baseline-averaging ${full.baselineAveragingLambda}`);
    expect(args('full')).toContain('-no-dirty');
    expect(args('full')).not.toContain('-wgridder-accuracy');
    expect(args('quick')).toContain('-wgridder-accuracy 0.001');
    expect(args('full')).not.toContain('-nmiter');
    expect(args('quick')).toContain('-mgain 0.8 -nmiter 3');
    expect(args('quick', { ...SETTINGS, quickMajorCycles: 0 })).not.toContain('-mgain');
    expect(args('full', { ...SETTINGS, maxSmearingLoss: 0 })).not.toContain('-baseline-averaging');
  });
});

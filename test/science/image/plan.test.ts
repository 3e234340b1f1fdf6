import { describe, expect, it } from 'vitest';
import { planImage, wscleanArgs, type ImagingSettings } from '../../../src/science/image/index.js';

const SETTINGS: ImagingSettings = {
  fieldDeg: 3.5, pixelsPerBeam: 3, niter: 1000, quickSizePx: 512, quickNiter: 300, robust: 0, minUvLambda: 50,
  autoMask: 3, autoThreshold: 0.5, mgain: 0.8, threads: 2, timeoutSeconds: 1800, pbCutoff: 0.2,
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

  it('quick mode keeps the cell with at most 512 pixels and 300 iterations', () => {
    const full = planImage('full', GEOMETRY, SETTINGS);
    expect(planImage('quick', GEOMETRY, SETTINGS)).toEqual({ ...full, sizePx: 512, niter: 300 });
    expect(planImage('quick', GEOMETRY, { ...SETTINGS, niter: 100 }).niter).toBe(100);
  });

  it('asks WSClean for CORRECTED_DATA, reordering, Briggs 0, the auto-mask, a minimum uv length and the exact w-gridder', () => {
    const args = wscleanArgs('/d/x.ms', '/s/wsclean', '/s', planImage('full', GEOMETRY, SETTINGS), SETTINGS).join(' ');
    for (const flag of ['-reorder', '-data-column CORRECTED_DATA', '-weight briggs 0', '-auto-mask 3', '-auto-threshold 0.5', '-mgain 0.8', '-minuv-l 50', '-niter 1000', '-j 2', '-pol I', '-use-wgridder']) {
      expect(args).toContain(flag);
    }
    expect(args.endsWith('-name /s/wsclean /d/x.ms')).toBe(true);
  });
});

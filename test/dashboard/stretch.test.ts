import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { colourTable, render, sexagesimal, zscale } from '../../web/src/components/stretch.js';
import { writeSkyImage } from '../api/skyFixture.js';
import { runOracle } from '../support/oracle.js';

describe("the viewer's display scales", () => {
  it('computes the zscale limits astropy does', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'contimg-zscale-')), 'sky.fits');
    const plane = await writeSkyImage(path);
    const [vmin, vmax] = JSON.parse(await runOracle('img_zscale.py', [path])) as [number, number];
    const [lo, hi] = zscale(plane);
    expect(lo).toBeCloseTo(vmin, 9);
    expect(hi).toBeCloseTo(vmax, 9);
    expect(hi - lo).toBeLessThan(0.01);
  });

  it('puts FITS row 1 at the bottom, blanks transparent, in the colour map', () => {
    const plane = Float32Array.from([0, 1, NaN, 0.5]);
    const { rgba, limits } = render(plane, 2, 2, 'linear', 'grey');
    expect(limits).toEqual([0, 1]);
    // top row is FITS row 2: [NaN, 0.5]; bottom row is FITS row 1: [0, 1]
    expect(Array.from(rgba)).toEqual([0, 0, 0, 0, ...Array.from(colourTable('grey').subarray(128 * 3, 129 * 3)), 255, 0, 0, 0, 255, 255, 255, 255, 255]);
  });

  it('writes RA in hours and Dec in degrees', () => {
    expect(sexagesimal(201.365, true)).toBe('13:25:27.60');
    expect(sexagesimal(-0.5, false)).toBe('-00:30:00.0');
    expect(sexagesimal(359.99999, true)).toBe('00:00:00.00');
    expect(sexagesimal(-20.25, false)).toBe('-20:15:00.0');
  });
});

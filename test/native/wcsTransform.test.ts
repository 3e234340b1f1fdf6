import { describe, expect, it } from 'vitest';
import { FitsError, wcsTransform } from '../../native/index.js';

/** A FITS header of 80-character records for a 2-axis celestial WCS with these axis types. */
function header(ctype1: string, ctype2: string): string {
  const card = (key: string, value: string) => `${key.padEnd(8)}= ${value}`.padEnd(80);
  const cards = [
    card('NAXIS', '2'),
    card('CTYPE1', `'${ctype1}'`),
    card('CTYPE2', `'${ctype2}'`),
    card('CRVAL1', '337.7'),
    card('CRVAL2', '16.27'),
    card('CRPIX1', '50'),
    card('CRPIX2', '50'),
    card('CDELT1', '-0.001'),
    card('CDELT2', '0.001'),
    'END'.padEnd(80),
  ];
  return cards.join('');
}

describe('wcsTransform', () => {
  it('puts the reference pixel at the reference value and back', async () => {
    const world = await wcsTransform(header('RA---SIN', 'DEC--SIN'), Float64Array.of(50, 50), 2, 'toWorld');
    expect(Array.from(world)).toEqual([expect.closeTo(337.7, 10), expect.closeTo(16.27, 10)]);
    const pixel = await wcsTransform(header('RA---SIN', 'DEC--SIN'), world, 2, 'toPixel');
    expect(Array.from(pixel)).toEqual([expect.closeTo(50, 8), expect.closeTo(50, 8)]);
  });

  it('answers no coordinates with none', async () => {
    expect(Array.from(await wcsTransform(header('RA---SIN', 'DEC--SIN'), new Float64Array(0), 2, 'toWorld'))).toEqual([]);
  });

  it("rejects a projection wcslib does not know with wcslib's reason, not a crash", async () => {
    await expect(wcsTransform(header('RA---ZZZ', 'DEC--ZZZ'), Float64Array.of(1, 1), 2, 'toWorld')).rejects.toThrow(FitsError);
  });
});

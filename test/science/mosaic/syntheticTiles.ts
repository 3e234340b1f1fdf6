/**
 * Synthetic drift-scan tiles on real WSClean-like grids (SIN, RA/Dec/FREQ/STOKES): the Airy beam
 * of src/science/image/primaryBeam.ts on each tile's own grid, and point sources (Gaussian
 * restoring beam) attenuated by it, as the un-corrected image WSClean writes.
 */
import { join } from 'node:path';
import { fitsReadImage, fitsWriteImage, wcsTransform, type FitsCard } from '../../../native/index.js';
import { primaryBeamImage } from '../../../src/science/image/index.js';
import { GROUP_CADENCE_S } from '../../../src/science/simulate/layout.js';

export const FREQ_HZ = 1.405e9;
/** RA the sky turns through in one group (sidereal). */
export const RA_STEP_DEG = (GROUP_CADENCE_S / 86_164.0905) * 360;

export interface TileSpec {
  readonly dir: string;
  readonly raDeg: number;
  readonly decDeg: number;
  readonly size: number;
  readonly cellDeg: number;
  /** Restoring beam FWHM, pixels. */
  readonly beamFwhmPx: number;
  readonly dateObs: string;
  readonly sources: readonly { readonly raDeg: number; readonly decDeg: number; readonly fluxJy: number }[];
}

export function tileCards(spec: TileSpec): FitsCard[] {
  const fwhmDeg = spec.beamFwhmPx * spec.cellDeg;
  return [
    { name: 'CTYPE1', value: 'RA---SIN' }, { name: 'CRPIX1', value: spec.size / 2 + 1 }, { name: 'CRVAL1', value: spec.raDeg }, { name: 'CDELT1', value: -spec.cellDeg }, { name: 'CUNIT1', value: 'deg' },
    { name: 'CTYPE2', value: 'DEC--SIN' }, { name: 'CRPIX2', value: spec.size / 2 + 1 }, { name: 'CRVAL2', value: spec.decDeg }, { name: 'CDELT2', value: spec.cellDeg }, { name: 'CUNIT2', value: 'deg' },
    { name: 'CTYPE3', value: 'FREQ' }, { name: 'CRPIX3', value: 1 }, { name: 'CRVAL3', value: FREQ_HZ }, { name: 'CDELT3', value: 1.875e8 }, { name: 'CUNIT3', value: 'Hz' },
    { name: 'CTYPE4', value: 'STOKES' }, { name: 'CRPIX4', value: 1 }, { name: 'CRVAL4', value: 1 }, { name: 'CDELT4', value: 1 }, { name: 'CUNIT4', value: '' },
    { name: 'BMAJ', value: fwhmDeg }, { name: 'BMIN', value: fwhmDeg }, { name: 'BPA', value: 0 },
    { name: 'RADESYS', value: 'FK5' }, { name: 'EQUINOX', value: 2000 },
    { name: 'DATE-OBS', value: spec.dateObs }, { name: 'MJD-OBS', value: Date.parse(`${spec.dateObs}Z`) / 86_400_000 + 40_587 }, { name: 'BUNIT', value: 'Jy/beam' },
  ];
}

/** Writes `image.fits` (pb · sources) and `pb.fits` in spec.dir; resolves to their paths. */
export async function writeTile(spec: TileSpec): Promise<{ imagePath: string; pbPath: string }> {
  const imagePath = join(spec.dir, 'image.fits');
  const pbPath = join(spec.dir, 'pb.fits');
  const shape = [spec.size, spec.size, 1, 1];
  const n = spec.size * spec.size;
  await fitsWriteImage(imagePath, { cards: tileCards(spec), shape, data: new Float32Array(n) });
  const grid = await fitsReadImage(imagePath);
  // one frequency, no drift: the plain Airy beam the test's expectations use
  const { pb } = await primaryBeamImage(grid, imagePath, { frequenciesHz: [FREQ_HZ], pointingRaOffsetsRad: [0] });
  const sigma = spec.beamFwhmPx / (2 * Math.sqrt(2 * Math.log(2)));
  const image = new Float32Array(n);
  for (const source of spec.sources) {
    const [x, y] = await wcsTransform(grid.headerText, Float64Array.of(source.raDeg, source.decDeg, FREQ_HZ, 1), 4, 'toPixel');
    for (let j = 0; j < spec.size; j++) {
      for (let i = 0; i < spec.size; i++) {
        const r2 = (i + 1 - x!) ** 2 + (j + 1 - y!) ** 2;
        image[j * spec.size + i]! += source.fluxJy * Math.exp(-r2 / (2 * sigma * sigma));
      }
    }
  }
  for (let k = 0; k < n; k++) image[k] = image[k]! * pb[k]!;
  await fitsWriteImage(imagePath, { cards: tileCards(spec), shape, data: image });
  await fitsWriteImage(pbPath, { cards: [...tileCards(spec).filter((c) => c.name !== 'BUNIT'), { name: 'BUNIT', value: '' }], shape, data: pb });
  return { imagePath, pbPath };
}

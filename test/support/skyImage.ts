/**
 * The header and file of a simulated WSClean-like restored image: a SIN grid (RA, Dec, FREQ,
 * STOKES) with the restoring beam, written through the native FITS writer. Shared by the
 * photometry, source-finder and sky-API fixtures; each draws its own pixels.
 */
import { fitsWriteImage, type FitsCard } from '../../native/index.js';

export interface RestoringBeam {
  readonly majorArcsec: number;
  readonly minorArcsec: number;
  readonly paDeg: number;
}

export interface SinGrid {
  readonly nx: number;
  readonly ny: number;
  /** FITS (1-based) pixel of the phase centre on each axis. */
  readonly crpix: readonly [number, number];
  readonly raDeg: number;
  readonly decDeg: number;
  readonly cellArcsec: number;
  readonly frequencyHz: number;
  readonly bandwidthHz: number;
  readonly bunit: string;
  /** BMAJ / BMIN / BPA: left out for an image without a beam. */
  readonly beam?: RestoringBeam;
}

export function sinGridCards(grid: SinGrid): FitsCard[] {
  const cellDeg = grid.cellArcsec / 3600;
  const beam = grid.beam;
  const axes: [string, number, number, number, string?][] = [
    ['RA---SIN', grid.crpix[0], grid.raDeg, -cellDeg, 'deg'],
    ['DEC--SIN', grid.crpix[1], grid.decDeg, cellDeg, 'deg'],
    ['FREQ', 1, grid.frequencyHz, grid.bandwidthHz, 'Hz'],
    ['STOKES', 1, 1, 1],
  ];
  return [
    { name: 'BUNIT', value: grid.bunit },
    ...(beam
      ? [
          { name: 'BMAJ', value: beam.majorArcsec / 3600 },
          { name: 'BMIN', value: beam.minorArcsec / 3600 },
          { name: 'BPA', value: beam.paDeg },
        ]
      : []),
    { name: 'EQUINOX', value: 2000 },
    { name: 'RADESYS', value: 'FK5' },
    ...axes.flatMap(([type, crpix, crval, cdelt, unit], k) => [
      { name: `CTYPE${k + 1}`, value: type },
      { name: `CRPIX${k + 1}`, value: crpix },
      { name: `CRVAL${k + 1}`, value: crval },
      { name: `CDELT${k + 1}`, value: cdelt },
      ...(unit === undefined ? [] : [{ name: `CUNIT${k + 1}`, value: unit }]),
    ]),
  ];
}

/** Writes `data` (row-major, nx × ny) as a 4-axis image with `cards` (by default the grid's own). */
export async function writeSinImage(path: string, grid: SinGrid, data: Float32Array, cards: readonly FitsCard[] = sinGridCards(grid)): Promise<void> {
  await fitsWriteImage(path, { cards: [...cards], shape: [grid.nx, grid.ny, 1, 1], data });
}

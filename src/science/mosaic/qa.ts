/** A mosaic's quality figures: its noise, peak and how much of its grid the tiles cover. */
import { robustRms } from '../image/qa.js';
import type { MosaicGrid } from './grid.js';

export interface MosaicQa {
  /** 1.4826 · MAD of the covered pixels. */
  readonly rmsJy: number;
  readonly peakJy: number;
  /** Covered pixels (weight > 0) over all pixels of the grid. */
  readonly coverage: number;
  /** Sky area of the covered pixels, deg². */
  readonly areaDeg2: number;
  readonly tiles: number;
}

export function mosaicQa(mosaic: Float32Array, grid: MosaicGrid, tiles: number): MosaicQa {
  const covered = mosaic.filter((v) => Number.isFinite(v));
  let peak = Number.NEGATIVE_INFINITY;
  for (const v of covered) peak = Math.max(peak, v);
  return {
    rmsJy: covered.length > 0 ? robustRms(covered) : Number.NaN,
    peakJy: covered.length > 0 ? peak : Number.NaN,
    coverage: covered.length / mosaic.length,
    areaDeg2: covered.length * grid.cellDeg ** 2,
    tiles,
  };
}

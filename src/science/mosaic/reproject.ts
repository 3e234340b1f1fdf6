/**
 * One tile onto the mosaic grid: for the mosaic pixels under the tile's footprint, wcslib maps
 * each to the sky (mosaic WCS) and back to the tile's pixels (tile WCS); the native core then
 * interpolates the tile's image and beam there and adds pb·I and pb² to the running sums.
 */
import { availableParallelism } from 'node:os';
import { mosaicAccumulate, wcsTransform } from '../../../native/index.js';
import { skyToGrid, type MosaicGrid } from './grid.js';
import { footprint, type TileImage } from './tile.js';

/** Mosaic rows mapped per pair of wcslib calls: bounds the coordinate arrays. */
const ROWS_PER_CALL = 256;

export interface MosaicSums {
  /** Σ pb·I and Σ pb² per mosaic pixel (x fastest). */
  readonly sum: Float64Array;
  readonly weight: Float64Array;
}

export interface ReprojectOptions {
  /** A tile adds nothing where its beam is below this. */
  readonly pbCutoff: number;
  readonly interpolation: 'bilinear' | 'bicubic';
}

/** The 0-based mosaic pixel rectangle the tile's footprint covers (with a pixel of margin), or null when it misses the grid. */
async function regionOf(grid: MosaicGrid, tile: TileImage): Promise<{ x0: number; y0: number; x1: number; y1: number } | null> {
  const pixels = await skyToGrid(grid, await footprint(tile));
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let i = 0; i < pixels.length; i += 2) {
    const [x, y] = [pixels[i]! - 1, pixels[i + 1]! - 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    [minX, minY, maxX, maxY] = [Math.min(minX, x), Math.min(minY, y), Math.max(maxX, x), Math.max(maxY, y)];
  }
  const x0 = Math.max(0, Math.floor(minX) - 1);
  const y0 = Math.max(0, Math.floor(minY) - 1);
  const x1 = Math.min(grid.width - 1, Math.ceil(maxX) + 1);
  const y1 = Math.min(grid.height - 1, Math.ceil(maxY) + 1);
  return x0 <= x1 && y0 <= y1 ? { x0, y0, x1, y1 } : null;
}

/** Adds the tile to the sums; resolves to the number of mosaic pixels it reached. */
export async function addTile(grid: MosaicGrid, tile: TileImage, sums: MosaicSums, options: ReprojectOptions): Promise<number> {
  const region = await regionOf(grid, tile);
  if (region === null) return 0;
  const width = region.x1 - region.x0 + 1;
  const { naxis } = tile;
  let reached = 0;
  for (let y0 = region.y0; y0 <= region.y1; y0 += ROWS_PER_CALL) {
    const height = Math.min(ROWS_PER_CALL, region.y1 - y0 + 1);
    const mosaicPixels = new Float64Array(width * height * 2);
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        const at = 2 * (r * width + c);
        mosaicPixels[at] = region.x0 + c + 1;
        mosaicPixels[at + 1] = y0 + r + 1;
      }
    }
    const sky = await wcsTransform(grid.headerText, mosaicPixels, 2, 'toWorld');
    // The tile's own values on its other axes (frequency, Stokes): its first plane.
    const world = new Float64Array(width * height * naxis);
    for (let i = 0; i < width * height; i++) {
      world.set(tile.firstWorld, i * naxis);
      world[i * naxis + tile.raAxis] = sky[2 * i]!;
      world[i * naxis + tile.decAxis] = sky[2 * i + 1]!;
    }
    const tilePixels = await wcsTransform(tile.headerText, world, naxis, 'toPixel');
    const pixels = new Float64Array(width * height * 2);
    for (let i = 0; i < width * height; i++) {
      pixels[2 * i] = tilePixels[i * naxis + tile.raAxis]!;
      pixels[2 * i + 1] = tilePixels[i * naxis + tile.decAxis]!;
    }
    reached += await mosaicAccumulate({
      image: tile.image,
      pb: tile.pb,
      width: tile.width,
      height: tile.height,
      pixels,
      sum: sums.sum,
      weight: sums.weight,
      mosaicWidth: grid.width,
      region: { x0: region.x0, y0, width, height },
      pbCutoff: options.pbCutoff,
      interpolation: options.interpolation,
      threads: Math.max(1, availableParallelism()),
    });
  }
  return reached;
}

/**
 * Primary-beam-weighted linear mosaicking: M = Σ pb_i · I_i / Σ pb_i² over the tiles reaching a
 * pixel (a tile counts where its beam is ≥ the cutoff), I_i the un-corrected tile image. With
 * I_i = pb_i · S + n_i, M is the sky S where the tiles agree, and weights the tiles by the
 * signal-to-noise they have there (noise equal across a tile). Σ pb_i² is written as the weight
 * map: the mosaic's noise is σ / √(Σ pb_i²) for tiles of noise σ.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fitsWriteImage, type FitsCard } from '../../../native/index.js';
import { mjdOfIso } from '../image/fitsHeader.js';
import { thumbnailPng } from '../image/thumbnail.js';
import { TELESCOPE_NAME } from '../site.js';
import { mosaicGrid, type MosaicGrid } from './grid.js';
import { mosaicQa, type MosaicQa } from './qa.js';
import { addTile, type ReprojectOptions } from './reproject.js';
import { readTile, type TileImage } from './tile.js';

export interface MosaicInput {
  readonly imagePath: string;
  readonly pbPath: string;
}

export interface MosaicProducts {
  readonly mosaic: string;
  readonly weight: string;
  readonly thumbnail: string;
  readonly qa: string;
}

export interface MosaicOptions extends ReprojectOptions {
  readonly mosaicId: string;
  /** Checked between tiles: an abort ends the build with the signal's reason. */
  readonly signal?: AbortSignal;
}

export interface MosaicResult {
  readonly width: number;
  readonly height: number;
  readonly cellArcsec: number;
  readonly centre: { readonly raDeg: number; readonly decDeg: number };
  readonly qa: MosaicQa;
  /** Mosaic pixels each tile reached, in tile order. */
  readonly tilePixels: readonly number[];
}

/** The mosaic's restoring beam: the largest of the tiles' (they differ little at one declination). */
function largestBeam(tiles: readonly TileImage[]): FitsCard[] {
  const beams = tiles.flatMap((t) => (t.beam ? [t.beam] : []));
  if (beams.length === 0) return [];
  const beam = beams.reduce((a, b) => (b.majorDeg * b.minorDeg > a.majorDeg * a.minorDeg ? b : a));
  return [
    { name: 'BMAJ', value: beam.majorDeg, comment: 'largest tile restoring beam, deg' },
    { name: 'BMIN', value: beam.minorDeg, comment: 'deg' },
    { name: 'BPA', value: beam.paDeg, comment: 'deg' },
  ];
}

function headerCards(grid: MosaicGrid, tiles: readonly TileImage[], options: MosaicOptions): FitsCard[] {
  const dates = tiles.flatMap((t) => (t.dateObs ? [t.dateObs] : [])).sort();
  const date = dates[0];
  return [
    ...grid.cards,
    ...largestBeam(tiles),
    ...(date === undefined
      ? []
      : [
          { name: 'DATE-OBS', value: date, comment: 'start of the first tile, UTC' },
          { name: 'MJD-OBS', value: mjdOfIso(date), comment: 'MJD of DATE-OBS' },
        ]),
    { name: 'TELESCOP', value: TELESCOPE_NAME },
    { name: 'OBJECT', value: options.mosaicId, comment: 'contimg mosaic id' },
    { name: 'NTILES', value: tiles.length, comment: 'tiles in the mosaic' },
    { name: 'PBCUTOFF', value: options.pbCutoff, comment: 'a tile counts where its beam is at least this' },
    { name: 'MOSINTRP', value: options.interpolation, comment: 'reprojection interpolation' },
  ];
}

/** Writes into a staging name beside the target, then renames: a reader never sees half a file. */
async function writeWhole(path: string, write: (staging: string) => Promise<void>): Promise<void> {
  const staging = `${path}.${process.pid}.partial`;
  try {
    await write(staging);
    await rename(staging, path);
  } catch (error) {
    await rm(staging, { force: true });
    throw error;
  }
}

/** Builds the mosaic of `inputs` and writes its products (replacing earlier ones). */
export async function buildMosaic(inputs: readonly MosaicInput[], products: MosaicProducts, options: MosaicOptions): Promise<MosaicResult> {
  const tiles: TileImage[] = [];
  for (const input of inputs) {
    options.signal?.throwIfAborted();
    tiles.push(await readTile(input.imagePath, input.pbPath));
  }
  const grid = await mosaicGrid(tiles);
  const sums = { sum: new Float64Array(grid.width * grid.height), weight: new Float64Array(grid.width * grid.height) };
  const tilePixels: number[] = [];
  for (const tile of tiles) {
    options.signal?.throwIfAborted();
    tilePixels.push(await addTile(grid, tile, sums, options));
  }

  const mosaic = new Float32Array(sums.sum.length);
  for (let i = 0; i < mosaic.length; i++) mosaic[i] = sums.weight[i]! > 0 ? sums.sum[i]! / sums.weight[i]! : Number.NaN;
  const weight = Float32Array.from(sums.weight);
  const qa = mosaicQa(mosaic, grid, tiles.length);

  const cards = headerCards(grid, tiles, options);
  const shape = [grid.width, grid.height];
  for (const path of [products.mosaic, products.weight, products.thumbnail, products.qa]) await mkdir(dirname(path), { recursive: true });
  await writeWhole(products.mosaic, (path) =>
    fitsWriteImage(path, { cards: [...cards, { name: 'BUNIT', value: 'Jy/beam' }, { name: 'BTYPE', value: 'Intensity', comment: 'sum(pb * I) / sum(pb^2)' }], shape, data: mosaic }),
  );
  await writeWhole(products.weight, (path) =>
    fitsWriteImage(path, { cards: [...cards, { name: 'BUNIT', value: '' }, { name: 'BTYPE', value: 'Weight', comment: 'sum(pb^2), dimensionless' }], shape, data: weight }),
  );
  await writeWhole(products.thumbnail, (path) => writeFile(path, thumbnailPng({ pixels: mosaic, nx: grid.width, ny: grid.height, rmsJy: qa.rmsJy, peakJy: qa.peakJy })));
  await writeWhole(products.qa, (path) => writeFile(path, `${JSON.stringify({ mosaicId: options.mosaicId, ...qa, tiles: inputs.map((t) => t.imagePath) }, null, 2)}\n`));
  const crval = (name: string) => grid.cards.find((c) => c.name === name)!.value as number;
  return { width: grid.width, height: grid.height, cellArcsec: grid.cellDeg * 3600, centre: { raDeg: crval('CRVAL1'), decDeg: crval('CRVAL2') }, qa, tilePixels };
}

/**
 * A tile as the mosaic needs it: the first plane of its (un-corrected) image and of its primary
 * beam, the image's WCS, and its footprint on the sky.
 */
import { fitsReadImage, wcsTransform, type FitsCard } from '../../../native/index.js';
import { MosaicError } from './errors.js';

/** Points along each edge of a tile when tracing its footprint. */
const EDGE_SAMPLES = 64;

export interface TileImage {
  readonly imagePath: string;
  readonly cards: readonly FitsCard[];
  readonly headerText: string;
  readonly naxis: number;
  /** 0-based indices of the RA and Dec axes. */
  readonly raAxis: number;
  readonly decAxis: number;
  /** World coordinates of the first pixel on every axis: the values of the non-celestial axes. */
  readonly firstWorld: Float64Array;
  readonly width: number;
  readonly height: number;
  readonly image: Float32Array;
  readonly pb: Float32Array;
  /** |CDELT| of the celestial axes, degrees. */
  readonly cellDeg: number;
  readonly dateObs: string | undefined;
  readonly beam: { readonly majorDeg: number; readonly minorDeg: number; readonly paDeg: number } | undefined;
}

function celestialAxis(cards: readonly FitsCard[], prefix: string, path: string): number {
  for (let axis = 1; axis <= 9; axis++) {
    const type = cards.find((c) => c.name === `CTYPE${axis}`)?.value;
    if (typeof type === 'string' && type.startsWith(prefix)) return axis - 1;
  }
  throw new MosaicError('bad-input', `${path}: no ${prefix} axis in the header`);
}

const numberOf = (cards: readonly FitsCard[], name: string): number | undefined => {
  const value = cards.find((c) => c.name === name)?.value;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
};

async function readFits(path: string, what: string) {
  try {
    return await fitsReadImage(path);
  } catch (cause) {
    throw new MosaicError('bad-input', `cannot read the ${what} ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

export async function readTile(imagePath: string, pbPath: string): Promise<TileImage> {
  // One after the other, so a missing tile is named as its image, not by whichever read fails first.
  const image = await readFits(imagePath, 'tile image');
  const pb = await readFits(pbPath, 'tile primary beam');
  const { cards, shape } = image;
  if (shape.length < 2) throw new MosaicError('bad-input', `${imagePath}: not an image (${shape.length} axis)`);
  const [width, height] = [shape[0]!, shape[1]!];
  if (pb.shape[0] !== width || pb.shape[1] !== height) {
    throw new MosaicError('bad-input', `${pbPath}: its ${pb.shape.join('×')} pixels do not match the image ${imagePath} (${shape.join('×')})`);
  }
  const raAxis = celestialAxis(cards, 'RA--', imagePath);
  const decAxis = celestialAxis(cards, 'DEC-', imagePath);
  if (raAxis !== 0 || decAxis !== 1) throw new MosaicError('bad-input', `${imagePath}: RA and Dec must be the first two axes`);
  const cellDeg = Math.abs(numberOf(cards, 'CDELT2') ?? Number.NaN);
  if (!(cellDeg > 0)) throw new MosaicError('bad-input', `${imagePath}: header keyword CDELT2 is missing or zero`);
  const naxis = shape.length;
  const firstWorld = await wcsTransform(image.headerText, new Float64Array(naxis).fill(1), naxis, 'toWorld').catch((cause: unknown) => {
    throw new MosaicError('bad-input', `${imagePath}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  });
  const dateObs = cards.find((c) => c.name === 'DATE-OBS')?.value;
  const [bmaj, bmin, bpa] = [numberOf(cards, 'BMAJ'), numberOf(cards, 'BMIN'), numberOf(cards, 'BPA')];
  return {
    imagePath,
    cards,
    headerText: image.headerText,
    naxis,
    raAxis,
    decAxis,
    firstWorld,
    width,
    height,
    image: image.data.subarray(0, width * height),
    pb: pb.data.subarray(0, width * height),
    cellDeg,
    dateObs: typeof dateObs === 'string' ? dateObs : undefined,
    beam: bmaj !== undefined && bmin !== undefined ? { majorDeg: bmaj, minorDeg: bmin, paDeg: bpa ?? 0 } : undefined,
  };
}

/** Sky positions (RA, Dec degrees, pairs) around the tile's edge, half a pixel outside its pixel centres. */
export async function footprint(tile: TileImage): Promise<Float64Array> {
  const { width, height, naxis } = tile;
  const edge: [number, number][] = [];
  for (let i = 0; i <= EDGE_SAMPLES; i++) {
    const fx = 0.5 + (width * i) / EDGE_SAMPLES;
    const fy = 0.5 + (height * i) / EDGE_SAMPLES;
    edge.push([fx, 0.5], [fx, height + 0.5], [0.5, fy], [width + 0.5, fy]);
  }
  const pixels = new Float64Array(edge.length * naxis).fill(1);
  edge.forEach(([x, y], i) => {
    pixels[i * naxis] = x;
    pixels[i * naxis + 1] = y;
  });
  const world = await wcsTransform(tile.headerText, pixels, naxis, 'toWorld');
  const sky = new Float64Array(edge.length * 2);
  for (let i = 0; i < edge.length; i++) {
    sky[2 * i] = world[i * naxis + tile.raAxis]!;
    sky[2 * i + 1] = world[i * naxis + tile.decAxis]!;
  }
  return sky;
}

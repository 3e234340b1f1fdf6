import { stat } from 'node:fs/promises';
import type * as NativeCore from '../../native/index.js';
import { angularSeparationDeg } from '../science/catalogs/skyGeometry.js';
import { ApiError } from './errors.js';

let native: Promise<typeof NativeCore> | null = null;
/** The native core (cfitsio, wcslib), loaded on first use: the rest of the API runs without it. */
const loadNative = () => (native ??= import('../../native/index.js'));

/** The first plane of a FITS image with celestial first two axes, and what wcslib needs to place it on the sky. */
export interface SkyImage {
  readonly width: number;
  readonly height: number;
  readonly planes: number;
  readonly unit: string | null;
  readonly frequencyHz: number | null;
  /** The first (NAXIS1 × NAXIS2) plane in FITS order: row 1 (the bottom) first; blanks are NaN. */
  readonly plane: Float32Array;
  readonly headerText: string;
  readonly naxis: number;
}

/** A sky position at a FITS (1-based) pixel position. */
export interface Placed {
  readonly x: number;
  readonly y: number;
  readonly raDeg: number;
  readonly decDeg: number;
}

/** The celestial projections of the FITS WCS standard (Calabretta & Greisen 2002) that wcslib implements. */
const PROJECTIONS: ReadonlySet<string> = new Set(
  ['AZP', 'SZP', 'TAN', 'STG', 'SIN', 'ARC', 'ZPN', 'ZEA', 'AIR', 'CYP', 'CEA', 'CAR', 'MER', 'SFL', 'PAR', 'MOL', 'AIT', 'COP', 'COE', 'COD', 'COO', 'BON', 'PCO', 'TSC', 'CSC', 'QSC', 'HPX', 'XPH'],
);
const CACHED = 2;
const cache = new Map<string, Promise<SkyImage>>();

/**
 * The image at `path` (already resolved inside the data root), read once per version of the file:
 * the cursor read-out asks for it many times a second, and a full-size plane is tens of MB.
 * 422 when the file is not a FITS image on RA/Dec axes.
 */
export async function loadSkyImage(path: string, what: string): Promise<SkyImage> {
  const { mtimeMs, size } = await stat(path);
  const key = `${path}\0${mtimeMs}\0${size}`;
  let image = cache.get(key);
  if (!image) {
    image = readSkyImage(path, what);
    cache.set(key, image);
    image.catch(() => cache.delete(key));
    for (const old of cache.keys()) if (cache.size > CACHED) cache.delete(old);
  }
  return image;
}

async function readSkyImage(path: string, what: string): Promise<SkyImage> {
  const { fitsReadImage, FitsError } = await loadNative();
  const fits = await fitsReadImage(path).catch((err: unknown) => {
    if (err instanceof FitsError) throw new ApiError(422, 'NOT_A_FITS_IMAGE', `${what} cannot be read as a FITS image: ${err.message}`);
    throw err;
  });
  const card = (name: string) => fits.cards.find((c: NativeCore.FitsCard) => c.name === name)?.value;
  const [width = 0, height = 0, ...rest] = fits.shape;
  const planes = rest.reduce((a, b) => a * b, 1);
  const ctype = [card('CTYPE1'), card('CTYPE2')].map((v) => String(v ?? ''));
  const projections = [/^RA---([A-Z]{3})$/.exec(ctype[0]!)?.[1], /^DEC--([A-Z]{3})$/.exec(ctype[1]!)?.[1]];
  // wcslib's wcsset fails on an unknown projection, and the binding then crashes reading its error: refuse first.
  if (fits.shape.length < 2 || projections[0] === undefined || projections[0] !== projections[1] || !PROJECTIONS.has(projections[0])) {
    throw new ApiError(422, 'NOT_A_SKY_IMAGE', `${what} is not an image on RA/Dec axes in a projection wcslib knows (shape ${fits.shape.join('×')}, CTYPE1 ${ctype[0] || 'missing'}, CTYPE2 ${ctype[1] || 'missing'})`);
  }
  const frequencyAxis = [3, 4].find((axis) => String(card(`CTYPE${axis}`) ?? '').startsWith('FREQ'));
  const frequency = frequencyAxis === undefined ? undefined : card(`CRVAL${frequencyAxis}`);
  const unit = card('BUNIT');
  return {
    width,
    height,
    planes,
    unit: typeof unit === 'string' ? unit : null,
    frequencyHz: typeof frequency === 'number' ? frequency : null,
    // A copy of the first plane of a cube, so that the cache does not hold the other planes.
    plane: planes > 1 ? fits.data.slice(0, width * height) : fits.data,
    headerText: fits.headerText,
    naxis: fits.shape.length,
  };
}

/** wcslib's transform of the image's header; 422 when wcslib cannot make sense of it. */
async function transform(image: SkyImage, coords: Float64Array, direction: 'toWorld' | 'toPixel'): Promise<Float64Array> {
  const { wcsTransform, FitsError } = await loadNative();
  return wcsTransform(image.headerText, coords, image.naxis, direction).catch((err: unknown) => {
    if (err instanceof FitsError) throw new ApiError(422, 'BAD_WCS', `the image's WCS cannot be used: ${err.message}`);
    throw err;
  });
}

/** RA/Dec (degrees) of FITS pixel positions, by wcslib; NaN where the projection has none. */
export async function pixelsToSky(image: SkyImage, pixels: readonly (readonly [number, number])[]): Promise<Placed[]> {
  const coords = new Float64Array(pixels.length * image.naxis).fill(1);
  pixels.forEach(([x, y], i) => coords.set([x, y], i * image.naxis));
  const world = await transform(image, coords, 'toWorld');
  // wcslib keeps the header's RA range (WSClean may write a negative CRVAL1): report [0, 360).
  return pixels.map(([x, y], i) => ({ x, y, raDeg: (((world[i * image.naxis]! % 360) + 360) % 360), decDeg: world[i * image.naxis + 1]! }));
}

/** FITS pixel positions of sky positions, by wcslib; NaN where a position does not project. */
export async function skyToPixels(image: SkyImage, sky: readonly (readonly [number, number])[]): Promise<(readonly [number, number])[]> {
  // The other axes (frequency, Stokes) at the first plane's values, which wcslib needs to invert.
  const first = await transform(image, new Float64Array(image.naxis).fill(1), 'toWorld');
  const coords = new Float64Array(sky.length * image.naxis);
  sky.forEach(([ra, dec], i) => coords.set([ra, dec, ...first.subarray(2)], i * image.naxis));
  const pixels = await transform(image, coords, 'toPixel');
  return sky.map((_, i) => [pixels[i * image.naxis]!, pixels[i * image.naxis + 1]!] as const);
}

/** The cone around the image centre that holds the whole image. */
export async function skyFootprint(image: SkyImage): Promise<{ raDeg: number; decDeg: number; radiusDeg: number }> {
  const [w, h] = [image.width, image.height];
  const [centre, ...edges] = await pixelsToSky(image, [
    [(w + 1) / 2, (h + 1) / 2],
    [0.5, 0.5],
    [w + 0.5, 0.5],
    [0.5, h + 0.5],
    [w + 0.5, h + 0.5],
    [(w + 1) / 2, 0.5],
    [(w + 1) / 2, h + 0.5],
    [0.5, (h + 1) / 2],
    [w + 0.5, (h + 1) / 2],
  ]);
  const finite = edges.filter((p) => Number.isFinite(p.raDeg) && Number.isFinite(p.decDeg));
  if (!centre || !Number.isFinite(centre.raDeg) || finite.length < edges.length) return { raDeg: centre?.raDeg ?? NaN, decDeg: centre?.decDeg ?? NaN, radiusDeg: 180 };
  return { raDeg: centre.raDeg, decDeg: centre.decDeg, radiusDeg: Math.max(...finite.map((p) => angularSeparationDeg(centre.raDeg, centre.decDeg, p.raDeg, p.decDeg))) };
}

/**
 * The mosaic's pixel grid: a SIN (orthographic) projection tangent at the tiles' mean pointing,
 * at the finest tile cell, just large enough for every tile's footprint. An hour of tiles spans
 * ~15° of RA × cos δ, where SIN's scale departs from the tangent point's by < 2 %.
 */
import { wcsTransform, type FitsCard } from '../../../native/index.js';
import { MosaicError } from './errors.js';
import { footprint, type TileImage } from './tile.js';

/** A mosaic grid larger than this many pixels is refused (4 bytes each, for the mosaic alone). */
export const MAX_MOSAIC_PIXELS = 400_000_000;
const DEG = Math.PI / 180;

export interface MosaicGrid {
  readonly width: number;
  readonly height: number;
  /** The celestial WCS cards (2 axes). */
  readonly cards: readonly FitsCard[];
  /** Those cards as FITS header records, for wcslib. */
  readonly headerText: string;
  readonly cellDeg: number;
}

function formatValue(value: FitsCard['value']): string {
  if (typeof value === 'string') return `'${value.replaceAll("'", "''").padEnd(8)}'`;
  if (typeof value === 'boolean') return (value ? 'T' : 'F').padStart(20);
  if (value === null) return ''.padStart(20);
  return (Number.isInteger(value) ? String(value) : value.toExponential(16).toUpperCase()).padStart(20);
}

/** FITS header records (80 characters each, END last) of keyword cards. */
export function headerRecords(cards: readonly FitsCard[]): string {
  const records = cards.map((c) => `${c.name.padEnd(8)}= ${formatValue(c.value)}`.padEnd(80).slice(0, 80));
  return [...records, 'END'.padEnd(80)].join('');
}

function wcsCards(ra0: number, dec0: number, cellDeg: number, crpix1: number, crpix2: number): FitsCard[] {
  return [
    { name: 'WCSAXES', value: 2 },
    { name: 'CTYPE1', value: 'RA---SIN' },
    { name: 'CTYPE2', value: 'DEC--SIN' },
    { name: 'CRVAL1', value: ra0, comment: 'deg' },
    { name: 'CRVAL2', value: dec0, comment: 'deg' },
    { name: 'CRPIX1', value: crpix1 },
    { name: 'CRPIX2', value: crpix2 },
    { name: 'CDELT1', value: -cellDeg, comment: 'deg' },
    { name: 'CDELT2', value: cellDeg, comment: 'deg' },
    { name: 'CUNIT1', value: 'deg' },
    { name: 'CUNIT2', value: 'deg' },
    { name: 'RADESYS', value: 'FK5' },
    { name: 'EQUINOX', value: 2000 },
  ];
}

/** The mean direction of sky positions (RA, Dec degrees, pairs; unit vectors, so RA 0/360 is safe), skipping NaN. */
function meanDirection(sky: Float64Array): { ra: number; dec: number } {
  let [x, y, z] = [0, 0, 0];
  for (let i = 0; i < sky.length; i += 2) {
    const [ra, dec] = [sky[i]! * DEG, sky[i + 1]! * DEG];
    if (!Number.isFinite(ra) || !Number.isFinite(dec)) continue;
    x += Math.cos(dec) * Math.cos(ra);
    y += Math.cos(dec) * Math.sin(ra);
    z += Math.sin(dec);
  }
  return { ra: (Math.atan2(y, x) / DEG + 360) % 360, dec: Math.atan2(z, Math.hypot(x, y)) / DEG };
}

/** Mosaic pixel positions (FITS 1-based, pairs) of sky positions (RA, Dec degrees, pairs); NaN where unprojectable. */
export function skyToGrid(grid: Pick<MosaicGrid, 'headerText'>, sky: Float64Array): Promise<Float64Array> {
  return wcsTransform(grid.headerText, sky, 2, 'toPixel');
}

export async function mosaicGrid(tiles: readonly TileImage[]): Promise<MosaicGrid> {
  if (tiles.length === 0) throw new MosaicError('bad-input', 'a mosaic needs at least one tile');
  const edges = await Promise.all(tiles.map((tile) => footprint(tile)));
  // Every tile's edge is sampled alike, so their mean direction is the middle of the tiles.
  const all = new Float64Array(edges.reduce((n, e) => n + e.length, 0));
  edges.reduce((at, e) => (all.set(e, at), at + e.length), 0);
  const centre = meanDirection(all);
  const cellDeg = Math.min(...tiles.map((t) => t.cellDeg));
  const provisional = headerRecords(wcsCards(centre.ra, centre.dec, cellDeg, 0, 0));
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const sky of edges) {
    const pixels = await skyToGrid({ headerText: provisional }, sky);
    for (let i = 0; i < pixels.length; i += 2) {
      const [x, y] = [pixels[i]!, pixels[i + 1]!];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      [minX, minY, maxX, maxY] = [Math.min(minX, x), Math.min(minY, y), Math.max(maxX, x), Math.max(maxY, y)];
    }
  }
  if (!Number.isFinite(minX)) throw new MosaicError('bad-input', 'no tile has a footprint on the sky');
  const [x0, y0] = [Math.floor(minX), Math.floor(minY)];
  const width = Math.ceil(maxX) - x0 + 1;
  const height = Math.ceil(maxY) - y0 + 1;
  if (width * height > MAX_MOSAIC_PIXELS) {
    throw new MosaicError('too-large', `the tiles span ${width} × ${height} pixels of ${(cellDeg * 3600).toFixed(2)}″, more than ${MAX_MOSAIC_PIXELS} (are they at one declination?)`);
  }
  const cards = wcsCards(centre.ra, centre.dec, cellDeg, 1 - x0, 1 - y0);
  return { width, height, cards, headerText: headerRecords(cards), cellDeg };
}

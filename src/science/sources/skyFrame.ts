/**
 * Pixel ↔ sky for an image's first two axes (RA, Dec) through its own WCS (wcslib), with the
 * local linear map from pixel offsets to (east, north) arcsec at each point.
 */
import { wcsTransform, type FitsImage } from '../../../native/index.js';
import { wrapRaDeg } from '../catalogs/skyGeometry.js';
import type { Jacobian } from './gaussianShape.js';

export interface SkyFrame {
  readonly headerText: string;
  /** NAXIS: the WCS is transformed with every axis, the extra ones at their first pixel. */
  readonly naxis: number;
  /** CRVALn of every axis: the world value of the extra axes when transforming sky to pixels. */
  readonly referenceWorld: readonly number[];
}

export interface SkyPoint {
  readonly raDeg: number;
  readonly decDeg: number;
  /** Pixel offsets to (east, north) arcsec here. */
  readonly jacobian: Jacobian;
}

const wrap180 = (deg: number) => ((((deg + 180) % 360) + 360) % 360) - 180;

/** The sky positions of 0-based pixel positions [x0, y0, x1, y1, …]; NaN where the projection has none. */
export async function pixelsToSky(frame: SkyFrame, pixels: readonly number[]): Promise<SkyPoint[]> {
  const n = pixels.length / 2;
  if (n === 0) return [];
  // Each point and its neighbours one pixel along x and along y (FITS pixels are 1-based).
  const coords = new Float64Array(3 * n * frame.naxis).fill(1);
  for (let i = 0; i < n; i++) {
    const [x, y] = [pixels[2 * i]! + 1, pixels[2 * i + 1]! + 1];
    const base = 3 * i * frame.naxis;
    coords.set([x, y], base);
    coords.set([x + 1, y], base + frame.naxis);
    coords.set([x, y + 1], base + 2 * frame.naxis);
  }
  const world = await wcsTransform(frame.headerText, coords, frame.naxis, 'toWorld');
  const at = (k: number) => [world[k * frame.naxis]!, world[k * frame.naxis + 1]!] as const;
  return Array.from({ length: n }, (_, i) => {
    const [ra, dec] = at(3 * i);
    const [raX, decX] = at(3 * i + 1);
    const [raY, decY] = at(3 * i + 2);
    const cosDec = Math.cos((dec * Math.PI) / 180);
    const jacobian: Jacobian = [
      [wrap180(raX - ra) * cosDec * 3600, wrap180(raY - ra) * cosDec * 3600],
      [(decX - dec) * 3600, (decY - dec) * 3600],
    ];
    return { raDeg: wrapRaDeg(ra), decDeg: dec, jacobian };
  });
}

/** 0-based pixel positions [x0, y0, …] of sky positions [ra0, dec0, …] (degrees); NaN where off the projection. */
export async function skyToPixels(frame: SkyFrame, sky: readonly number[]): Promise<number[]> {
  const n = sky.length / 2;
  if (n === 0) return [];
  const coords = new Float64Array(n * frame.naxis);
  for (let i = 0; i < n; i++) coords.set([sky[2 * i]!, sky[2 * i + 1]!], i * frame.naxis);
  // The extra axes (frequency, Stokes) are taken at their reference values: wcss2p needs some world value there.
  fillExtraAxes(frame, coords, n);
  const pixels = await wcsTransform(frame.headerText, coords, frame.naxis, 'toPixel');
  return Array.from({ length: 2 * n }, (_, k) => pixels[Math.floor(k / 2) * frame.naxis + (k % 2)]! - 1);
}

function fillExtraAxes(frame: SkyFrame, coords: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) for (let axis = 2; axis < frame.naxis; axis++) coords[i * frame.naxis + axis] = frame.referenceWorld[axis] ?? 0;
}

/** The WCS of an image read by fitsReadImage. */
export function skyFrameOf(image: Pick<FitsImage, 'cards' | 'headerText' | 'shape'>): SkyFrame {
  const naxis = image.shape.length;
  const referenceWorld = Array.from({ length: naxis }, (_, axis) => {
    const value = image.cards.find((c) => c.name === `CRVAL${axis + 1}`)?.value;
    return typeof value === 'number' ? value : 0;
  });
  return { headerText: image.headerText, naxis, referenceWorld };
}

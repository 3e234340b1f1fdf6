/**
 * A FITS image (WSClean's layout: RA, Dec, then frequency and Stokes axes) made ready for forced
 * photometry: its first plane, its restoring beam on the pixel grid when the header gives one,
 * the sky it covers, and sky positions taken to pixels through its own WCS (wcslib).
 */
import { setImmediate } from 'node:timers/promises';
import { fitsReadImage, wcsTransform, type FitsCard, type FitsImage } from '../../../native/index.js';
import { axisOf, cardValue, numberCard } from '../image/fitsHeader.js';
import { ImageError } from '../image/errors.js';
import { measureForced, type ForcedMeasurement, type ImagePlane, type PixelBeam } from './forcedPhotometry.js';

const DEG = Math.PI / 180;
/** Sources measured between yields to the event loop (~25 ms of work). */
const YIELD_EVERY = 100;

export interface PhotometryImage extends ImagePlane {
  readonly path: string;
  readonly fits: FitsImage;
  readonly beam: PixelBeam | undefined;
  /** The sky position of the central pixel and the radius reaching the corners, degrees. */
  readonly field: { readonly raDeg: number; readonly decDeg: number; readonly radiusDeg: number };
}

export interface PhotometryTarget {
  readonly sourceId: string;
  readonly raDeg: number;
  readonly decDeg: number;
}

export interface TargetMeasurement extends ForcedMeasurement {
  readonly target: PhotometryTarget;
  /** 0-based pixel position. */
  readonly x: number;
  readonly y: number;
}

/**
 * BMAJ/BMIN/BPA (degrees; BPA from north through east) on the pixel grid, or undefined when the
 * header has no beam. North is +y when CDELT2 > 0 and east is +x when CDELT1 > 0.
 */
function pixelBeam(cards: readonly FitsCard[], file: string): PixelBeam | undefined {
  const [bmaj, bmin, bpa] = ['BMAJ', 'BMIN', 'BPA'].map((name) => cardValue(cards, name));
  if (typeof bmaj !== 'number' || typeof bmin !== 'number' || !(bmaj > 0) || !(bmin > 0)) return undefined;
  const [cdelt1, cdelt2] = [numberCard(cards, 'CDELT1', file), numberCard(cards, 'CDELT2', file)];
  if (Math.abs(Math.abs(cdelt1) / Math.abs(cdelt2) - 1) > 1e-6) throw new ImageError('bad-input', `${file}: pixels are not square (CDELT1 ${cdelt1}, CDELT2 ${cdelt2})`);
  const pa = (typeof bpa === 'number' ? bpa : 0) * DEG;
  return {
    majorFwhmPx: bmaj / Math.abs(cdelt2),
    minorFwhmPx: bmin / Math.abs(cdelt2),
    majorAngleRad: Math.atan2(Math.cos(pa) * Math.sign(cdelt2), Math.sin(pa) * Math.sign(cdelt1)),
  };
}

/** World coordinates for every axis: the given RA/Dec on the celestial axes, CRVAL on the others. */
function worldCoordinates(cards: readonly FitsCard[], naxis: number, file: string, radec: readonly (readonly [number, number])[]): Float64Array {
  const reference = Array.from({ length: naxis }, (_, k) => numberCard(cards, `CRVAL${k + 1}`, file));
  const world = new Float64Array(radec.length * naxis);
  radec.forEach(([ra, dec], n) => {
    world.set(reference, n * naxis);
    world[n * naxis] = ra;
    world[n * naxis + 1] = dec;
  });
  return world;
}

export async function loadPhotometryImage(path: string): Promise<PhotometryImage> {
  const fits = await fitsReadImage(path);
  const { cards, shape } = fits;
  if (axisOf(cards, 'RA--', path) !== 1 || axisOf(cards, 'DEC-', path) !== 2) throw new ImageError('bad-input', `${path}: axes 1 and 2 must be RA and Dec`);
  const [nx, ny] = [shape[0]!, shape[1] ?? 1];
  const naxis = shape.length;
  const centrePixel = new Float64Array(naxis).fill(1);
  centrePixel.set([(nx + 1) / 2, (ny + 1) / 2]);
  const centre = await wcsTransform(fits.headerText, centrePixel, naxis, 'toWorld');
  if (!Number.isFinite(centre[0]) || !Number.isFinite(centre[1])) throw new ImageError('bad-input', `${path}: the central pixel has no sky position`);
  const cellDeg = Math.abs(numberCard(cards, 'CDELT2', path));
  return {
    path,
    fits,
    pixels: fits.data.subarray(0, nx * ny),
    nx,
    ny,
    beam: pixelBeam(cards, path),
    field: { raDeg: centre[0]!, decDeg: centre[1]!, radiusDeg: (Math.hypot(nx, ny) / 2 + 1) * cellDeg },
  };
}

/**
 * Measures every target that lies on the image with its box, cutout and annulus on finite
 * pixels; the others are counted as skipped.
 */
export async function forcedPhotometry(image: PhotometryImage, targets: readonly PhotometryTarget[]): Promise<{ measured: TargetMeasurement[]; skipped: number }> {
  if (targets.length === 0) return { measured: [], skipped: 0 };
  const naxis = image.fits.shape.length;
  const world = worldCoordinates(image.fits.cards, naxis, image.path, targets.map((t) => [t.raDeg, t.decDeg] as const));
  const pixels = await wcsTransform(image.fits.headerText, world, naxis, 'toPixel');
  const measured: TargetMeasurement[] = [];
  for (const [n, target] of targets.entries()) {
    // a field of thousands of sources takes a while: let the event loop breathe (leases, progress)
    if (n > 0 && n % YIELD_EVERY === 0) await setImmediate();
    // FITS pixels are 1-based
    const [x, y] = [pixels[n * naxis]! - 1, pixels[n * naxis + 1]! - 1];
    const measurement = measureForced(image, image.beam, x, y);
    if (measurement) measured.push({ ...measurement, target, x, y });
  }
  return { measured, skipped: targets.length - measured.length };
}

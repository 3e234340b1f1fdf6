/**
 * The primary beam on an image's own grid: every pixel goes to the sky through the image's WCS
 * (wcslib), and the beam is the Airy pattern of the simulator's dish (the one beam model of the
 * project) at the image frequency, centred on the pointing (the phase centre: DSA-110 observes
 * the meridian at a fixed declination, and the MS is phased there at mid-group).
 */
import { wcsTransform, type FitsCard } from '../../../native/index.js';
import { airyPowerBeam } from '../simulate/beam.js';
import { axisOf, numberCard } from './fitsHeader.js';

const DEG = Math.PI / 180;
/** Rows transformed per native call: bounds the coordinate arrays (4 doubles per pixel, twice). */
const ROWS_PER_CALL = 128;

export interface ImageGrid {
  readonly cards: readonly FitsCard[];
  readonly headerText: string;
  /** FITS order: NAXIS1 (x) first. */
  readonly shape: readonly number[];
}

/** sin of the great-circle angle between two directions (radians). */
function sinSeparation(ra1: number, dec1: number, ra2: number, dec2: number): number {
  // Haversine: accurate at the small angles that matter here.
  const h = Math.sin((dec2 - dec1) / 2) ** 2 + Math.cos(dec1) * Math.cos(dec2) * Math.sin((ra2 - ra1) / 2) ** 2;
  const theta = 2 * Math.asin(Math.min(1, Math.sqrt(h)));
  return Math.sin(Math.min(theta, Math.PI / 2));
}

/**
 * The power beam for each pixel of the first plane (x fastest), centred on the reference
 * direction (CRVAL of the celestial axes); 0 where a pixel has no sky position.
 */
export async function primaryBeamImage(grid: ImageGrid, file: string): Promise<{ pb: Float32Array; frequencyHz: number }> {
  const { cards, shape } = grid;
  const naxis = shape.length;
  const raAxis = axisOf(cards, 'RA--', file);
  const decAxis = axisOf(cards, 'DEC-', file);
  const frequencyHz = numberCard(cards, `CRVAL${axisOf(cards, 'FREQ', file)}`, file);
  const ra0 = numberCard(cards, `CRVAL${raAxis}`, file) * DEG;
  const dec0 = numberCard(cards, `CRVAL${decAxis}`, file) * DEG;
  const [nx, ny] = [shape[0]!, shape[1]!];
  const pb = new Float32Array(nx * ny);

  for (let y0 = 0; y0 < ny; y0 += ROWS_PER_CALL) {
    const rows = Math.min(ROWS_PER_CALL, ny - y0);
    const pixels = new Float64Array(rows * nx * naxis).fill(1); // other axes at their first pixel
    for (let r = 0; r < rows; r++) {
      for (let x = 0; x < nx; x++) {
        const at = (r * nx + x) * naxis;
        pixels[at] = x + 1; // FITS pixels are 1-based
        pixels[at + 1] = y0 + r + 1;
      }
    }
    const world = await wcsTransform(grid.headerText, pixels, naxis, 'toWorld');
    for (let i = 0; i < rows * nx; i++) {
      const ra = world[i * naxis + raAxis - 1]! * DEG;
      const dec = world[i * naxis + decAxis - 1]! * DEG;
      pb[y0 * nx + i] = Number.isFinite(ra) && Number.isFinite(dec) ? airyPowerBeam(sinSeparation(ra0, dec0, ra, dec), frequencyHz) : 0;
    }
  }
  return { pb, frequencyHz };
}

/** image / pb where pb ≥ cutoff, NaN elsewhere (one plane, or every plane of a cube). */
export function primaryBeamCorrect(image: Float32Array, pb: Float32Array, cutoff: number): Float32Array {
  const out = new Float32Array(image.length);
  for (let i = 0; i < image.length; i++) {
    const response = pb[i % pb.length]!;
    out[i] = response >= cutoff ? image[i]! / response : Number.NaN;
  }
  return out;
}

/**
 * Forced photometry of one image plane at given pixel positions (after the incumbent's
 * `measure_forced_peak`): the peak in a beam-sized box, the local noise from an annulus around
 * the position, and, where the restoring beam is known, the beam-weighted flux of Condon (1997):
 * S = Σ I·P / Σ P², with P the beam centred on the exact (sub-pixel) position.
 */

/** The restoring beam on the pixel grid. */
export interface PixelBeam {
  readonly majorFwhmPx: number;
  readonly minorFwhmPx: number;
  /** Direction of the major axis on the pixel grid, radians from +x towards +y. */
  readonly majorAngleRad: number;
}

export interface ImagePlane {
  /** x (NAXIS1) fastest; blank pixels NaN. */
  readonly pixels: Float32Array;
  readonly nx: number;
  readonly ny: number;
}

export interface ForcedMeasurement {
  /** The beam-weighted flux where the beam is known, else the peak (Jy, a point source's flux). */
  readonly fluxJy: number;
  readonly errorJy: number;
  /** The highest pixel in the beam-sized box (Jy/beam). */
  readonly peakJy: number;
  /** Robust rms (1.4826 MAD) of the annulus (Jy/beam). */
  readonly rmsJy: number;
  readonly method: 'condon' | 'peak';
}

const FWHM_TO_SIGMA = 1 / (2 * Math.sqrt(2 * Math.log(2)));
const MAD_TO_SIGMA = 1.482602218505602;
/** Without a beam: the incumbent's 5-pixel box and 12–20 pixel annulus. */
const DEFAULT_BOX_PX = 5;
const DEFAULT_ANNULUS_PX = [12, 20] as const;
/** With a beam: the weighting cutout reaches 1.5 beam majors from the position, the annulus 3–5. */
const CUTOUT_BEAMS = 1.5;
const ANNULUS_BEAMS = [3, 5] as const;
/** Fewer finite annulus pixels than this and the local noise is not trusted. */
const MIN_ANNULUS_PIXELS = 30;
/**
 * Noise in a restored image is correlated like the beam (the PSF's main lobe), so the weighted
 * sum of a beam-sized patch is not σ/√ΣP² (independent pixels, which VAST assumes) but, for
 * Gaussians of any shape, σ·√(∬P P C)/ΣP² = σ·2/√3.
 */
const CORRELATED_WEIGHTING_NOISE = 2 / Math.sqrt(3);

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}

/** Robust rms of the finite pixels between two radii of (x, y); NaN when too few. */
function annulusRms(plane: ImagePlane, x: number, y: number, inner: number, outer: number): number {
  const values: number[] = [];
  const [x0, x1] = [Math.max(0, Math.ceil(x - outer)), Math.min(plane.nx - 1, Math.floor(x + outer))];
  const [y0, y1] = [Math.max(0, Math.ceil(y - outer)), Math.min(plane.ny - 1, Math.floor(y + outer))];
  for (let j = y0; j <= y1; j++) {
    for (let i = x0; i <= x1; i++) {
      const r2 = (i - x) ** 2 + (j - y) ** 2;
      const value = plane.pixels[j * plane.nx + i]!;
      if (r2 >= inner * inner && r2 <= outer * outer && Number.isFinite(value)) values.push(value);
    }
  }
  if (values.length < MIN_ANNULUS_PIXELS) return Number.NaN;
  const centre = median(values);
  return MAD_TO_SIGMA * median(values.map((v) => Math.abs(v - centre)));
}

/** The highest pixel within `half` pixels of the nearest pixel; NaN when the box leaves the image or holds a blank. */
function boxPeak(plane: ImagePlane, x: number, y: number, half: number): number {
  const [ci, cj] = [Math.round(x), Math.round(y)];
  if (ci - half < 0 || cj - half < 0 || ci + half >= plane.nx || cj + half >= plane.ny) return Number.NaN;
  let peak = Number.NEGATIVE_INFINITY;
  for (let j = cj - half; j <= cj + half; j++) {
    for (let i = ci - half; i <= ci + half; i++) peak = Math.max(peak, plane.pixels[j * plane.nx + i]!);
  }
  return peak; // NaN if any pixel was blank: Math.max propagates it
}

/** Σ I·P / Σ P² over the cutout; NaN when the cutout leaves the image or holds a blank. */
function beamWeightedFlux(plane: ImagePlane, beam: PixelBeam, x: number, y: number): number {
  const reach = Math.ceil(CUTOUT_BEAMS * beam.majorFwhmPx);
  const [ci, cj] = [Math.round(x), Math.round(y)];
  if (ci - reach < 0 || cj - reach < 0 || ci + reach >= plane.nx || cj + reach >= plane.ny) return Number.NaN;
  const [cos, sin] = [Math.cos(beam.majorAngleRad), Math.sin(beam.majorAngleRad)];
  const [sMaj, sMin] = [beam.majorFwhmPx * FWHM_TO_SIGMA, beam.minorFwhmPx * FWHM_TO_SIGMA];
  let sumIP = 0;
  let sumPP = 0;
  for (let j = cj - reach; j <= cj + reach; j++) {
    for (let i = ci - reach; i <= ci + reach; i++) {
      const [dx, dy] = [i - x, j - y];
      const along = (dx * cos + dy * sin) / sMaj;
      const across = (dy * cos - dx * sin) / sMin;
      const p = Math.exp(-0.5 * (along * along + across * across));
      sumIP += plane.pixels[j * plane.nx + i]! * p;
      sumPP += p * p;
    }
  }
  return sumIP / sumPP;
}

/**
 * Measures a point source at pixel (x, y) (0-based, x along NAXIS1). Undefined when the source's
 * box or cutout leaves the image or holds blank pixels (beyond the primary-beam cutoff), or its
 * surroundings have too few pixels (or no noise) to give an error.
 */
export function measureForced(plane: ImagePlane, beam: PixelBeam | undefined, x: number, y: number): ForcedMeasurement | undefined {
  if (!Number.isFinite(x) || !Number.isFinite(y)) return undefined;
  const half = beam ? Math.max(1, Math.round(beam.majorFwhmPx / 2)) : DEFAULT_BOX_PX >> 1;
  const [inner, outer] = beam ? [ANNULUS_BEAMS[0] * beam.majorFwhmPx, ANNULUS_BEAMS[1] * beam.majorFwhmPx] : DEFAULT_ANNULUS_PX;
  const peakJy = boxPeak(plane, x, y, half);
  const rmsJy = annulusRms(plane, x, y, inner, outer);
  if (!Number.isFinite(peakJy) || !(rmsJy > 0)) return undefined; // no noise, no error: nothing to weight a light curve with
  if (!beam) return { fluxJy: peakJy, errorJy: rmsJy, peakJy, rmsJy, method: 'peak' };
  const fluxJy = beamWeightedFlux(plane, beam, x, y);
  if (!Number.isFinite(fluxJy)) return undefined;
  return { fluxJy, errorJy: rmsJy * CORRELATED_WEIGHTING_NOISE, peakJy, rmsJy, method: 'condon' };
}

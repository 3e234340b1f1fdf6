/**
 * Simulated restored images with known truth, for the photometry tests and benchmark: point
 * sources drawn as the restoring beam on a SIN grid like WSClean's (RA, Dec, FREQ, STOKES), plus
 * Gaussian noise correlated like the beam (white noise smoothed by the beam's "square root", a
 * Gaussian of half its variance), written with cfitsio (test/support/skyImage.ts). Pixel positions come from the SIN
 * projection's own formulas here, independently of wcslib.
 */
import { gaussian, random } from '../../support/random.js';
import { writeSinImage, type RestoringBeam, type SinGrid } from '../../support/skyImage.js';

const DEG = Math.PI / 180;
const FWHM_TO_SIGMA = 1 / (2 * Math.sqrt(2 * Math.log(2)));

export interface SkySource {
  readonly raDeg: number;
  readonly decDeg: number;
  readonly fluxJy: number;
}

export interface SkyImageSpec {
  readonly raDeg: number;
  readonly decDeg: number;
  readonly nx: number;
  readonly ny: number;
  readonly cellArcsec: number;
  readonly beam: RestoringBeam;
  /** rms of the noise, Jy/beam (0: none). */
  readonly noiseJy: number;
  /** Correlated like the beam (needs PA 0 or 90, where the beam's axes lie along the grid), or white. */
  readonly correlatedNoise: boolean;
  readonly seed: number;
}

/** 0-based pixel of a sky position on the grid (SIN, reference pixel at the centre, RA increasing to the left). */
export function skyToPixel(spec: SkyImageSpec, raDeg: number, decDeg: number): [number, number] {
  const [dra, dec, dec0] = [(raDeg - spec.raDeg) * DEG, decDeg * DEG, spec.decDeg * DEG];
  const l = Math.cos(dec) * Math.sin(dra);
  const m = Math.sin(dec) * Math.cos(dec0) - Math.cos(dec) * Math.sin(dec0) * Math.cos(dra);
  const cellRad = (spec.cellArcsec / 3600) * DEG;
  return [(spec.nx - 1) / 2 - l / cellRad, (spec.ny - 1) / 2 + m / cellRad];
}

function gridOf(spec: SkyImageSpec): SinGrid {
  const { nx, ny, raDeg, decDeg, cellArcsec, beam } = spec;
  return { nx, ny, crpix: [(nx + 1) / 2, (ny + 1) / 2], raDeg, decDeg, cellArcsec, frequencyHz: 1.4049e9, bandwidthHz: 1.875e8, bunit: 'JY/BEAM', beam };
}

/** Gaussian taps at σ pixels, out to 4σ. */
function taps(sigmaPx: number): Float64Array {
  const reach = Math.ceil(4 * sigmaPx);
  return Float64Array.from({ length: 2 * reach + 1 }, (_, i) => Math.exp(-0.5 * ((i - reach) / sigmaPx) ** 2));
}

/** Convolves rows (step 1) or columns (step nx) of `image` with `kernel`, in place (edges see zeros). */
function convolveAxis(image: Float64Array, nx: number, ny: number, kernel: Float64Array, alongX: boolean): void {
  const reach = (kernel.length - 1) / 2;
  const [lines, length, step, stride] = alongX ? [ny, nx, 1, nx] : [nx, ny, nx, 1];
  const line = new Float64Array(length);
  for (let l = 0; l < lines; l++) {
    const base = l * stride;
    for (let i = 0; i < length; i++) line[i] = image[base + i * step]!;
    for (let i = 0; i < length; i++) {
      let sum = 0;
      for (let k = Math.max(-reach, -i); k <= Math.min(reach, length - 1 - i); k++) sum += kernel[k + reach]! * line[i + k]!;
      image[base + i * step] = sum;
    }
  }
}

function correlatedNoise(spec: SkyImageSpec, normal: () => number): Float64Array {
  const { nx, ny } = spec;
  const noise = Float64Array.from({ length: nx * ny }, normal);
  if (!spec.correlatedNoise) return noise.map((v) => v * spec.noiseJy);
  const pa = ((spec.beam.paDeg % 180) + 180) % 180;
  if (pa !== 0 && pa !== 90) throw new Error('correlated noise needs a beam along the grid (PA 0 or 90)');
  // half the beam's variance: the smoothed noise's autocorrelation is then the beam itself
  const [north, east] = pa === 0 ? [spec.beam.majorArcsec, spec.beam.minorArcsec] : [spec.beam.minorArcsec, spec.beam.majorArcsec];
  const [kx, ky] = [east, north].map((fwhm) => taps((fwhm * FWHM_TO_SIGMA) / spec.cellArcsec / Math.SQRT2)) as [Float64Array, Float64Array];
  convolveAxis(noise, nx, ny, kx, true);
  convolveAxis(noise, nx, ny, ky, false);
  const gain = Math.sqrt(kx.reduce((a, k) => a + k * k, 0) * ky.reduce((a, k) => a + k * k, 0));
  return noise.map((v) => (v / gain) * spec.noiseJy);
}

/** Adds each source as the beam (peak = its flux) around its exact position, out to 5σ of the major axis. */
function addSources(image: Float64Array, spec: SkyImageSpec, sources: readonly SkySource[]): void {
  const [sMaj, sMin] = [spec.beam.majorArcsec * FWHM_TO_SIGMA, spec.beam.minorArcsec * FWHM_TO_SIGMA];
  const [sinPa, cosPa] = [Math.sin(spec.beam.paDeg * DEG), Math.cos(spec.beam.paDeg * DEG)];
  const reach = Math.ceil((5 * sMaj) / spec.cellArcsec);
  for (const source of sources) {
    const [x0, y0] = skyToPixel(spec, source.raDeg, source.decDeg);
    for (let y = Math.max(0, Math.round(y0) - reach); y <= Math.min(spec.ny - 1, Math.round(y0) + reach); y++) {
      for (let x = Math.max(0, Math.round(x0) - reach); x <= Math.min(spec.nx - 1, Math.round(x0) + reach); x++) {
        // offsets on the sky: east is -x, north +y
        const [east, north] = [-(x - x0) * spec.cellArcsec, (y - y0) * spec.cellArcsec];
        const along = (east * sinPa + north * cosPa) / sMaj;
        const across = (east * cosPa - north * sinPa) / sMin;
        image[y * spec.nx + x]! += source.fluxJy * Math.exp(-0.5 * (along * along + across * across));
      }
    }
  }
}

/** Writes the image; `blank` marks pixels NaN (as beyond a primary-beam cutoff). */
export async function writeSkyImage(path: string, spec: SkyImageSpec, sources: readonly SkySource[], blank?: (x: number, y: number) => boolean): Promise<void> {
  const image = spec.noiseJy > 0 ? correlatedNoise(spec, gaussian(random(spec.seed))) : new Float64Array(spec.nx * spec.ny);
  addSources(image, spec, sources);
  const data = Float32Array.from(image);
  if (blank) {
    for (let y = 0; y < spec.ny; y++) for (let x = 0; x < spec.nx; x++) if (blank(x, y)) data[y * spec.nx + x] = Number.NaN;
  }
  await writeSinImage(path, gridOf(spec), data);
}

/**
 * Simulated radio images with a known truth: Gaussians of the restoring beam injected into
 * Gaussian noise correlated over the beam, on a WSClean-like SIN grid (RA, Dec, FREQ, STOKES),
 * written through the native FITS writer (test/support/skyImage.ts). Shared by the source-finder tests and `bench/science.ts`.
 */
import type { FitsCard } from '../../../native/index.js';
import { FWHM_PER_SIGMA, invertJacobian, skyCovariance, transformCovariance, type Covariance } from '../../../src/science/sources/gaussianShape.js';
import { pixelsToSky, skyFrameOf, skyToPixels, type SkyFrame } from '../../../src/science/sources/skyFrame.js';
import { gaussian, random } from '../../support/random.js';
import { sinGridCards, writeSinImage, type RestoringBeam, type SinGrid } from '../../support/skyImage.js';

/** The restoring beam and cell of a real full-mode DSA-110 WSClean image (Briggs 0, 1.41 GHz). */
export const DSA110_BEAM = { majorArcsec: 38.5, minorArcsec: 37.45, paDeg: 30.2 } as const;
export const DSA110_CELL_ARCSEC = 4.129;

export interface InjectedSource {
  readonly raDeg: number;
  readonly decDeg: number;
  /** Jy/beam: a point source, so also its integrated flux in Jy. */
  readonly peakJy: number;
}

export interface SimulatedImageSpec {
  readonly size: number;
  readonly cellArcsec: number;
  readonly centreRaDeg: number;
  readonly centreDecDeg: number;
  readonly beam: RestoringBeam;
  readonly rmsJy: number;
  readonly seed: number;
  readonly sources: readonly InjectedSource[];
}

export interface InjectedTruth extends InjectedSource {
  /** 0-based pixel position. */
  readonly x: number;
  readonly y: number;
}

type GridSpec = Pick<SimulatedImageSpec, 'size' | 'cellArcsec' | 'centreRaDeg' | 'centreDecDeg' | 'beam'>;

function gridOf(spec: GridSpec): SinGrid {
  const centrePixel = spec.size / 2 + 1;
  return {
    nx: spec.size,
    ny: spec.size,
    crpix: [centrePixel, centrePixel],
    raDeg: spec.centreRaDeg,
    decDeg: spec.centreDecDeg,
    cellArcsec: spec.cellArcsec,
    frequencyHz: 1409882812.5,
    bandwidthHz: 177734375,
    bunit: 'Jy/beam',
    beam: spec.beam,
  };
}

export function headerCards(spec: GridSpec): FitsCard[] {
  return sinGridCards(gridOf(spec));
}

/** Unit-rms noise correlated by a round Gaussian whose autocorrelation has the beam's area. */
function correlatedNoise(size: number, sigmaPx: number, normal: () => number): Float32Array {
  const kernelSigma = sigmaPx / Math.SQRT2;
  const radius = Math.ceil(4 * kernelSigma);
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-0.5 * ((i - radius) / kernelSigma) ** 2));
  const norm = 1 / Math.sqrt(kernel.reduce((s, k) => s + k * k, 0)) ** 2;
  const padded = size + 2 * radius;
  const white = Float64Array.from({ length: padded * padded }, normal);
  const rows = new Float64Array(padded * size);
  for (let y = 0; y < padded; y++) {
    for (let x = 0; x < size; x++) {
      let sum = 0;
      for (let k = 0; k < kernel.length; k++) sum += kernel[k]! * white[y * padded + x + k]!;
      rows[y * size + x] = sum;
    }
  }
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let sum = 0;
      for (let k = 0; k < kernel.length; k++) sum += kernel[k]! * rows[(y + k) * size + x]!;
      out[y * size + x] = sum * norm;
    }
  }
  return out;
}

function addGaussian(pixels: Float32Array, size: number, x0: number, y0: number, peak: number, covariance: Covariance): void {
  const det = covariance.a * covariance.c - covariance.b ** 2;
  const [ia, ib, ic] = [covariance.c / det, -covariance.b / det, covariance.a / det];
  const reach = Math.ceil(5 * Math.sqrt(Math.max(covariance.a, covariance.c)));
  for (let y = Math.max(0, Math.floor(y0) - reach); y <= Math.min(size - 1, Math.ceil(y0) + reach); y++) {
    for (let x = Math.max(0, Math.floor(x0) - reach); x <= Math.min(size - 1, Math.ceil(x0) + reach); x++) {
      const [dx, dy] = [x - x0, y - y0];
      pixels[y * size + x] = pixels[y * size + x]! + peak * Math.exp(-0.5 * (ia * dx * dx + 2 * ib * dx * dy + ic * dy * dy));
    }
  }
}

/** The image's WCS, as wcslib parses it from the header the image is written with. */
export function simulatedFrame(spec: GridSpec): SkyFrame {
  const cards = headerCards(spec);
  const records = ['SIMPLE  = T', 'BITPIX  = -32', 'NAXIS   = 4', `NAXIS1  = ${spec.size}`, `NAXIS2  = ${spec.size}`, 'NAXIS3  = 1', 'NAXIS4  = 1'];
  for (const c of cards) records.push(`${c.name.padEnd(8)}= ${typeof c.value === 'string' ? `'${c.value}'` : String(c.value)}`);
  records.push('END');
  return skyFrameOf({ cards, headerText: records.map((r) => r.padEnd(80)).join(''), shape: [spec.size, spec.size, 1, 1] });
}

/** Writes the image to `path` and returns where each source landed (sources off the grid are dropped). */
export async function writeSimulatedImage(path: string, spec: SimulatedImageSpec): Promise<InjectedTruth[]> {
  const { size } = spec;
  const frame = simulatedFrame(spec);
  const beamSigmaPx = Math.sqrt(spec.beam.majorArcsec * spec.beam.minorArcsec) / FWHM_PER_SIGMA / spec.cellArcsec;
  const pixels = correlatedNoise(size, beamSigmaPx, gaussian(random(spec.seed))).map((v) => v * spec.rmsJy);
  const xy = await skyToPixels(frame, spec.sources.flatMap((s) => [s.raDeg, s.decDeg]));
  const onGrid = spec.sources.flatMap((s, i) => {
    const [x, y] = [xy[2 * i]!, xy[2 * i + 1]!];
    return x >= 0 && y >= 0 && x <= size - 1 && y <= size - 1 ? [{ ...s, x, y }] : [];
  });
  const local = await pixelsToSky(frame, onGrid.flatMap((s) => [s.x, s.y]));
  const beamSky = skyCovariance(spec.beam.majorArcsec, spec.beam.minorArcsec, spec.beam.paDeg);
  onGrid.forEach((s, i) => addGaussian(pixels, size, s.x, s.y, s.peakJy, transformCovariance(invertJacobian(local[i]!.jacobian), beamSky)));
  await writeSinImage(path, gridOf(spec), pixels);
  return onGrid;
}

/**
 * A random point-source sky: `count` sources with peaks log-uniform in [minPeakJy, maxPeakJy], at
 * least `minSeparationArcsec` apart and `marginPx` inside the image's edges.
 */
export async function randomSky(
  spec: GridSpec,
  options: { count: number; minPeakJy: number; maxPeakJy: number; minSeparationArcsec: number; marginPx: number; seed: number },
): Promise<InjectedSource[]> {
  const uniform = random(options.seed);
  const chosen: [number, number][] = [];
  const minSepPx = options.minSeparationArcsec / spec.cellArcsec;
  const span = spec.size - 1 - 2 * options.marginPx;
  for (let attempt = 0; chosen.length < options.count && attempt < options.count * 200; attempt++) {
    const [x, y] = [options.marginPx + uniform() * span, options.marginPx + uniform() * span];
    if (chosen.every(([cx, cy]) => Math.hypot(cx - x, cy - y) >= minSepPx)) chosen.push([x, y]);
  }
  const sky = await pixelsToSky(simulatedFrame(spec), chosen.flat());
  const ratio = options.maxPeakJy / options.minPeakJy;
  return sky.map((p) => ({ raDeg: p.raDeg, decDeg: p.decDeg, peakJy: options.minPeakJy * ratio ** uniform() }));
}

/**
 * The primary beam on an image's own grid: every pixel goes to the sky through the image's WCS
 * (wcslib), and the beam is the Airy pattern of the simulator's dish (the one beam model of the
 * project) averaged over what the image averages: the channels, and the integrations, during
 * which the pointing drifts. DSA-110 observes the meridian at a fixed declination, so the
 * pointing moves east at the sidereal rate, through the phase centre (the pointing at mid-group,
 * where the MS is phased) halfway through; over a 5-minute group that is 1.3°, half the beam.
 */
import { wcsTransform, type CalMsInfo, type FitsCard } from '../../../native/index.js';
import { airyPowerBeam } from '../simulate/beam.js';
import { ImageError } from './errors.js';
import { axisOf, numberCard } from './fitsHeader.js';

const DEG = Math.PI / 180;
/**
 * The beam is computed this far apart and interpolated between: its curvature (≤ 0.9 per deg²
 * along each axis in the main lobe) keeps the bilinear error below 10⁻⁴; a 3.5° image needs 31 000 nodes.
 */
const NODE_SPACING_RAD = 0.02 * DEG;
/** Samples of the band-averaged beam against sin θ: linear interpolation is good to ~1e-7 over a field of a few degrees. */
const TABLE_SIZE = 8192;
/** Sidereal rate, rad per second of UTC. */
const SIDEREAL_RAD_PER_S = (2 * Math.PI * 1.00273781191135) / 86400;

/** What the beam is averaged over, each sample weighted equally. */
export interface BeamSampling {
  /** The channel frequencies, Hz. */
  readonly frequenciesHz: ArrayLike<number>;
  /** Per integration, the pointing's right ascension less the reference direction's (east positive), rad. */
  readonly pointingRaOffsetsRad: ArrayLike<number>;
}

/** Every channel of the MS; the pointing at each integration, the phase centre being where it is at mid-group. */
export function beamSamplingOf(info: Pick<CalMsInfo, 'timesMjdS' | 'spwFreqHz'>): BeamSampling {
  const times = info.timesMjdS;
  const mid = (times[0]! + times[times.length - 1]!) / 2;
  const frequenciesHz = info.spwFreqHz.flatMap((f) => [...f]);
  return { frequenciesHz, pointingRaOffsetsRad: Array.from(times, (t) => (t - mid) * SIDEREAL_RAD_PER_S) };
}

/** The band-averaged power beam against sin θ from 0 to sinMax, for linear interpolation. */
function bandAveragedTable(frequenciesHz: ArrayLike<number>, sinMax: number): { table: Float64Array; step: number } {
  const step = sinMax / (TABLE_SIZE - 1);
  const table = new Float64Array(TABLE_SIZE + 1);
  for (let i = 0; i <= TABLE_SIZE; i++) {
    let sum = 0;
    for (let f = 0; f < frequenciesHz.length; f++) sum += airyPowerBeam(i * step, frequenciesHz[f]!);
    table[i] = sum / frequenciesHz.length;
  }
  return { table, step };
}

export interface ImageGrid {
  readonly cards: readonly FitsCard[];
  readonly headerText: string;
  /** FITS order: NAXIS1 (x) first. */
  readonly shape: readonly number[];
}

/** Pixel positions 0, every, 2·every, … and the last pixel: the nodes along one axis (at least two). */
function nodesOf(n: number, every: number): number[] {
  if (n === 1) return [0, 0];
  const nodes: number[] = [];
  for (let p = 0; p < n - 1; p += every) nodes.push(p);
  nodes.push(n - 1);
  return nodes;
}

/** For every pixel along an axis, the node interval it falls in (its first node) and where in it. */
function cellsOf(nodes: readonly number[], n: number): { index: Int32Array; fraction: Float64Array } {
  const index = new Int32Array(n);
  const fraction = new Float64Array(n);
  let k = 0;
  for (let p = 0; p < n; p++) {
    while (k < nodes.length - 2 && p >= nodes[k + 1]!) k++;
    index[p] = k;
    const span = nodes[k + 1]! - nodes[k]!;
    fraction[p] = span > 0 ? (p - nodes[k]!) / span : 0;
  }
  return { index, fraction };
}

const unitVector = (ra: number, dec: number): [number, number, number] => [Math.cos(dec) * Math.cos(ra), Math.cos(dec) * Math.sin(ra), Math.sin(dec)];

/**
 * The power beam for each pixel of the first plane (x fastest), averaged over `sampling` around
 * the reference direction (CRVAL of the celestial axes); 0 where a pixel has no sky position.
 * Also the image's reference frequency.
 */
export async function primaryBeamImage(grid: ImageGrid, file: string, sampling: BeamSampling): Promise<{ pb: Float32Array; frequencyHz: number }> {
  const { cards, shape } = grid;
  const naxis = shape.length;
  const raAxis = axisOf(cards, 'RA--', file);
  const decAxis = axisOf(cards, 'DEC-', file);
  const frequencyHz = numberCard(cards, `CRVAL${axisOf(cards, 'FREQ', file)}`, file);
  const ra0 = numberCard(cards, `CRVAL${raAxis}`, file) * DEG;
  const dec0 = numberCard(cards, `CRVAL${decAxis}`, file) * DEG;
  const [nx, ny] = [shape[0]!, shape[1]!];
  if (sampling.frequenciesHz.length === 0 || sampling.pointingRaOffsetsRad.length === 0) throw new ImageError('bad-input', `${file}: no channel or no integration to average the primary beam over`);
  const pointings = Array.from(sampling.pointingRaOffsetsRad, (dRa) => unitVector(ra0 + dRa, dec0));
  const cellRad = Math.abs(numberCard(cards, `CDELT${decAxis}`, file)) * DEG;
  // Farther than any pixel can be from any pointing: the image's half-diagonal plus the drift.
  const drift = Math.max(...Array.from(sampling.pointingRaOffsetsRad, Math.abs)) * Math.cos(dec0);
  const sinMax = Math.sin(Math.min(Math.PI / 2, 1.1 * (Math.hypot(nx, ny) * 0.5 * cellRad + drift) + DEG));
  const { table, step } = bandAveragedTable(sampling.frequenciesHz, sinMax);
  const beamAt = (sinTheta: number) => {
    const at = Math.min(sinTheta / step, TABLE_SIZE - 1);
    const i = Math.floor(at);
    return table[i]! + (at - i) * (table[i + 1]! - table[i]!);
  };

  // The beam on a grid of nodes NODE_SPACING_RAD apart (every pixel of a coarser image), then bilinear in between.
  const every = Math.max(1, Math.floor(NODE_SPACING_RAD / cellRad));
  const xNodes = nodesOf(nx, every);
  const yNodes = nodesOf(ny, every);
  const pixels = new Float64Array(xNodes.length * yNodes.length * naxis).fill(1); // other axes at their first pixel
  yNodes.forEach((y, j) =>
    xNodes.forEach((x, i) => {
      const at = (j * xNodes.length + i) * naxis;
      pixels[at] = x + 1; // FITS pixels are 1-based
      pixels[at + 1] = y + 1;
    }),
  );
  const world = await wcsTransform(grid.headerText, pixels, naxis, 'toWorld');
  const nodes = new Float64Array(xNodes.length * yNodes.length);
  for (let k = 0; k < nodes.length; k++) {
    const ra = world[k * naxis + raAxis - 1]! * DEG;
    const dec = world[k * naxis + decAxis - 1]! * DEG;
    if (!Number.isFinite(ra) || !Number.isFinite(dec)) continue;
    const [px, py, pz] = unitVector(ra, dec);
    let sum = 0;
    for (const [qx, qy, qz] of pointings) {
      // |p × q| = sin θ, accurate at small angles (unlike √(1 − cos²θ)).
      const cx = py * qz - pz * qy;
      const cy = pz * qx - px * qz;
      const cz = px * qy - py * qx;
      sum += beamAt(Math.sqrt(cx * cx + cy * cy + cz * cz));
    }
    nodes[k] = sum / pointings.length;
  }

  const pb = new Float32Array(nx * ny);
  const xCell = cellsOf(xNodes, nx);
  const yCell = cellsOf(yNodes, ny);
  const width = xNodes.length;
  for (let y = 0; y < ny; y++) {
    const j = yCell.index[y]!;
    const fy = yCell.fraction[y]!;
    for (let x = 0; x < nx; x++) {
      const i = xCell.index[x]!;
      const fx = xCell.fraction[x]!;
      const at = j * width + i;
      const below = nodes[at]! + fx * (nodes[at + 1]! - nodes[at]!);
      const above = nodes[at + width]! + fx * (nodes[at + width + 1]! - nodes[at + width]!);
      pb[y * nx + x] = below + fy * (above - below);
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

/**
 * Checks that a set of UVH5 subband files belongs together and plans the MeasurementSet they make:
 * spectral windows in ascending frequency, the antenna table from the station CSV, one block of
 * Nbls rows per integration.
 */
import { geodeticToEcef, readStations, type Station } from '../stations.js';
import { readHeader, type Uvh5Header, pointingDecRad } from '../uvh5/index.js';
import { ConvertError } from './errors.js';

/** AIPS polarisation codes of the UVH5 file → MS Stokes (CORR_TYPE) codes. */
const CORR_TYPE: Readonly<Record<number, number>> = { [-5]: 9, [-6]: 12, [-7]: 10, [-8]: 11 };

/** Declinations of one group agree to this (≈ 0.2″); the correlator writes one value per pointing. */
const DEC_TOLERANCE_RAD = 1e-6;
/** Integration times of one group agree to 1 ms. */
const TIME_TOLERANCE_DAYS = 1e-3 / 86400;

export interface SubbandPlan {
  readonly file: string;
  /** Channel frequencies in ascending order, Hz. */
  readonly freqHz: Float64Array;
  /** The file stores its channels in descending frequency. */
  readonly descending: boolean;
}

export interface ConversionPlan {
  /** In MS spectral-window order: ascending frequency. */
  readonly subbands: readonly SubbandPlan[];
  readonly nBls: number;
  readonly nTimes: number;
  readonly nChan: number;
  readonly nPols: number;
  readonly corrTypes: Int32Array;
  readonly channelWidthHz: number;
  /** Integration centres, UTC Julian dates. */
  readonly timesJd: Float64Array;
  readonly integrationS: number;
  readonly pointingDecAppRad: number;
  /** Antenna-table rows (the file's antenna_numbers order). */
  readonly antennaNames: readonly string[];
  readonly antennaItrfM: Float64Array;
  /** [nBls] antenna-table indices of each block's rows. */
  readonly ant1: Int32Array;
  readonly ant2: Int32Array;
}

const basename = (path: string) => path.slice(path.lastIndexOf('/') + 1);

function sameArray(a: ArrayLike<number>, b: ArrayLike<number>, tolerance = 0): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i]! - b[i]!) <= tolerance)) return false;
  return true;
}

/** Reads every header and checks the set; throws ConvertError naming the files that disagree. */
export async function planConversion(files: readonly string[], stationsCsv?: string): Promise<ConversionPlan> {
  if (files.length === 0) throw new ConvertError('mismatched-group', [], 'no input files');
  const duplicates = files.filter((f, i) => files.indexOf(f) !== i);
  if (duplicates.length > 0) throw new ConvertError('mismatched-group', duplicates, 'a file is given more than once');
  const headers = await Promise.all(files.map((f) => readHeader(f)));
  const stations = await readStations(stationsCsv);
  return planFromHeaders(files, headers, stations);
}

export function planFromHeaders(files: readonly string[], headers: readonly Uvh5Header[], stations: readonly Station[]): ConversionPlan {
  const first = headers[0]!;
  const f0 = files[0]!;
  const mismatch = (i: number, what: string): never => {
    throw new ConvertError('mismatched-group', [f0, files[i]!], `${basename(files[i]!)} does not belong with ${basename(f0)}: ${what}`);
  };
  const dec0 = pointingDecRad(first);
  if (dec0 === undefined) throw new ConvertError('unsupported-layout', [f0], 'no extra_keywords/phase_center_dec (pointing declination)');

  headers.forEach((h, i) => {
    const dec = pointingDecRad(h);
    if (dec === undefined) mismatch(i, 'no extra_keywords/phase_center_dec (pointing declination)');
    else if (Math.abs(dec - dec0) > DEC_TOLERANCE_RAD) mismatch(i, `pointing declination ${dec} rad differs from ${dec0} rad`);
    for (const dim of ['Nbls', 'Ntimes', 'Nblts', 'Nfreqs', 'Npols'] as const) {
      if (h[dim] !== first[dim]) mismatch(i, `${dim} is ${h[dim]}, not ${first[dim]}`);
    }
    if (!sameArray(h.polarization_array, first.polarization_array)) mismatch(i, 'different polarisations');
    if (!sameArray(h.antenna_numbers, first.antenna_numbers)) mismatch(i, 'different antenna numbers');
    if (!sameArray(h.ant_1_array, first.ant_1_array) || !sameArray(h.ant_2_array, first.ant_2_array)) mismatch(i, 'different baselines (antenna sets)');
    if (!sameArray(h.time_array, first.time_array, TIME_TOLERANCE_DAYS)) mismatch(i, 'different integration times');
    if (Math.abs(Math.abs(h.channel_width[0]!) - Math.abs(first.channel_width[0]!)) > 1e-6) mismatch(i, 'different channel widths');
  });

  const { Nbls: nBls, Ntimes: nTimes, Nfreqs: nChan, Npols: nPols } = first;
  const corr = Array.from(first.polarization_array, (p) => CORR_TYPE[p]);
  if (corr.some((c) => c === undefined)) {
    throw new ConvertError('unsupported-layout', [f0], `polarisations [${Array.from(first.polarization_array).join(', ')}] are not linear (XX, YY, XY, YX)`);
  }
  // Rows must be time-major blocks of the same Nbls baselines.
  const { time_array: time, ant_1_array: a1, ant_2_array: a2 } = first;
  if (first.Nblts !== nBls * nTimes) throw new ConvertError('unsupported-layout', [f0], `Nblts ${first.Nblts} is not Nbls·Ntimes`);
  for (let t = 0; t < nTimes; t++) {
    for (let b = 0; b < nBls; b++) {
      const r = t * nBls + b;
      if (time[r] !== time[t * nBls] || a1[r] !== a1[b] || a2[r] !== a2[b]) {
        throw new ConvertError('unsupported-layout', [f0], `row ${r} breaks the time-major layout (one block of ${nBls} baselines per integration)`);
      }
    }
  }

  // Spectral windows: each file evenly spaced, monotonic; sorted ascending; no overlaps.
  const subbands = headers.map((h, i): SubbandPlan & { lo: number; hi: number } => {
    const f = h.freq_array;
    const descending = nChan > 1 && f[1]! < f[0]!;
    const ascending = descending ? Float64Array.from(f).reverse() : Float64Array.from(f);
    for (let k = 1; k < nChan; k++) {
      if (!(ascending[k]! > ascending[k - 1]!)) throw new ConvertError('unsupported-layout', [files[i]!], `frequencies are not monotonic at channel ${k}`);
    }
    const half = Math.abs(h.channel_width[0]!) / 2;
    return { file: files[i]!, freqHz: ascending, descending, lo: ascending[0]! - half, hi: ascending[nChan - 1]! + half };
  });
  subbands.sort((a, b) => a.lo - b.lo);
  for (let s = 1; s < subbands.length; s++) {
    const [prev, cur] = [subbands[s - 1]!, subbands[s]!];
    if (cur.lo < prev.hi - 1e-3) {
      throw new ConvertError(
        'mismatched-group',
        [prev.file, cur.file],
        `${basename(prev.file)} and ${basename(cur.file)} overlap in frequency (${(prev.lo / 1e6).toFixed(4)}–${(prev.hi / 1e6).toFixed(4)} and ${(cur.lo / 1e6).toFixed(4)}–${(cur.hi / 1e6).toFixed(4)} MHz)`,
      );
    }
  }

  // Antennas: every antenna number of the files from the station table.
  const byNumber = new Map(stations.map((s) => [s.number, s]));
  const antennaItrfM = new Float64Array(first.Nants_telescope * 3);
  const antennaNames: string[] = [];
  const indexOf = new Map<number, number>();
  first.antenna_numbers.forEach((n, i) => {
    const station = byNumber.get(n);
    if (!station) throw new ConvertError('unsupported-layout', [f0], `antenna number ${n} is not in the station table`);
    antennaItrfM.set(geodeticToEcef(station.latitudeDeg, station.longitudeDeg, station.heightM), 3 * i);
    antennaNames.push(station.name);
    indexOf.set(n, i);
  });
  const index = (n: number) => indexOf.get(n)!;

  return {
    subbands: subbands.map(({ file, freqHz, descending }) => ({ file, freqHz, descending })),
    nBls,
    nTimes,
    nChan,
    nPols,
    corrTypes: Int32Array.from(corr as number[]),
    channelWidthHz: Math.abs(first.channel_width[0]!),
    timesJd: Float64Array.from({ length: nTimes }, (_, t) => time[t * nBls]!),
    integrationS: first.integration_time[0]!,
    pointingDecAppRad: dec0,
    antennaNames,
    antennaItrfM,
    ant1: Int32Array.from(a1.subarray(0, nBls), index),
    ant2: Int32Array.from(a2.subarray(0, nBls), index),
  };
}

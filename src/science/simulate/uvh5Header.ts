/**
 * The `Header/` of a simulated raw DSA-110 file, laid out as the correlator's writer lays it out
 * (dsa110-meridian-fs): UVH5 before phase-centre catalogs, `phase_type` "drift", uvw_array float32,
 * freq_array [1, Nfreqs], a scalar channel_width, and the pointing in `extra_keywords`.
 */
import type { Hdf5Dataset } from '../../../native/index.js';
import { DISH_DIAMETER_M, OVRO, TELESCOPE_NAME } from '../site.js';
import { relativeEcef, type Station } from '../stations.js';
import { BAND, INTEGRATION_S, POLARIZATIONS } from './layout.js';

/** What is the same in all the files of a group. */
export interface GroupHeader {
  /** Every station of the array (Nants_telescope). */
  readonly stations: readonly Station[];
  /** Station numbers of the antennas with data, in index order. */
  readonly antennaNumbers: readonly number[];
  readonly ant1: Int32Array;
  readonly ant2: Int32Array;
  /** [Nbls, 3] baseline uvw, m; constant in time (meridian phase centre). */
  readonly baselineUvwM: Float64Array;
  /** Integration centres, UTC Julian dates. */
  readonly timesJd: Float64Array;
  readonly pointingDecRad: number;
  readonly objectName: string;
  readonly history: string;
}

const scalar = (path: string, value: number): Hdf5Dataset => ({ path, shape: [], data: Float64Array.of(value) });
const count = (path: string, value: number): Hdf5Dataset => ({ path, shape: [], data: BigInt64Array.of(BigInt(value)) });
const text = (path: string, value: string): Hdf5Dataset => ({ path, shape: [], data: [value] });
const integers = (values: ArrayLike<number>) => BigInt64Array.from(Array.from(values), (v) => BigInt(v));

/**
 * The group's Header/ datasets, built once; the returned function gives those of one subband file
 * with channel frequencies `freqHz` (descending).
 */
export function uvh5Header(group: GroupHeader): (freqHz: Float64Array) => Hdf5Dataset[] {
  const nBls = group.ant1.length;
  const nTimes = group.timesJd.length;
  const nBlts = nBls * nTimes;
  const nTel = group.stations.length;
  const repeat = <T extends Float64Array | Float32Array>(make: (n: number) => T, perBaseline: ArrayLike<number>, width: number): T => {
    const out = make(nBlts * width);
    for (let t = 0; t < nTimes; t++) out.set(perBaseline, t * nBls * width);
    return out;
  };
  const number = (indices: Int32Array) => Array.from(indices, (i) => group.antennaNumbers[i]!);
  const shared: Hdf5Dataset[] = [
    scalar('Header/latitude', OVRO.latitudeDeg),
    scalar('Header/longitude', OVRO.longitudeDeg),
    scalar('Header/altitude', OVRO.heightM),
    text('Header/telescope_name', TELESCOPE_NAME),
    text('Header/instrument', 'DSA'),
    text('Header/object_name', group.objectName),
    text('Header/history', group.history),
    text('Header/phase_type', 'drift'),
    text('Header/vis_units', 'uncalib'),
    count('Header/Nants_data', group.antennaNumbers.length),
    count('Header/Nants_telescope', nTel),
    count('Header/Nbls', nBls),
    count('Header/Nblts', nBlts),
    count('Header/Npols', POLARIZATIONS.length),
    count('Header/Nspws', 1),
    count('Header/Ntimes', nTimes),
    { path: 'Header/antenna_numbers', shape: [nTel], data: integers(group.stations.map((s) => s.number)) },
    { path: 'Header/antenna_names', shape: [nTel], data: group.stations.map((s) => s.name) },
    { path: 'Header/antenna_positions', shape: [nTel, 3], data: Float64Array.from(group.stations.flatMap((s) => relativeEcef(s))) },
    { path: 'Header/antenna_diameters', shape: [nTel], data: new Float64Array(nTel).fill(DISH_DIAMETER_M) },
    scalar('Header/channel_width', BAND.channelWidthHz),
    { path: 'Header/spw_array', shape: [1], data: integers([1]) },
    { path: 'Header/polarization_array', shape: [POLARIZATIONS.length], data: integers(POLARIZATIONS) },
    { path: 'Header/time_array', shape: [nBlts], data: Float64Array.from({ length: nBlts }, (_, r) => group.timesJd[Math.floor(r / nBls)]!) },
    { path: 'Header/integration_time', shape: [nBlts], data: new Float64Array(nBlts).fill(INTEGRATION_S) },
    { path: 'Header/uvw_array', shape: [nBlts, 3], data: repeat((n) => new Float32Array(n), group.baselineUvwM, 3) },
    { path: 'Header/ant_1_array', shape: [nBlts], data: integers(repeat((n) => new Float64Array(n), number(group.ant1), 1)) },
    { path: 'Header/ant_2_array', shape: [nBlts], data: integers(repeat((n) => new Float64Array(n), number(group.ant2), 1)) },
    scalar('Header/extra_keywords/phase_center_dec', group.pointingDecRad),
    scalar('Header/extra_keywords/ha_phase_center', 0),
    // The pointing is an hour angle and a declination of date, not J2000 coordinates.
    text('Header/extra_keywords/phase_center_epoch', 'HADEC'),
  ];
  return (freqHz) => [
    ...shared,
    count('Header/Nfreqs', freqHz.length),
    { path: 'Header/freq_array', shape: [1, freqHz.length], data: freqHz },
  ];
}

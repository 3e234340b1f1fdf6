/**
 * The UVH5 data model: the `Header/` of a UVH5 file as one typed readonly structure, and the
 * shapes of the `Data/` arrays. Every field is declared once, in FIELDS, with its meaning, unit
 * and shape in named dimensions; the Uvh5Header type is derived from that table.
 */
import { Uvh5Error } from './errors.js';

export const DIMENSIONS = ['Nblts', 'Nbls', 'Ntimes', 'Nfreqs', 'Npols', 'Nspws', 'Nants_data', 'Nants_telescope'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** An axis of an array: a named dimension or a fixed length (3 for x, y, z). */
export type Axis = Dimension | number;

/** A value of `extra_keywords` or of a phase-centre catalog entry; null for an empty (H5S_NULL) dataset. */
export type KeywordValue = number | string | boolean | null | readonly (number | string | boolean)[];
export type Keywords = Readonly<Record<string, KeywordValue>>;

interface ValueTypes {
  count: number;
  number: number;
  text: string;
  float64: Float64Array;
  int32: Int32Array;
  strings: readonly string[];
  keywords: Keywords;
  /** Phase-centre catalog: catalog id → that centre's keywords (cat_name, cat_type, cat_lon, cat_lat, cat_frame, ...). */
  catalog: Readonly<Record<string, Keywords>>;
}
type Kind = keyof ValueTypes;

export interface FieldSpec {
  readonly kind: Kind;
  readonly meaning: string;
  readonly unit?: string;
  /** Shape in the model (row-major, slowest axis first); [] for a scalar. */
  readonly dims: readonly Axis[];
  /** Other shapes older UVH5 writers use on disk, converted to `dims` on read ([] = one value for every element). */
  readonly legacyShapes?: readonly (readonly Axis[])[];
  /** Absent fields are rejected. */
  readonly required: boolean;
  /**
   * Largest |difference| (in `unit`) at which two readings of one file agree: 0 except where a
   * reader round-trips the value (pyuvdata converts the site through ECEF).
   */
  readonly tolerance: number;
}

const dimension = (meaning: string) => ({ kind: 'count', meaning, dims: [], required: true, tolerance: 0 }) as const;

/** Every field of `Header/`, by its UVH5 name. */
export const FIELDS = {
  Nblts: dimension('baseline-times: rows of every per-row array; Nbls·Ntimes when every baseline has every time'),
  Nbls: dimension('distinct baselines (antenna pairs, autocorrelations included)'),
  Ntimes: dimension('distinct integration times'),
  Nfreqs: dimension('frequency channels'),
  Npols: dimension('polarisation products'),
  Nspws: dimension('spectral windows'),
  Nants_data: dimension('distinct antennas in ant_1_array and ant_2_array'),
  Nants_telescope: dimension('antennas described by the antenna_* arrays'),

  latitude: { kind: 'number', meaning: 'telescope geodetic latitude (WGS84)', unit: 'deg', dims: [], required: true, tolerance: 1e-9 },
  longitude: { kind: 'number', meaning: 'telescope geodetic longitude (WGS84), east positive', unit: 'deg', dims: [], required: true, tolerance: 1e-9 },
  altitude: { kind: 'number', meaning: 'telescope height above the WGS84 ellipsoid', unit: 'm', dims: [], required: true, tolerance: 1e-6 },
  telescope_name: { kind: 'text', meaning: 'telescope name', dims: [], required: true, tolerance: 0 },
  instrument: { kind: 'text', meaning: 'receiver or backend name', dims: [], required: false, tolerance: 0 },
  phase_type: { kind: 'text', meaning: "'drift' or 'phased' (UVH5 before phase_center_catalog)", dims: [], required: false, tolerance: 0 },

  time_array: { kind: 'float64', meaning: 'centre time of each row, Julian date (UTC)', unit: 'JD', dims: ['Nblts'], required: true, tolerance: 0 },
  integration_time: { kind: 'float64', meaning: 'integration time of each row', unit: 's', dims: ['Nblts'], required: true, tolerance: 0 },
  uvw_array: {
    kind: 'float64',
    meaning: 'baseline coordinates of each row, xyz(ant_2) − xyz(ant_1); float32 on disk is promoted',
    unit: 'm',
    dims: ['Nblts', 3],
    required: true,
    tolerance: 0,
  },
  ant_1_array: { kind: 'int32', meaning: 'first antenna number of each row', dims: ['Nblts'], required: true, tolerance: 0 },
  ant_2_array: { kind: 'int32', meaning: 'second antenna number of each row', dims: ['Nblts'], required: true, tolerance: 0 },
  freq_array: { kind: 'float64', meaning: 'channel centre frequencies', unit: 'Hz', dims: ['Nfreqs'], legacyShapes: [[1, 'Nfreqs']], required: true, tolerance: 0 },
  channel_width: { kind: 'float64', meaning: 'channel widths', unit: 'Hz', dims: ['Nfreqs'], legacyShapes: [[]], required: true, tolerance: 0 },
  spw_array: { kind: 'int32', meaning: 'spectral window ids', dims: ['Nspws'], required: true, tolerance: 0 },
  flex_spw_id_array: { kind: 'int32', meaning: 'spectral window id of each channel (needed when Nspws > 1)', dims: ['Nfreqs'], required: false, tolerance: 0 },
  polarization_array: {
    kind: 'int32',
    meaning: 'polarisation products, AIPS codes (−5 XX, −6 YY, −7 XY, −8 YX; 1–4 Stokes I, Q, U, V)',
    dims: ['Npols'],
    required: true,
    tolerance: 0,
  },
  antenna_numbers: { kind: 'int32', meaning: 'antenna numbers, as used by ant_1_array and ant_2_array', dims: ['Nants_telescope'], required: true, tolerance: 0 },
  antenna_names: { kind: 'strings', meaning: 'antenna names, in antenna_numbers order', dims: ['Nants_telescope'], required: true, tolerance: 0 },
  antenna_positions: {
    kind: 'float64',
    meaning: 'antenna positions, ECEF relative to the telescope location',
    unit: 'm',
    dims: ['Nants_telescope', 3],
    required: true,
    tolerance: 0,
  },
  antenna_diameters: { kind: 'float64', meaning: 'dish diameters', unit: 'm', dims: ['Nants_telescope'], required: false, tolerance: 0 },
  phase_center_id_array: { kind: 'int32', meaning: 'phase_center_catalog id of each row', dims: ['Nblts'], required: false, tolerance: 0 },
  phase_center_catalog: { kind: 'catalog', meaning: 'phase centres by catalog id (UVH5 from pyuvdata 3)', dims: [], required: false, tolerance: 0 },
  extra_keywords: {
    kind: 'keywords',
    meaning: 'free-form keywords; DSA-110: phase_center_dec (pointing declination, rad), ha_phase_center (rad), phase_center_epoch',
    dims: [],
    required: false,
    tolerance: 0,
  },
} as const satisfies Record<string, FieldSpec>;

export type FieldName = keyof typeof FIELDS;
type Fields = typeof FIELDS;
type RequiredName = { [N in FieldName]: Fields[N]['required'] extends true ? N : never }[FieldName];
type OptionalName = Exclude<FieldName, RequiredName>;

/** The UVH5 header, fields named as in the file. */
export type Uvh5Header = { readonly [N in RequiredName]: ValueTypes[Fields[N]['kind']] } & {
  readonly [N in OptionalName]?: ValueTypes[Fields[N]['kind']];
};

const DATA_DIMS = ['Nblts', 'Nfreqs', 'Npols'] as const;
/** Older writers add a spectral-window axis of length 1. */
const LEGACY_DATA_DIMS = ['Nblts', 1, 'Nfreqs', 'Npols'] as const;

/**
 * The `Data/` arrays. In memory each is row-major [Nblts, Nfreqs, Npols]: polarisation fastest,
 * then channel, then row (the MeasurementSet cell order); visibilities add a last axis of 2 (re, im).
 */
export const DATA_FIELDS = {
  visdata: {
    meaning: 'visibilities in vis_units, as correlated (nothing conjugated on read); on disk a compound {r, i} of float32, float64 or int32',
    dims: DATA_DIMS,
    legacyShapes: [LEGACY_DATA_DIMS],
  },
  flags: { meaning: 'true where a visibility is flagged; on disk h5py bool (or bytes), often LZF-compressed', dims: DATA_DIMS, legacyShapes: [LEGACY_DATA_DIMS] },
  nsamples: {
    meaning: 'samples averaged into each visibility, relative to a full integration; on disk float32, often LZF-compressed',
    dims: DATA_DIMS,
    legacyShapes: [LEGACY_DATA_DIMS],
  },
} as const;

export function resolveShape(dims: readonly Axis[], header: Pick<Uvh5Header, Dimension>): number[] {
  return dims.map((axis) => (typeof axis === 'number' ? axis : header[axis]));
}

/** The pointing declination of a DSA-110 file (extra_keywords/phase_center_dec), in radians. */
export function pointingDecRad(header: Uvh5Header): number | undefined {
  const dec = header.extra_keywords?.['phase_center_dec'];
  return typeof dec === 'number' ? dec : undefined;
}

/**
 * Checks the whole header: required fields present, dimensions positive integers, every array as
 * long as its named dimensions say, counts consistent with the per-row arrays, and every antenna
 * reference in antenna_numbers. Throws Uvh5Error naming `file` and the first offending field.
 */
export function checkHeader(header: Uvh5Header, file: string): void {
  const fail = (code: 'missing-field' | 'wrong-shape' | 'inconsistent', field: string, detail: string): never => {
    throw new Uvh5Error(code, file, `Header/${field}`, detail);
  };
  const fields = header as Readonly<Record<string, unknown>>;
  for (const [name, spec] of Object.entries(FIELDS) as [FieldName, FieldSpec][]) {
    if (spec.required && fields[name] === undefined) fail('missing-field', name, 'required field is absent');
  }
  for (const name of DIMENSIONS) {
    if (!Number.isSafeInteger(header[name]) || header[name] < 1) fail('inconsistent', name, `must be a positive integer, is ${header[name]}`);
  }
  for (const [name, spec] of Object.entries(FIELDS) as [FieldName, FieldSpec][]) {
    const value = fields[name];
    if (spec.dims.length === 0 || value === undefined) continue;
    const shape = resolveShape(spec.dims, header);
    const expected = shape.reduce((a, b) => a * b, 1);
    const length = (value as ArrayLike<unknown>).length;
    if (length !== expected) fail('wrong-shape', name, `has ${length} values, expected ${expected} for [${spec.dims.join(', ')}] = [${shape.join(', ')}]`);
  }

  const { Nblts, Nbls, Ntimes, Nspws, Nants_data, Nants_telescope } = header;
  if (Nblts > Nbls * Ntimes) fail('inconsistent', 'Nblts', `${Nblts} rows exceed Nbls·Ntimes = ${Nbls}·${Ntimes}`);
  if (Nspws > 1 && header.flex_spw_id_array === undefined) fail('missing-field', 'flex_spw_id_array', `required when Nspws = ${Nspws}`);

  if (header.antenna_numbers.some((n) => n < 0 || n > MAX_ANTENNA_NUMBER)) {
    fail('inconsistent', 'antenna_numbers', `antenna numbers must be in [0, ${MAX_ANTENNA_NUMBER}]`);
  }
  if (new Set(header.antenna_numbers).size !== Nants_telescope) fail('inconsistent', 'antenna_numbers', 'antenna numbers are not distinct');
  const { antennas, baselines, times, unknownAntenna } = rowCounts(header);
  if (unknownAntenna) fail('inconsistent', unknownAntenna.field, `row ${unknownAntenna.row}: antenna ${unknownAntenna.number} is not in antenna_numbers`);
  if (antennas !== Nants_data) fail('inconsistent', 'Nants_data', `is ${Nants_data}, but the rows use ${antennas} antennas`);
  if (baselines !== Nbls) fail('inconsistent', 'Nbls', `is ${Nbls}, but the rows hold ${baselines} baselines`);
  if (times !== Ntimes) fail('inconsistent', 'Ntimes', `is ${Ntimes}, but time_array holds ${times} distinct times`);
}

/** Antenna numbers index a lookup table in rowCounts; real arrays number their antennas below a few thousand. */
const MAX_ANTENNA_NUMBER = 1 << 20;

interface RowCounts {
  readonly antennas: number;
  readonly baselines: number;
  readonly times: number;
  readonly unknownAntenna?: { readonly field: 'ant_1_array' | 'ant_2_array'; readonly row: number; readonly number: number };
}

/** Distinct antennas, baselines and times over the rows (a tight loop: 111,744 rows per DSA-110 file). */
function rowCounts({ antenna_numbers, ant_1_array: ant1, ant_2_array: ant2, time_array: time, Nants_telescope: nAnts }: Uvh5Header): RowCounts {
  const indexOfNumber = new Int32Array(Math.max(...antenna_numbers) + 1).fill(-1);
  antenna_numbers.forEach((n, i) => (indexOfNumber[n] = i));
  const antennaSeen = new Uint8Array(nAnts);
  const baselineSeen = new Uint8Array(nAnts * nAnts);
  const times = new Set<number>();
  let baselines = 0;
  for (let row = 0; row < ant1.length; row++) {
    const a1 = indexOfNumber[ant1[row]!] ?? -1;
    const a2 = indexOfNumber[ant2[row]!] ?? -1;
    if (a1 < 0 || a2 < 0) {
      const field = a1 < 0 ? 'ant_1_array' : 'ant_2_array';
      return { antennas: 0, baselines: 0, times: 0, unknownAntenna: { field, row, number: (a1 < 0 ? ant1 : ant2)[row]! } };
    }
    antennaSeen[a1] = 1;
    antennaSeen[a2] = 1;
    const pair = a1 * nAnts + a2;
    baselines += 1 - baselineSeen[pair]!;
    baselineSeen[pair] = 1;
    if (row === 0 || time[row] !== time[row - 1]) times.add(time[row]!);
  }
  return { antennas: antennaSeen.reduce((a, b) => a + b, 0), baselines, times: times.size };
}

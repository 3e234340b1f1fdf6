/**
 * Our reader against pyuvdata 3.2.8's reading of the same files: every header field and every
 * data value.
 *
 * What pyuvdata does on `UVData.from_file(path)` (default options and checks), and so what is
 * compared with what:
 * - nothing is reordered or conjugated: rows keep the file's order, visibilities its sign;
 * - data_array is [Nblts, Nfreqs, Npols] (the legacy spectral-window axis of 4-D files squeezed),
 *   like ours; complex64 and int32 files become complex128 or stay complex64: compared exactly
 *   with our float64 values, or with float32(pyuvdata) where we return float32;
 * - freq_array becomes [Nfreqs] and channel_width per channel, like ours;
 * - the site goes through ECEF, so latitude/longitude/altitude agree to the FIELDS tolerances;
 * - fix_autos zeroes the imaginary part of XX/YY autocorrelations (the synthetic files write them real);
 * - float32 uvw_array (the DSA-110 raw layout) fails pyuvdata's default type check: the oracle
 *   then reads without checks, promotes uvw_array to float64 and runs the default check itself;
 * - without phase_center_catalog in the file, pyuvdata makes one from phase_type ('drift' →
 *   one 'unprojected' centre) and fills phase_center_id_array and flex_spw_id_array.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIMENSIONS, FIELDS, pointingDecRad, readBlocks, readHeader, type Uvh5Header, type VisibilityBlock } from '../../../src/science/uvh5/index.js';
import { concatBlocks, expectValues, makeSynthetic, readWithPyuvdata, REAL_FILES, type PyuvdataReading } from './support.js';

const SYNTHETIC = {
  dsa110: {},
  threeD: { layout: '3d', vis: 'complex128', uvw: 'float64', freq_shape: '1d', channel_width: 'array', npols: 4 },
  int32: { vis: 'int32' },
  lzf: { flags: 'bool-lzf', nsamples: 'float32-lzf' },
  pyuvdataWritten: { writer: 'pyuvdata', uvw: 'float64' },
} as const;

interface Case {
  readonly name: string;
  readonly file: () => string;
  readonly visibilities: typeof Float32Array | typeof Float64Array;
  readonly uvwPromoted: boolean;
  /** Rows per block; chosen not to divide Nblts, so the last block is short. */
  readonly rowsPerBlock?: number;
}

const dir = mkdtempSync(join(tmpdir(), 'contimg-uvh5-'));
let synthetic: Record<keyof typeof SYNTHETIC, string>;
const CASES: Case[] = [
  { name: 'HERA (4-D, complex128, LZF flags and nsamples)', file: () => REAL_FILES.hera, visibilities: Float64Array, uvwPromoted: false, rowsPerBlock: 7 },
  { name: 'MWA (8,256 baselines, 4 pols, big-endian antenna_numbers)', file: () => REAL_FILES.mwa, visibilities: Float64Array, uvwPromoted: false },
  { name: 'DSA-110 style (4-D, complex64, bool flags, float32 uvw)', file: () => synthetic.dsa110, visibilities: Float32Array, uvwPromoted: true, rowsPerBlock: 50 },
  { name: '3-D, complex128, [Nfreqs] freq_array, per-channel widths', file: () => synthetic.threeD, visibilities: Float64Array, uvwPromoted: false },
  { name: 'int32 visdata', file: () => synthetic.int32, visibilities: Float32Array, uvwPromoted: true },
  { name: 'LZF flags and nsamples', file: () => synthetic.lzf, visibilities: Float32Array, uvwPromoted: true, rowsPerBlock: 1 },
  { name: 'written by pyuvdata 3 (3-D, phase_center_catalog)', file: () => synthetic.pyuvdataWritten, visibilities: Float32Array, uvwPromoted: false },
];

const readings = new Map<string, { header: Uvh5Header; blocks: VisibilityBlock[]; pyuvdata: PyuvdataReading }>();

beforeAll(async () => {
  synthetic = await makeSynthetic(dir, SYNTHETIC);
  const files = CASES.map((c) => c.file());
  const pyuvdata = await readWithPyuvdata(join(dir, 'pyuvdata'), files);
  for (const [i, c] of CASES.entries()) {
    const blocks: VisibilityBlock[] = [];
    for await (const block of readBlocks(files[i]!, c.rowsPerBlock === undefined ? {} : { rowsPerBlock: c.rowsPerBlock })) blocks.push(block);
    readings.set(c.name, { header: await readHeader(files[i]!), blocks, pyuvdata: pyuvdata[i]! });
  }
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(CASES)('$name', (c) => {
  const reading = () => readings.get(c.name)!;

  it('has pyuvdata’s dimensions, site, telescope and antennas', () => {
    const { header, pyuvdata } = reading();
    for (const name of DIMENSIONS) expect(header[name], name).toBe(name === 'Nants_telescope' ? pyuvdata.Nants_telescope : pyuvdata.dims[name]);
    expect(Math.abs(header.latitude - pyuvdata.latitude_deg)).toBeLessThanOrEqual(FIELDS.latitude.tolerance);
    expect(Math.abs(header.longitude - pyuvdata.longitude_deg)).toBeLessThanOrEqual(FIELDS.longitude.tolerance);
    expect(Math.abs(header.altitude - pyuvdata.altitude_m)).toBeLessThanOrEqual(FIELDS.altitude.tolerance);
    expect(header.telescope_name).toBe(pyuvdata.telescope_name);
    expect(header.instrument).toBe(pyuvdata.instrument);
    expect(header.antenna_names).toEqual(pyuvdata.antenna_names);
    expect(header.antenna_diameters === undefined).toBe(pyuvdata.array('antenna_diameters') === undefined);
  });

  it('has pyuvdata’s per-row, frequency, polarisation and antenna arrays', () => {
    const { header, pyuvdata } = reading();
    const arrays = [
      'time_array',
      'integration_time',
      'uvw_array',
      'ant_1_array',
      'ant_2_array',
      'freq_array',
      'channel_width',
      'spw_array',
      'polarization_array',
      'antenna_numbers',
      'antenna_positions',
      'antenna_diameters',
    ] as const;
    for (const name of arrays) {
      const ours = header[name];
      if (ours !== undefined) expectValues(name, ours, pyuvdata.array(name), FIELDS[name].tolerance);
    }
    expectValues('flex_spw_id_array', header.flex_spw_id_array ?? new Int32Array(header.Nfreqs).fill(header.spw_array[0]!), pyuvdata.array('flex_spw_id_array'));
    expect(pyuvdata.uvw_promoted, 'pyuvdata needed uvw_array promoted to float64').toBe(c.uvwPromoted);
  });

  it('has pyuvdata’s keywords and phase centres', () => {
    const { header, pyuvdata } = reading();
    expect(header.extra_keywords ?? {}).toEqual(pyuvdata.extra_keywords);
    if (header.phase_center_catalog === undefined) {
      expect(header.phase_type).toBe('drift');
      expect(Object.values(pyuvdata.phase_center_catalog).map((centre) => centre['cat_type'])).toEqual(['unprojected']);
      expectValues('phase_center_id_array', new Float64Array(header.Nblts), pyuvdata.array('phase_center_id_array'));
    } else {
      expect(header.phase_center_catalog).toEqual(pyuvdata.phase_center_catalog);
      expectValues('phase_center_id_array', header.phase_center_id_array!, pyuvdata.array('phase_center_id_array'));
    }
  });

  it('reads every visibility, flag and nsample as pyuvdata does, block by block', () => {
    const { header, blocks, pyuvdata } = reading();
    const rowsPerBlock = c.rowsPerBlock ?? header.Nbls;
    expect(blocks.map((b) => b.firstRow)).toEqual(Array.from({ length: Math.ceil(header.Nblts / rowsPerBlock) }, (_, i) => i * rowsPerBlock));
    for (const block of blocks) expect(block.visibilities).toBeInstanceOf(c.visibilities);
    const data = concatBlocks(blocks);
    const reference = pyuvdata.array('data_array')!;
    expectValues('visdata', data.visibilities, c.visibilities === Float32Array ? reference.map(Math.fround) : reference);
    expectValues('flags', data.flags, pyuvdata.array('flag_array'));
    expectValues('nsamples', data.nsamples, pyuvdata.array('nsample_array'));
  });
});

it('gives the DSA-110 pointing declination from extra_keywords/phase_center_dec', () => {
  expect(pointingDecRad(readings.get(CASES[2]!.name)!.header)).toBeCloseTo((54.5734 * Math.PI) / 180, 15);
  expect(pointingDecRad(readings.get(CASES[0]!.name)!.header)).toBeUndefined();
});

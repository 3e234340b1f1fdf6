import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApparentFrame } from '../../../src/science/simulate/apparent.js';
import { BAND, INTEGRATION_S, jdFromUnixMs, subbandFrequenciesHz } from '../../../src/science/simulate/layout.js';
import { simulate, type SimulateOptions } from '../../../src/science/simulate/simulate.js';
import type { Truth } from '../../../src/science/simulate/truth.js';
import { readStations, relativeEcef } from '../../../src/science/stations.js';
import { contimg } from '../../support/cli.js';
import { runOracle } from '../../support/oracle.js';

interface Moments {
  n: number;
  mean: number;
  std: number;
  excess_kurtosis: number;
}

/** test/oracles/sim_read.py's summary of one file. */
interface PyuvdataSummary {
  file: string;
  warnings: string[];
  dims: Record<'Nblts' | 'Nbls' | 'Ntimes' | 'Nfreqs' | 'Npols' | 'Nspws' | 'Nants_data', number>;
  Nants_telescope: number;
  telescope_name: string;
  latitude_deg: number;
  longitude_deg: number;
  altitude_m: number;
  antenna_names: string[];
  antenna_numbers: number[];
  antenna_positions: number[][];
  antenna_diameters: number[];
  freq_array: number[];
  channel_width: number[];
  polarization_array: number[];
  unique_times_jd: number[];
  integration_time: number[];
  phase_center_catalog: Record<string, string>;
  extra_keywords: Record<string, number | string>;
  raw: Record<'visdata' | 'flags' | 'nsamples' | 'uvw_array', { dtype: string; shape: number[] }>;
  data_dtype: string;
  flag_dtype: string;
  nsample_values: number[];
  uvw_equals_stored_float32: boolean;
  max_abs_auto_uvw: number;
  ant_pairs_first: [number, number][];
  per_antenna: Record<string, { all_flagged: boolean; any_flagged: boolean; all_zero: boolean }>;
  autos: { max_abs_imag: number; min_real_unflagged: number | null };
  cross_re: Moments;
  cross_im: Moments;
  auto_re: Moments;
  per_integration: { max_abs_imag: number; min_real: number; max_real: number }[];
}

interface PolarisationComparison {
  amplitude_ratio_min: number;
  amplitude_ratio_max: number;
  offset_arcsec: [number, number];
  phase_residual_max_rad: number;
  max_rel_difference: number;
  auto_max_rel_difference: number;
  max_uv_wavelengths: number;
}

const START = new Date('2026-01-25T22:03:39Z');
const DEC_DEG = 16.27;
const FILE_NAME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)_sb(\d\d)\.hdf5$/;
/** Only the uvw check that any meridian-phased "drift" file trips (pyuvdata expects zenith uvws). */
const UVW_WARNING = /^The uvw_array does not match the expected values given the antenna positions/;

const readTruth = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Truth;
const pyuvdata = async (files: string[]) => JSON.parse(await runOracle('sim_read.py', files)) as PyuvdataSummary[];

/** A quiet run: no catalogs, noise, gains, RFI or dead antennas unless asked for. */
function quiet(outDir: string, extra: Partial<SimulateOptions> = {}): SimulateOptions {
  return { outDir, start: START, decDeg: DEC_DEG, antennas: 10, channels: 8, integrations: 4, subbands: 2, catalogs: [], noise: false, gains: false, rfi: false, deadAntennas: 0, ...extra };
}

/** The J2000 position of the phase centre (hour angle 0, Dec DEC_DEG of date) at integration t of a run starting at START. */
function phaseCentreJ2000(t: number) {
  const frame = new ApparentFrame(jdFromUnixMs(START.getTime() + (t + 0.5) * INTEGRATION_S * 1000));
  const { raRad, decRad } = frame.astrometric(frame.lstRad, (DEC_DEG * Math.PI) / 180);
  return { raDeg: (raRad * 180) / Math.PI, decDeg: (decRad * 180) / Math.PI };
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'contimg-simulate-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('contimg simulate, everything on (2 groups, 10 antennas, 8 channels, 4 integrations)', () => {
  let out = '';
  let files: string[] = [];
  let truths: Truth[] = [];
  let read: PyuvdataSummary[] = [];
  let stdout = '';

  beforeAll(async () => {
    out = join(dir, 'full');
    const result = await contimg(['--log-level', 'warn', 'simulate', '--out', out, '--groups', '2', '--antennas', '10', '--channels', '8', '--integrations', '4', '--seed', '7']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    stdout = result.stdout;
    const names = readdirSync(out);
    files = names.filter((n) => n.endsWith('.hdf5')).sort().map((n) => join(out, n));
    truths = names.filter((n) => n.endsWith('_truth.json')).sort().map((n) => readTruth(join(out, n)));
    read = await pyuvdata(files);
  });

  it('writes groups of 16 subband files with jittered name timestamps and a truth file named after the earliest', () => {
    expect(files).toHaveLength(32);
    expect(truths.map((t) => t.groupIndex)).toEqual([0, 1]);
    for (const truth of truths) {
      expect(truth.files.map((f) => FILE_NAME.exec(f)?.[2])).toEqual(Array.from({ length: 16 }, (_, i) => String(i).padStart(2, '0')));
      const stamps = truth.files.map((f) => Date.parse(`${f.slice(0, 19)}Z`));
      const start = Date.parse(truth.observation.startUtc);
      expect(Math.min(...stamps) - start).toBeGreaterThanOrEqual(-1000);
      expect(Math.max(...stamps) - start).toBeLessThan(5000);
      expect(new Set(stamps).size).toBeGreaterThan(1);
      expect(truth.groupId).toBe(truth.files.map((f) => f.slice(0, 19)).sort()[0]);
      for (const f of truth.files) expect(existsSync(join(out, f))).toBe(true);
    }
    // scaled-down groups keep the correlator's spacing of 24 integrations (309 s)
    expect((truths[1]!.observation.timesJd[0]! - truths[0]!.observation.timesJd[0]!) * 86400).toBeCloseTo(24 * INTEGRATION_S, 3);
    expect(stdout).toMatch(/^wrote 2 group\(s\), 32 files/);
  });

  it('is read by pyuvdata with its default checks, warning only about drift-scan uvws', () => {
    expect(read).toHaveLength(32);
    for (const r of read) {
      expect(r.warnings.filter((w) => !UVW_WARNING.test(w)), r.file).toEqual([]);
      expect(r.phase_center_catalog).toEqual({ '0': 'unprojected' });
    }
  });

  it('has the DSA-110 raw layout: 4-D complex64 {r,i} visdata, bool flags, float32 nsamples and uvw', () => {
    for (const r of read) {
      const shape = [r.dims.Nblts, 1, 8, 2];
      expect(r.raw).toEqual({
        visdata: { dtype: 'complex64', shape },
        flags: { dtype: 'bool', shape },
        nsamples: { dtype: 'float32', shape },
        uvw_array: { dtype: 'float32', shape: [r.dims.Nblts, 3] },
      });
      expect([r.data_dtype, r.flag_dtype]).toEqual(['complex64', 'bool']);
      expect(r.uvw_equals_stored_float32).toBe(true);
      expect(r.max_abs_auto_uvw).toBe(0);
      expect(r.nsample_values).toEqual([1]);
    }
  });

  it('has the header the truth and the inputs say', async () => {
    const stations = await readStations();
    for (const [g, truth] of truths.entries()) {
      for (const [i, name] of truth.files.entries()) {
        const r = read.find((x) => x.file === join(out, name))!;
        const subband = Number(FILE_NAME.exec(name)![2]);
        expect(r.dims).toEqual({ Nblts: 55 * 4, Nbls: 55, Ntimes: 4, Nfreqs: 8, Npols: 2, Nspws: 1, Nants_data: 10 });
        expect([r.telescope_name, r.Nants_telescope]).toEqual(['DSA_110', 117]);
        expect([r.latitude_deg, r.longitude_deg, r.altitude_m].map((x) => +x.toFixed(6))).toEqual([37.2339, -118.2825, 1222]);
        expect(r.freq_array).toEqual(Array.from(subbandFrequenciesHz(subband, 8)));
        expect(r.freq_array).toEqual(truth.band.frequenciesHz[i]);
        expect(r.freq_array[0]).toBeGreaterThan(r.freq_array[7]!);
        expect(r.channel_width).toEqual(Array(8).fill(BAND.channelWidthHz));
        expect(r.polarization_array).toEqual([-5, -6]);
        expect(r.unique_times_jd).toEqual(truth.observation.timesJd);
        expect(r.integration_time).toEqual([INTEGRATION_S]);
        expect(r.antenna_numbers).toEqual(stations.map((s) => s.number));
        expect(r.antenna_names).toEqual(stations.map((s) => s.name));
        r.antenna_positions.forEach((p, a) => relativeEcef(stations[a]!).forEach((c, k) => expect(p[k]).toBeCloseTo(c, 6)));
        expect(new Set(r.antenna_diameters)).toEqual(new Set([4.65]));
        expect(r.ant_pairs_first).toEqual([[1, 1], [1, 13], [1, 26]]);
        expect(r.extra_keywords).toEqual({ phase_center_dec: (DEC_DEG * Math.PI) / 180, ha_phase_center: 0, phase_center_epoch: 'HADEC' });
      }
      expect(truth.observation.timesJd[0]).toBeCloseTo(jdFromUnixMs(START.getTime() + (g * 24 + 0.5) * INTEGRATION_S * 1000), 9);
    }
  });

  it('zeroes and flags the dead antennas, and only them; autocorrelations are real and positive', () => {
    for (const truth of truths) {
      expect(truth.antennas.dead).toHaveLength(2);
      for (const name of truth.files) {
        const r = read.find((x) => x.file === join(out, name))!;
        for (const [ant, state] of Object.entries(r.per_antenna)) {
          const dead = truth.antennas.dead.includes(Number(ant));
          expect([state.all_flagged, state.all_zero], `antenna ${ant} in ${name}`).toEqual([dead, dead]);
        }
        expect(r.autos.max_abs_imag).toBe(0);
        expect(r.autos.min_real_unflagged).toBeGreaterThan(1000);
      }
    }
  });

  it('records a consistent ground truth', () => {
    for (const truth of truths) {
      expect(truth.seed).toBe(7);
      expect(truth.pointing).toMatchObject({ hourAngleDeg: 0, decDeg: DEC_DEG });
      expect(truth.sources.length).toBeGreaterThan(50);
      const names = new Set(truth.sources.map((s) => s.name));
      expect(names.size).toBe(truth.sources.length);
      const brightest = truth.sources[0]!;
      expect(brightest.apparentFluxJy).toBeGreaterThan(0.3);
      expect(truth.sources.every((s, i) => i === 0 || s.apparentFluxJy <= truth.sources[i - 1]!.apparentFluxJy)).toBe(true);
      expect(truth.sources.filter((s) => s.origin === 'dsa110-catalog').length).toBeGreaterThan(50);
      // 3C454.3 is in both catalogs: one source, the VLA calibrator, with the other names as aliases.
      const blazar = truth.sources.find((s) => s.aliases?.includes('3C454.3'));
      expect(blazar).toMatchObject({ name: '2253+161', origin: 'vla-calibrator', aliases: ['3C454.3', 'J343.4904+16.1482'] });
      const nAnts = truth.antennas.numbers.length;
      expect(Object.keys(truth.gains.antennas)).toHaveLength(nAnts);
      for (const chains of Object.values(truth.gains.antennas)) expect(chains['XX']).toHaveLength(4);
      for (const chains of Object.values(truth.bandpasses.antennas)) expect(chains['YY']).toHaveLength(16 * 8);
      expect(truth.rfi.map((e) => e.kind).sort()).toEqual(['broadband', 'narrowband', 'narrowband']);
      expect(truth.noise.crossSigmaJy).toBeCloseTo(truth.noise.sefdJy / Math.sqrt(2 * BAND.channelWidthHz * INTEGRATION_S), 5);
    }
    // The instrument is a function of time: the second group continues the first.
    const [a, b] = truths.map((t) => t.gains.antennas['1']!['XX']!);
    const step = Math.hypot(b![0]![0]! - a![3]![0]!, b![0]![1]! - a![3]![1]!);
    expect(step).toBeLessThan(0.01);
  });
});

describe('a single off-centre source without noise, gains or RFI', () => {
  let comparisons: Record<'XX' | 'YY', PolarisationComparison>[] = [];

  beforeAll(async () => {
    const centre = phaseCentreJ2000(2);
    const source = { name: 'probe', origin: 'user' as const, raDeg: centre.raDeg + 0.8, decDeg: centre.decDeg - 0.5, fluxJy: 2, spectralIndex: -0.7 };
    const run = await simulate(quiet(join(dir, 'single'), { sources: [source], subbands: 16 }));
    const group = run.written[0]!;
    const files = [group.files[0]!, group.files[15]!];
    comparisons = await Promise.all(files.map(async (f) => JSON.parse(await runOracle('sim_predict.py', [f, group.truthPath])) as Record<'XX' | 'YY', PolarisationComparison>));
  });

  it('matches an independent astropy prediction: amplitudes to 1e-5, phases to a < 0.1″ position offset', () => {
    for (const comparison of comparisons) {
      for (const pol of ['XX', 'YY'] as const) {
        const c = comparison[pol];
        expect(c.max_uv_wavelengths).toBeGreaterThan(5000);
        expect(c.amplitude_ratio_min).toBeGreaterThan(1 - 1e-5);
        expect(c.amplitude_ratio_max).toBeLessThan(1 + 1e-5);
        // astronomy-engine's 5-term nutation puts apparent places ~30 mas from IAU 2000A (astropy).
        expect(Math.hypot(...c.offset_arcsec)).toBeLessThan(0.1);
        expect(c.phase_residual_max_rad).toBeLessThan(1e-4);
        expect(c.max_rel_difference).toBeLessThan(0.02);
        expect(c.auto_max_rel_difference).toBeLessThan(1e-6);
      }
    }
  });
});

describe('a source at the phase centre of one integration', () => {
  it('gives a real visibility equal to its flux on every baseline and channel of that integration', async () => {
    const source = { name: 'centre', origin: 'user' as const, ...phaseCentreJ2000(1), fluxJy: 3, spectralIndex: 0 };
    const run = await simulate(quiet(join(dir, 'centre'), { sources: [source], subbands: 1, channels: 48 }));
    const [r] = await pyuvdata([run.written[0]!.files[0]!]);
    const centre = r!.per_integration[1]!;
    expect(centre.max_abs_imag).toBeLessThan(3e-5);
    expect(centre.min_real).toBeCloseTo(3, 4);
    expect(centre.max_real).toBeCloseTo(3, 4);
    expect(r!.per_integration[3]!.max_abs_imag).toBeGreaterThan(0.01);
  });
});

describe('thermal noise on an empty sky', () => {
  it('has the radiometer-equation rms in re and im, Gaussian, and autocorrelations at the SEFD', async () => {
    const run = await simulate(quiet(join(dir, 'noise'), { noise: true, antennas: 12, channels: 48, integrations: 6, subbands: 1 }));
    const truth = readTruth(run.written[0]!.truthPath);
    const [r] = await pyuvdata([run.written[0]!.files[0]!]);
    const sigma = truth.noise.crossSigmaJy;
    expect(sigma).toBeCloseTo(2.3152, 3);
    for (const part of [r!.cross_re, r!.cross_im]) {
      expect(part.n).toBe(66 * 6 * 48 * 2);
      expect(part.std / sigma).toBeGreaterThan(0.98);
      expect(part.std / sigma).toBeLessThan(1.02);
      expect(Math.abs(part.mean)).toBeLessThan((5 * sigma) / Math.sqrt(part.n));
      expect(Math.abs(part.excess_kurtosis)).toBeLessThan(0.1);
    }
    expect(r!.auto_re.mean).toBeCloseTo(truth.noise.sefdJy, 0);
    expect(r!.auto_re.std / truth.noise.autoSigmaJy).toBeGreaterThan(0.95);
    expect(r!.auto_re.std / truth.noise.autoSigmaJy).toBeLessThan(1.05);
  });
});

describe('contimg simulate options', () => {
  it('centres a calibrator transit on the group at the calibrator declination', async () => {
    const out = join(dir, 'calibrator');
    const result = await contimg(['--log-level', 'warn', 'simulate', '--out', out, '--calibrator', '3c454.3', '--antennas', '4', '--channels', '2', '--subbands', '1', '--dead-antennas', '0']);
    expect(result.code).toBe(0);
    const truthFile = readdirSync(out).find((n) => n.endsWith('_truth.json'))!;
    const truth = readTruth(join(out, truthFile));
    const calibrator = truth.sources.find((s) => s.name === '2253+161')!;
    expect(truth.pointing.calibrator).toBe('2253+161 (3C454.3)');
    expect(calibrator.apparentAtMid.hourAngleDeg).toBeCloseTo(0, 6);
    expect(calibrator.apparentAtMid.decDeg).toBeCloseTo(truth.pointing.decDeg, 9);
    expect(calibrator.beamAtBandCentre).toBeCloseTo(1, 9);
    expect(truth.observation.midUtc).toBe('2026-01-25T22:27:24.358Z');
  });

  it('rejects an unknown calibrator with the closest names, and bad numbers, as usage errors', async () => {
    const unknown = await contimg(['simulate', '--out', join(dir, 'never'), '--calibrator', '3C45']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no VLA calibrator named "3C45"; closest: 3C245, 3C345, 3C43');
    const bad = await contimg(['simulate', '--out', join(dir, 'never'), '--antennas', 'many']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("option '--antennas <n>' argument 'many' is invalid");
    const tooMany = await contimg(['simulate', '--out', join(dir, 'never'), '--antennas', '4', '--dead-antennas', '3']);
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toContain('deadAntennas must be an integer from 0 to 2');
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it('paces groups at the cadence when streaming', async () => {
    const began = performance.now();
    const firstFileOf: number[] = [];
    await simulate(quiet(join(dir, 'stream'), { groups: 2, cadenceS: 1.5, subbands: 1, channels: 1, antennas: 2 }), {
      onFile: (f) => {
        firstFileOf[f.groupIndex] ??= performance.now() - began;
      },
    });
    expect(firstFileOf[0]).toBeLessThan(1500);
    expect(firstFileOf[1]).toBeGreaterThanOrEqual(1500);
  });

  it('refuses to overwrite an earlier run', async () => {
    const options = quiet(join(dir, 'twice'), { subbands: 1, channels: 1, antennas: 2 });
    await simulate(options);
    await expect(simulate(options)).rejects.toThrow(/already exists/);
  });
});

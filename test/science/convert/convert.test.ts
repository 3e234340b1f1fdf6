import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertGroup, ConvertError, type ConvertResult } from '../../../src/science/convert/index.js';
import { DEFAULT_STATIONS_CSV } from '../../../src/science/stations.js';
import { contimg } from '../../support/cli.js';
import { runOracle } from '../../support/oracle.js';

const run = promisify(execFile);
const C = 299792458;
const ARCSEC = Math.PI / 180 / 3600;
/** The injected source: ~0.19° from the pointing, far enough that a mirrored image is many beams away. */
const SOURCE = { raDeg: 337.85, decDeg: 16.25 };

interface Truth {
  readonly pointing: { readonly j2000AtMid: { readonly raDeg: number; readonly decDeg: number } };
  readonly band: { readonly frequenciesHz: number[][] };
  readonly observation: { readonly timesJd: number[]; readonly integrationS: number };
}

let dir: string;
let files: string[];
let truth: Truth;
let ms: string;
let result: ConvertResult;

async function simulate(out: string, extra: string[] = []): Promise<string[]> {
  const args = ['simulate', '--out', out, '--antennas', '12', '--channels', '8', '--subbands', '4', '--integrations', '6'];
  const sim = await contimg([...args, '--dead-antennas', '0', '--no-noise', '--no-gains', '--no-rfi', '--catalogs', 'none', ...extra]);
  expect(sim.code, sim.stderr).toBe(0);
  return (await readdir(out)).filter((f) => f.endsWith('.hdf5')).map((f) => join(out, f));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'contimg-convert-'));
  files = await simulate(join(dir, 'raw'), ['--source', `${SOURCE.raDeg},${SOURCE.decDeg},1`]);
  const truthFile = (await readdir(join(dir, 'raw'))).find((f) => f.endsWith('_truth.json'))!;
  truth = JSON.parse(await readFile(join(dir, 'raw', truthFile), 'utf8')) as Truth;
  ms = join(dir, 'group.ms');
  result = await convertGroup({ files, out: ms });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('convertGroup', () => {
  it('writes one MS with a row per integration, subband and baseline, and nothing else beside it', async () => {
    expect(result).toMatchObject({ rows: 6 * 4 * 78, spectralWindows: 4, channelsPerWindow: 8, baselines: 78, integrations: 6 });
    expect(await readdir(dir)).toEqual(['group.ms', 'raw']); // the staging directory is gone
  });

  it('puts the phase centre at the meridian at mid-time, in J2000, within 1″ of the simulator', () => {
    const { raDeg, decDeg } = truth.pointing.j2000AtMid;
    const dRa = (result.phaseCentre.raDeg - raDeg) * Math.cos((decDeg * Math.PI) / 180);
    expect(Math.hypot(dRa, result.phaseCentre.decDeg - decDeg) * 3600).toBeLessThan(1);
  });

  it('is readable table by table by python-casacore, with ascending SPWs, antennas to 1 cm and UVW to 0.1 mm of astropy', async () => {
    const check = JSON.parse(await runOracle('ms_check.py', [ms, DEFAULT_STATIONS_CSV])) as {
      tables: Record<string, number>;
      freqs: number[][];
      telescope: string;
      corrType: number[];
      timeRange: number[];
      times: number[];
      antennaNames: string[];
      antennaErrorM: number;
      uvwErrorM: number;
      zeroUvwCross: number;
      correctedEqualsData: boolean;
      modelValues: string;
      columns: string[];
    };
    expect(check.tables).toMatchObject({ MAIN: 1872, ANTENNA: 117, FEED: 117, FIELD: 1, SPECTRAL_WINDOW: 4, DATA_DESCRIPTION: 4, POLARIZATION: 1, OBSERVATION: 1 });
    expect(check.tables['HISTORY']).toBeGreaterThan(0);
    for (const name of ['STATE', 'PROCESSOR', 'POINTING', 'FLAG_CMD']) expect(check.tables).toHaveProperty(name);
    expect(check.columns).toEqual(expect.arrayContaining(['DATA', 'MODEL_DATA', 'CORRECTED_DATA', 'WEIGHT_SPECTRUM', 'FLAG', 'WEIGHT', 'SIGMA', 'UVW']));
    // SPW frequencies: the files' own, each subband and the whole band ascending.
    const expected = truth.band.frequenciesHz.map((f) => [...f].sort((a, b) => a - b)).sort((a, b) => a[0]! - b[0]!);
    expect(check.freqs).toEqual(expected);
    expect(check.telescope).toBe('DSA_110');
    expect(check.corrType).toEqual([9, 12]);
    const mjdS = (jd: number) => (jd - 2400000.5) * 86400;
    check.times.forEach((t, i) => expect(t).toBeCloseTo(mjdS(truth.observation.timesJd[i]!), 3));
    expect(check.timeRange[0]).toBeCloseTo(check.times[0]! - truth.observation.integrationS / 2, 3);
    expect(check.timeRange[1]).toBeCloseTo(check.times.at(-1)! + truth.observation.integrationS / 2, 3);
    expect(check.antennaNames[0]).toBe('DSA-001');
    expect(check.antennaErrorM).toBeLessThan(0.01);
    // ERFA here and astropy's topocentric ITRS agree to well under a micrometre
    expect(check.uvwErrorM).toBeLessThan(1e-4);
    expect(check.zeroUvwCross).toBe(0);
    expect(check.correctedEqualsData).toBe(true);
    expect(check.modelValues).toBe('[(1+0j)]');
  });

  it('stores every raw visibility, reordered to ascending frequency and rephased with exp(+2πi Δw ν/c)', async () => {
    const data = JSON.parse(await runOracle('ms_data.py', [ms, DEFAULT_STATIONS_CSV, ...files])) as {
      maxRelativeError: number;
      mismatches: Record<string, number>;
    };
    expect(data.maxRelativeError).toBeLessThan(1e-5);
    expect(data.mismatches).toEqual({ flag: 0, weight: 0, time: 0, antenna: 0, ddid: 0 });
  });

  it('equals the MS pyuvdata writes from the same files phased to the same centre: DATA to 1e-6, UVW to 1 mm, times and frequencies exact', async () => {
    const oracle = JSON.parse(await runOracle('ms_pyuvdata.py', [ms, ...files])) as {
      uvwMaxDiffM: number;
      dataMaxRelDiff: number;
      timesMatch: boolean;
      freqsEqual: boolean;
      antennaMaxDiffM: number;
      rows: number;
      theirRows: number;
    };
    expect(oracle).toMatchObject({ timesMatch: true, freqsEqual: true, rows: 1872, theirRows: 1872 / 4 }); // pyuvdata: one SPW of all channels
    expect(oracle.dataMaxRelDiff).toBeLessThan(1e-6);
    expect(oracle.uvwMaxDiffM).toBeLessThan(0.001);
    expect(oracle.antennaMaxDiffM).toBeLessThan(0.01);
  });

  it('images (WSClean) an off-centre source at its J2000 position, not the point-mirrored one', async () => {
    const longest = 2600; // m: the DSA-110 array's longest baselines
    const beamRad = C / result.maxFreqHz / longest;
    const cellArcsec = 3;
    const name = join(dir, 'img');
    await run('wsclean', ['-quiet', '-reorder', '-size', '512', '512', '-scale', `${cellArcsec}asec`, '-niter', '0', '-no-update-model-required', '-name', name, ms]);
    const peak = JSON.parse(await runOracle('ms_image_peak.py', [`${name}-image.fits`, String(SOURCE.raDeg), String(SOURCE.decDeg)])) as {
      peak: { x: number; y: number; value: number };
      expected: { x: number; y: number };
      mirrored: { x: number; y: number };
    };
    const beamPixels = beamRad / (cellArcsec * ARCSEC);
    const offBy = Math.hypot(peak.peak.x - peak.expected.x, peak.peak.y - peak.expected.y);
    expect(offBy).toBeLessThan(0.1 * beamPixels);
    expect(Math.hypot(peak.peak.x - peak.mirrored.x, peak.peak.y - peak.mirrored.y)).toBeGreaterThan(20 * beamPixels);
    expect(peak.peak.value).toBeGreaterThan(0.5);
  });
});

describe('convertGroup on bad input', () => {
  it('rejects subbands that do not belong together, naming both files, and leaves nothing behind', async () => {
    const other = await simulate(join(dir, 'other'), ['--channels', '4']);
    const mixed = [files[0]!, other.find((f) => f.endsWith('_sb01.hdf5'))!];
    const out = join(dir, 'mixed.ms');
    const error = await convertGroup({ files: mixed, out }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConvertError);
    expect((error as ConvertError).code).toBe('mismatched-group');
    expect((error as Error).message).toContain('Nfreqs is 4, not 8');
    for (const f of mixed) expect((error as Error).message).toContain(f);
    expect(existsSync(out)).toBe(false);
    expect((await readdir(dir)).filter((f) => f.includes('staging'))).toEqual([]);
  });

  it('rejects overlapping and duplicated subbands', async () => {
    const sb = files.find((f) => f.endsWith('_sb00.hdf5'))!;
    await expect(convertGroup({ files: [sb, sb], out: join(dir, 'dup.ms') })).rejects.toThrow(/given more than once/);
    const copy = join(dir, 'copy_sb00.hdf5');
    await copyFile(sb, copy);
    const error = await convertGroup({ files: [...files, copy], out: join(dir, 'dup.ms') }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/overlap in frequency/);
    expect((error as Error).message).toContain(copy);
    await rm(copy);
  });

  it('refuses to replace an existing MS', async () => {
    await expect(convertGroup({ files, out: ms })).rejects.toThrow(/exists already/);
  });

  it('fails from the command line with the file names and exit code 1', async () => {
    const other = (await readdir(join(dir, 'other'))).filter((f) => f.endsWith('.hdf5')).map((f) => join(dir, 'other', f));
    const cli = await contimg(['convert', '--out', join(dir, 'cli.ms'), files[0]!, other[1]!]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(files[0]!);
    expect(cli.stderr).toContain(other[1]!);
    expect(existsSync(join(dir, 'cli.ms'))).toBe(false);
  });

  it('converts from the command line and prints the statistics', async () => {
    const cli = await contimg(['convert', '--json', '--out', join(dir, 'cli-ok.ms'), ...files]);
    expect(cli.code, cli.stderr).toBe(0);
    const printed = JSON.parse(cli.stdout) as ConvertResult;
    expect(printed).toMatchObject({ rows: 1872, spectralWindows: 4 });
    expect(printed.seconds.total).toBeGreaterThan(0);
  });
});

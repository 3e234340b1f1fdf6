import { mkdtemp, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CasacoreError, MsWriter, tableInfo, type MsCreateSpec } from '../../native/index.js';
import { mountTmpfs, unmountTmpfs } from '../support/tmpfs.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'contimg-mswriter-'));
});

afterAll(async () => {
  unmountTmpfs();
  await rm(dir, { recursive: true, force: true });
});

// Three antennas ~100 m apart near OVRO, two SPWs of 4 channels, XX and YY.
const SITE = Float64Array.of(-2409150.4, -4478573.1, 3838617.3);
function spec(path: string, overrides: Partial<MsCreateSpec> = {}): MsCreateSpec {
  const antennaItrfM = Float64Array.from([0, 0, 0, 100, 0, 0, 0, 100, 0].map((d, i) => SITE[i % 3]! + d));
  return {
    path,
    antennaNames: ['A1', 'A2', 'A3'],
    antennaItrfM,
    dishDiameterM: 4.65,
    siteItrfM: SITE,
    ant1: Int32Array.of(0, 0, 1),
    ant2: Int32Array.of(1, 2, 2),
    spwFreqHz: [Float64Array.of(1.40e9, 1.41e9, 1.42e9, 1.43e9), Float64Array.of(1.44e9, 1.45e9, 1.46e9, 1.47e9)],
    spwDescending: [true, true],
    spwNames: ['sb01', 'sb00'],
    channelWidthHz: 1e7,
    corrTypes: Int32Array.of(9, 12),
    pointingDecAppRad: 0.28,
    midTimeMjdS: 5276095450,
    integrationS: 12.884902,
    timeStartMjdS: 5276095440,
    timeEndMjdS: 5276095460,
    telescopeName: 'DSA_110',
    fieldName: 'test',
    observer: 'me',
    project: 'test',
    history: ['made by a test'],
    ...overrides,
  };
}

const block = (timeMjdS: number) => ({
  timeMjdS,
  visibilities: [new Float32Array(3 * 4 * 2 * 2).fill(1), new Float32Array(3 * 4 * 2 * 2).fill(1)],
  flags: [new Uint8Array(3 * 4 * 2), new Uint8Array(3 * 4 * 2)],
  nsamples: [new Float32Array(3 * 4 * 2).fill(1), new Float32Array(3 * 4 * 2).fill(1)],
});

describe('MsWriter', () => {
  it('creates, appends a block of every SPW per integration and checks the result on close', async () => {
    const path = join(dir, 'small.ms');
    const writer = await MsWriter.create(spec(path));
    expect(writer.phaseCentre.decRad).toBeGreaterThan(0.27); // J2000 of date 0.28 rad: within a precession's reach
    expect(writer.phaseCentre.decRad).toBeLessThan(0.29);
    await Promise.all([writer.writeBlock(block(5276095444)), writer.writeBlock(block(5276095457))]);
    const summary = await writer.close();
    expect(summary).toEqual({ rows: 12, zeroUvwCrossRows: 0, frequenciesAscending: true, minFreqHz: 1.4e9, maxFreqHz: 1.47e9 });
    const info = await tableInfo(path);
    const manager = Object.fromEntries(info.columns.map((c) => [c.name, c.dataManagerType]));
    expect(manager).toMatchObject({ DATA: 'TiledColumnStMan', MODEL_DATA: 'TiledColumnStMan', CORRECTED_DATA: 'TiledColumnStMan', TIME: 'IncrementalStMan' });
    expect(info.columns.find((c) => c.name === 'DATA')?.shape).toEqual([2, 4]);
    expect(() => writer.writeBlock(block(5276095460))).toThrow(/closed/);
  });

  it('validates the spec in TypeScript', async () => {
    const path = join(dir, 'bad.ms');
    await expect(MsWriter.create(spec(path, { spwFreqHz: [Float64Array.of(1.44e9, 1.43e9), Float64Array.of(1.45e9, 1.46e9)] }))).rejects.toThrow(RangeError);
    await expect(MsWriter.create(spec(path, { ant2: Int32Array.of(1, 2, 3) }))).rejects.toThrow(/outside \[0, 3\)/);
    await expect(MsWriter.create(spec(path, { corrTypes: Int32Array.of(5, 8) }))).rejects.toThrow(/linear/);
  });

  it('checks block shapes before the native call', async () => {
    const writer = await MsWriter.create(spec(join(dir, 'shapes.ms')));
    expect(() => writer.writeBlock({ ...block(5276095444), flags: [new Uint8Array(3)] })).toThrow(/one array per spectral window/);
    expect(() => writer.writeBlock({ ...block(5276095444), nsamples: [new Float32Array(1), new Float32Array(1)] })).toThrow(/must have 24 elements/);
    await writer.close();
  });

  it('rejects with a CasacoreError when casacore cannot create the table', async () => {
    const error = await MsWriter.create(spec(join(dir, 'no', 'such', 'dir', 'x.ms'))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CasacoreError);
    expect((error as Error).message).toMatch(/^casacore: /);
  });

  it('gives up an MS the disk cannot hold, emptying its files, and the process goes on', async (context) => {
    const disk = join(dir, 'small-disk');
    const refused = mountTmpfs(disk, '400k');
    if (refused !== null) return context.skip(refused);
    const writer = await MsWriter.create(spec(join(disk, 'full.ms')));
    let failure: unknown;
    for (let t = 0; t < 400 && failure === undefined; t++) await writer.writeBlock(block(5276095444 + t * 12.884902)).catch((error: unknown) => (failure = error));
    expect(failure).toBeInstanceOf(CasacoreError);
    expect((failure as Error).message).toMatch(/^casacore: .*write error/);
    const full = await statfs(disk);
    await writer.discard();
    const emptied = await statfs(disk);
    expect(emptied.bfree - full.bfree).toBeGreaterThan(50); // 4 KiB blocks: the tables' data went
    expect(() => writer.writeBlock(block(5276095444))).toThrow(/closed/);
  });
});

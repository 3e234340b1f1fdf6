import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPaths } from '../../../src/config/paths.js';
import type { StoredEvent } from '../../../src/eventlog/event.js';
import { convertGroup } from '../../../src/science/convert/index.js';
import { promisify } from 'node:util';
import { msFlagPass } from '../../../native/index.js';
import { loadConfig } from '../../../src/config/config.js';
import { flagMeasurementSet, FlagStrategyError } from '../../../src/science/flag/flagMs.js';
import { flagStage } from '../../../src/stages/flag.js';
import { StageError, type StageContext } from '../../../src/stages/stage.js';
import { contimg } from '../../support/cli.js';
import { stageContext } from '../../support/stageContext.js';
import { runOracle } from '../../support/oracle.js';

interface OracleFlags {
  readonly flaggedFraction: number;
  readonly antennas: string[];
  readonly perAntenna: number[];
  readonly perChannel: number[];
  readonly rfiSamples: number;
  readonly rfiFlaggedFraction: number;
  readonly cleanFlaggedFraction: number;
  readonly deadFlaggedFraction: number;
  readonly autoFlaggedFraction: number;
}

const GROUP_ID = '2026-01-25T22:03:40';
const GENERIC_STRATEGY = '/usr/share/aoflagger/strategies/generic-default.lua';
const run = promisify(execFile);
let dir: string;
let ms: string;
let truthPath: string;
let phaseCentre: { raDeg: number; decDeg: number };

/** A small simulated group with noise and RFI (AOFlagger over-flags noise-free data), converted to an MS. */
async function simulatedMs(name: string, extra: string[]) {
  const raw = join(dir, `${name}-raw`);
  const sim = await contimg(['simulate', '--out', raw, '--antennas', '16', '--channels', '32', '--integrations', '8', '--subbands', '4', '--seed', '1', ...extra]);
  expect(sim.code, sim.stderr).toBe(0);
  const names = await readdir(raw);
  const out = join(dir, `${name}.ms`);
  const result = await convertGroup({ files: names.filter((f) => f.endsWith('.hdf5')).map((f) => join(raw, f)), out });
  return { ms: out, truthPath: join(raw, names.find((f) => f.endsWith('_truth.json'))!), phaseCentre: result.phaseCentre };
}

function contextFor(history: readonly StoredEvent[]): StageContext {
  return stageContext({ groupId: GROUP_ID, history, paths: dataPaths(join(dir, 'data')) });
}

const RAD = Math.PI / 180;

function msWritten(msPath: string, converted = phaseCentre): StoredEvent {
  return {
    type: 'MsWritten',
    payload: { groupId: GROUP_ID, msPath, rows: 1, spectralWindows: 4, channels: 128, antennas: 16, integrations: 8, sizeBytes: 1, phaseCenterRaRad: converted.raDeg * RAD, phaseCenterDecRad: converted.decDeg * RAD, midMjd: 61065 },
    seq: 1, id: 'e1', stream: GROUP_ID, streamVersion: 1, version: 1, time: '2026-01-25T22:09:00Z', causationId: null, correlationId: null,
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'contimg-flag-'));
  ({ ms, truthPath, phaseCentre } = await simulatedMs('group', ['--dead-antennas', '1']));
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the flag stage', () => {
  it('flags the injected RFI, few clean samples, the dead antenna and the autocorrelations; FlagsComputed agrees with python-casacore', async () => {
    const events = await flagStage.run(contextFor([msWritten(ms)]));
    expect(events).toHaveLength(1);
    const event = events[0]!;
    if (event.type !== 'FlagsComputed') throw new Error(`expected FlagsComputed, got ${event.type}`);
    const oracle = JSON.parse(await runOracle('flag_fractions.py', [ms, truthPath])) as OracleFlags;

    expect(oracle.rfiSamples).toBeGreaterThan(1000);
    expect(oracle.rfiFlaggedFraction).toBeGreaterThan(0.95);
    expect(oracle.cleanFlaggedFraction).toBeLessThan(0.03);
    expect(oracle.deadFlaggedFraction).toBe(1);
    expect(oracle.autoFlaggedFraction).toBe(1);

    expect(event.payload.msPath).toBe(ms);
    expect(event.payload.flaggedFraction).toBeCloseTo(oracle.flaggedFraction, 12);
    expect(event.payload.antennas).toEqual(oracle.antennas);
    expect(event.payload.perAntenna).toHaveLength(16);
    event.payload.perAntenna.forEach((f, i) => expect(f).toBeCloseTo(oracle.perAntenna[i]!, 12));
    expect(event.payload.perChannel).toHaveLength(4 * 32);
    event.payload.perChannel.forEach((f, c) => expect(f).toBeCloseTo(oracle.perChannel[c]!, 12));
    expect(event.payload.perAntenna.filter((f) => f === 1)).toHaveLength(1); // the dead antenna only
  }, 120_000);

  it('gives the same flags when run again (it starts from cleared flags)', async () => {
    const first = JSON.parse(await runOracle('flag_fractions.py', [ms])) as OracleFlags;
    const again = await flagMeasurementSet(ms);
    expect(again.flaggedFraction).toBeCloseTo(first.flaggedFraction, 12);
    expect(again.perChannel).toEqual(first.perChannel.map((f) => expect.closeTo(f, 12) as unknown as number));
  }, 120_000);

  it("runs AOFlagger's library as the aoflagger program runs: the same flags with the same strategy", async () => {
    const byProgram = join(dir, 'by-program.ms');
    const byLibrary = join(dir, 'by-library.ms');
    await cp(ms, byProgram, { recursive: true });
    await cp(ms, byLibrary, { recursive: true });
    await msFlagPass(byProgram, { reset: true, zeros: false, autos: false });
    await run('aoflagger', ['-strategy', GENERIC_STRATEGY, byProgram]);
    await msFlagPass(byLibrary, { reset: true, zeros: false, autos: false, aoflagger: { strategy: GENERIC_STRATEGY, threads: 2 } });
    const compared = JSON.parse(await runOracle('flag_compare.py', [byProgram, byLibrary])) as { samples: number; flaggedA: number; flaggedB: number; differ: number };
    expect(compared.samples).toBeGreaterThan(100_000);
    expect(compared.flaggedA).toBeGreaterThan(0.005);
    expect(compared.differ).toBe(0);
  }, 120_000);

  it('flags the injected RFI with the DSA-110 strategy as well as with the generic one, without flagging more clean data', async () => {
    const copy = join(dir, 'strategies.ms');
    await cp(ms, copy, { recursive: true });
    await flagMeasurementSet(copy, { strategy: GENERIC_STRATEGY });
    const generic = JSON.parse(await runOracle('flag_fractions.py', [copy, truthPath])) as OracleFlags;
    await flagMeasurementSet(copy);
    const dsa110 = JSON.parse(await runOracle('flag_fractions.py', [copy, truthPath])) as OracleFlags;
    expect(dsa110.rfiSamples).toBeGreaterThan(1000);
    expect(dsa110.rfiFlaggedFraction).toBeGreaterThanOrEqual(0.9);
    expect(dsa110.rfiFlaggedFraction).toBeGreaterThanOrEqual(generic.rfiFlaggedFraction - 0.01);
    expect(dsa110.cleanFlaggedFraction).toBeLessThanOrEqual(0.05);
    expect(dsa110.cleanFlaggedFraction).toBeLessThanOrEqual(generic.cleanFlaggedFraction + 0.005);
    expect(dsa110.deadFlaggedFraction).toBe(1);
    expect(dsa110.autoFlaggedFraction).toBe(1);
  }, 120_000);

  it('records CalibratorSelected for a calibrator group, after its FlagsComputed', async () => {
    const calibrator = await simulatedMs('calibrator', ['--calibrator', '3C454.3']);
    const events = await flagStage.run(contextFor([msWritten(calibrator.ms, calibrator.phaseCentre)]));
    expect(events.map((e) => e.type)).toEqual(['FlagsComputed', 'CalibratorSelected']);
    expect(events[1]).toMatchObject({ payload: { groupId: GROUP_ID, calibrator: '2253+161', fluxJy: 10 } });
    const selected = events[1]!.payload as { separationDeg: number; reason: string };
    expect(selected.separationDeg).toBeLessThan(0.05);
    expect(selected.reason).toMatch(/^2253\+161 \(3C454\.3\): 10 Jy at 20 cm/);
  }, 120_000);

  it('refuses a group without a MeasurementSet, permanently', async () => {
    const error = await flagStage.run(contextFor([])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StageError);
    expect(error).toMatchObject({ code: 'missing-ms', retryable: false });
  });

  it('names the MS casacore cannot open', async () => {
    await expect(flagStage.run(contextFor([msWritten(join(dir, 'nothing.ms'))]))).rejects.toThrow(/nothing\.ms/);
  });

  it('refuses a missing strategy file permanently, and names the strategy a Lua error comes from', async () => {
    await expect(flagMeasurementSet(ms, { strategy: join(dir, 'no-such-strategy.lua') })).rejects.toThrow(FlagStrategyError);
    const config = { ...loadConfig({ flags: {}, env: {} }).config, 'flag.strategy': join(dir, 'no-such-strategy.lua') };
    await expect(flagStage.run({ ...contextFor([msWritten(ms)]), config })).rejects.toMatchObject({ code: 'EFLAGSTRATEGY', retryable: false, message: expect.stringMatching(/no-such-strategy\.lua does not exist/) as unknown });
    const broken = join(dir, 'broken.lua');
    await writeFile(broken, 'function execute(input)\n  aoflagger.no_such_function(input)\nend\n');
    await expect(flagMeasurementSet(ms, { strategy: broken })).rejects.toThrow(/AOFlagger strategy .*broken\.lua: .*no_such_function/);
  }, 60_000);
});

describe('contimg flag', () => {
  it('flags an MS and prints the fractions python-casacore reads', async () => {
    const result = await contimg(['flag', ms, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as { flaggedFraction: number; antennas: string[] };
    const oracle = JSON.parse(await runOracle('flag_fractions.py', [ms])) as OracleFlags;
    expect(summary.flaggedFraction).toBeCloseTo(oracle.flaggedFraction, 12);
    expect(summary.antennas).toEqual(oracle.antennas);
  }, 60_000);

  it('fails with a clear message on a path that is not a MeasurementSet', async () => {
    const result = await contimg(['flag', join(dir, 'missing.ms')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/missing\.ms/);
  });
});

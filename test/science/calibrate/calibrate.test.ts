import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registrySelector } from '../../../src/cli/pipeline/caltableSelector.js';
import { loadConfig } from '../../../src/config/config.js';
import { dataPaths } from '../../../src/config/paths.js';
import type { DomainEvent, NewEvent, StoredEvent } from '../../../src/eventlog/event.js';
import { SqliteEventLog } from '../../../src/eventlog/sqliteEventLog.js';
import { calibrationRegistry } from '../../../src/projections/calibrationRegistry.js';
import { msIndex } from '../../../src/projections/products.js';
import { ReadModelStore } from '../../../src/projections/readModelStore.js';
import { calMsInfo, calReadTable } from '../../../native/index.js';
import { CatalogDb } from '../../../src/catalogs/catalogDb.js';
import {
  applyCalibration,
  calibrate,
  CalibrationError,
  catalogModelSources,
  drawQaPlots,
  predictModel,
  skyModelSources,
  type CalibrationOutcome,
  type CatalogLookup,
  type ModelSource,
} from '../../../src/science/calibrate/index.js';
import { convertGroup } from '../../../src/science/convert/index.js';
import { applyStage, calibrationApplyStage } from '../../../src/stages/apply.js';
import { solveStage } from '../../../src/stages/solve.js';
import type { StageContext } from '../../../src/stages/stage.js';
import { contimg } from '../../support/cli.js';
import { runOracle } from '../../support/oracle.js';
import { stageContext } from '../../support/stageContext.js';

interface Truth {
  readonly antennas: { readonly numbers: number[]; readonly names: string[]; readonly dead: number[] };
  readonly sources: { name: string; raJ2000Deg: number; decJ2000Deg: number; fluxJy: number; spectralIndex: number }[];
}

interface Recovery {
  readonly compared: number;
  readonly maxAmplitudeError: number;
  readonly maxPhaseErrorDeg: number;
  readonly fluxRatio: number;
}

/** A bright source 0.2° from 3C454.3: enough signal per channel for a 1 %, 1° test of every solution. */
const BRIGHT: ModelSource = { name: 'bright', origin: 'user', raDeg: 343.6, decDeg: 16.3, fluxJy: 150, spectralIndex: -0.5 };
const GROUP_ID = '2026-01-25T22:26:46';

let dir: string;
let truthPath: string;
let truth: Truth;
let calMs: string;
let skyMs: string;
let outcome: CalibrationOutcome;

async function simulateAndConvert(name: string, args: string[]): Promise<{ ms: string; truth: string }> {
  const raw = join(dir, `${name}-raw`);
  const sim = await contimg(['simulate', '--out', raw, '--catalogs', 'none', '--no-rfi', '--subbands', '4', ...args]);
  expect(sim.code, sim.stderr).toBe(0);
  const files = await readdir(raw);
  const ms = join(dir, `${name}.ms`);
  await convertGroup({ files: files.filter((f) => f.endsWith('.hdf5')).map((f) => join(raw, f)), out: ms });
  return { ms, truth: join(raw, files.find((f) => f.endsWith('_truth.json'))!) };
}

async function copyOf(ms: string, name: string): Promise<string> {
  const copy = join(dir, `${name}.ms`);
  await cp(ms, copy, { recursive: true });
  return copy;
}

/** The bandpass and gain tables, then the delay table when there is one. */
const recovery = async (ms: string, o: CalibrationOutcome) =>
  JSON.parse(await runOracle('cal_recovery.py', [ms, truthPath, ...o.tables.filter((t) => t.kind !== 'K').map((t) => t.path), ...o.tables.filter((t) => t.kind === 'K').map((t) => t.path)])) as Recovery;

function stored(type: string, payload: object, seq: number): StoredEvent {
  return { type, payload, seq, id: `e${seq}`, stream: GROUP_ID, streamVersion: seq, version: 1, time: '2026-01-25T22:40:00Z', causationId: null, correlationId: null } as StoredEvent;
}

function contextFor(history: readonly StoredEvent[], solveWaitSeconds?: number): StageContext {
  const config = { ...loadConfig({ flags: {}, env: {} }).config, ...(solveWaitSeconds !== undefined && { 'calibrate.solveWaitSeconds': solveWaitSeconds }) };
  return stageContext({ groupId: GROUP_ID, history, paths: dataPaths(join(dir, 'data')), config });
}

const MID_MJD = 61065;
const msPayload = (groupId: string, msPath: string, midMjd = MID_MJD) =>
  ({ groupId, msPath, rows: 1, spectralWindows: 4, channels: 64, antennas: 20, integrations: 12, sizeBytes: 1, phaseCenterRaRad: 0, phaseCenterDecRad: 0, midMjd }) as const;
const msWritten = (msPath: string, midMjd = MID_MJD) => stored('MsWritten', msPayload(GROUP_ID, msPath, midMjd), 1);
const calibratorSelected = stored('CalibratorSelected', { groupId: GROUP_ID, calibrator: '2253+161', fluxJy: 10, separationDeg: 0, reason: 'test' }, 2);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'contimg-calibrate-'));
  // A calibrator group with thermal noise, drifting gains, bandpasses and one dead antenna.
  const cal = await simulateAndConvert('cal', ['--calibrator', '3C454.3', '--source', '343.6,16.3,150,-0.5', '--antennas', '20', '--channels', '16', '--integrations', '12', '--dead-antennas', '1', '--seed', '5']);
  calMs = cal.ms;
  truthPath = cal.truth;
  truth = JSON.parse(await readFile(truthPath, 'utf8')) as Truth;
  // A noise-free, gain-free group at the default time and declination, where no calibrator is in the beam.
  skyMs = (await simulateAndConvert('sky', ['--source', '338.3,16.4,3', '--source', '338.9,16.0,2,-1', '--antennas', '12', '--channels', '8', '--integrations', '4', '--dead-antennas', '0', '--no-noise', '--no-gains'])).ms;
  outcome = await calibrate(await copyOf(calMs, 'solved'), { calibrator: '3C454.3', sources: [BRIGHT], outDir: join(dir, 'tables') });
}, 180_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('predictModel', () => {
  it('writes MODEL_DATA equal to the simulated DATA of a noise-free, gain-free sky to 1e-5', async () => {
    const predicted = await predictModel(skyMs, await skySources());
    expect(predicted.maxModelJy).toBeGreaterThan(1);
    const compared = JSON.parse(await runOracle('cal_columns.py', [skyMs, 'MODEL_DATA', 'DATA'])) as { maxRelative: number; compared: number };
    expect(compared.compared).toBeGreaterThan(1000);
    expect(compared.maxRelative).toBeLessThan(1e-5);
  });
});

describe('catalog sources in the sky model', () => {
  it('adds the catalog sources bright enough through the beam, and MODEL_DATA then equals the simulated sky', async () => {
    const [a, b] = await skySources();
    const catalogsDir = join(dir, 'catalogs');
    const db = CatalogDb.open(catalogsDir);
    const sources = [
      { name: 'A', raDeg: a!.raDeg, decDeg: a!.decDeg, fluxJy: a!.fluxJy, spectralIndex: a!.spectralIndex },
      { name: 'B', raDeg: b!.raDeg, decDeg: b!.decDeg, fluxJy: b!.fluxJy, spectralIndex: b!.spectralIndex },
      // in the beam but too faint to matter, and bright but 20° away
      { name: 'faint', raDeg: a!.raDeg + 0.3, decDeg: a!.decDeg, fluxJy: 0.002 },
      { name: 'far', raDeg: a!.raDeg, decDeg: a!.decDeg + 20, fluxJy: 50 },
    ];
    db.replaceCatalog({ catalog: 'nvss', format: 'test', sourceFile: 'test', sha256: '0'.repeat(64), rows: sources.length, skipped: 0 }, sources, '2026-11-24T00:00:00Z');
    db.close();
    const lookup: CatalogLookup = (ra, dec, radius) => {
      const opened = CatalogDb.open(catalogsDir, { readonly: true });
      try {
        return opened.coneSearch(ra, dec, radius);
      } finally {
        opened.close();
      }
    };
    const ms = await copyOf(skyMs, 'catalog-sky');
    const info = await calMsInfo(ms);
    const fromCatalog = catalogModelSources(info, lookup);
    // A (3 Jy) is nearer the pointing than B (2 Jy): brighter through the beam.
    expect(fromCatalog).toMatchObject([
      { name: 'nvss:A', fluxJy: a!.fluxJy, spectralIndex: a!.spectralIndex },
      { name: 'nvss:B', fluxJy: b!.fluxJy, spectralIndex: b!.spectralIndex },
    ]);
    // A given source at A's place is not modelled twice.
    expect((await skyModelSources(info, { sources: [a!], catalog: lookup })).map((s) => s.name)).toEqual([a!.name, 'nvss:B']);
    await predictModel(ms, fromCatalog);
    const compared = JSON.parse(await runOracle('cal_columns.py', [ms, 'MODEL_DATA', 'DATA'])) as { maxRelative: number; compared: number };
    expect(compared.compared).toBeGreaterThan(1000);
    expect(compared.maxRelative).toBeLessThan(1e-5);
  });
});

async function skySources(): Promise<ModelSource[]> {
  const raw = join(dir, 'sky-raw');
  const file = (await readdir(raw)).find((f) => f.endsWith('_truth.json'))!;
  const sky = JSON.parse(await readFile(join(raw, file), 'utf8')) as Truth;
  return sky.sources.map((s) => ({ name: s.name, origin: 'user', raDeg: s.raJ2000Deg, decDeg: s.decJ2000Deg, fluxJy: s.fluxJy, spectralIndex: s.spectralIndex }));
}

describe('calibrate', () => {
  it('accepts the calibrator group and writes CASA calibration tables that python-casacore reads', async () => {
    expect(outcome.accepted).toBe(true);
    expect(outcome.tables.map((t) => t.role)).toEqual(['bpcal', 'gpcal', 'gacal']);
    expect(outcome.modelNonZeroFraction).toBe(1);
    const deadName = truth.antennas.names[truth.antennas.numbers.indexOf(truth.antennas.dead[0]!)]!;
    expect(outcome.refAntenna).not.toBe(deadName);
    expect(outcome.antennaFlaggedFraction[deadName]).toBe(1);
    const bp = JSON.parse(await runOracle('cal_table_check.py', [outcome.tables[0]!.path])) as Record<string, unknown> & { keywords: Record<string, unknown> };
    expect(bp).toMatchObject({ type: 'Calibration', subType: 'B Jones', paramShape: [16, 2], spws: [0, 1, 2, 3], rows: 4 * 20, timeUnit: ['s'] });
    expect(bp.keywords).toMatchObject({ ParType: 'Complex', VisCal: 'B Jones', PolBasis: 'unknown', MSName: 'solved.ms', SPECTRAL_WINDOW: { rows: 4 }, ANTENNA: { rows: 117 }, FIELD: { rows: 1 }, OBSERVATION: { rows: 1 }, HISTORY: { rows: 1 } });
    expect(bp['columns']).toEqual(['TIME', 'FIELD_ID', 'SPECTRAL_WINDOW_ID', 'ANTENNA1', 'ANTENNA2', 'INTERVAL', 'SCAN_NUMBER', 'OBSERVATION_ID', 'CPARAM', 'PARAMERR', 'FLAG', 'SNR', 'WEIGHT']);
    const g = JSON.parse(await runOracle('cal_table_check.py', [outcome.tables[1]!.path])) as { subType: string; paramShape: number[]; rows: number };
    // One solution per minute: 12 integrations of 12.9 s make 3 bins.
    expect(g).toMatchObject({ subType: 'G Jones', paramShape: [1, 2], rows: 3 * 4 * 20 });
  });

  it('draws QA plots beside each table: a panel per solved antenna, a line per SPW and polarisation, the dead antenna named', async () => {
    const deadName = truth.antennas.names[truth.antennas.numbers.indexOf(truth.antennas.dead[0]!)]!;
    const live = truth.antennas.names.filter((name) => name !== deadName);
    const [bp, gp, ga] = outcome.tables;
    expect(Object.keys(bp!.artifacts)).toEqual(['bandpass-amplitude', 'bandpass-phase']);
    for (const table of [gp!, ga!]) expect(Object.keys(table.artifacts)).toEqual(['gain-amplitude', 'gain-phase']);
    for (const table of outcome.tables) {
      for (const [key, path] of Object.entries(table.artifacts)) {
        expect(path).toBe(`${table.path}.${key}.svg`);
        const svg = await readFile(path, 'utf8');
        expect(svg.startsWith('<svg')).toBe(true);
        const headers = [...svg.matchAll(/<text[^>]*>(DSA-\d+)<\/text>/g)].map((m) => m[1]);
        expect(headers.sort()).toEqual([...live].sort());
        expect(svg).toContain(`(no solution: ${deadName})`);
        // One line per antenna, SPW and polarisation: 19 × 4 × 2.
        const lines = [...svg.matchAll(/<g class="mark-line role-mark[^>]*>(.*?)<\/g>/g)].flatMap((m) => m[1]!.match(/<path /g) ?? []);
        expect(lines).toHaveLength(live.length * 4 * 2);
      }
    }
    // They were drawn in a worker thread: the same bytes as drawn on this one.
    const drawn = await drawQaPlots({ name: basename(bp!.path), kind: 'BP', contents: await calReadTable(bp!.path) });
    expect(drawn.map((d) => d.key)).toEqual(['bandpass-amplitude', 'bandpass-phase']);
    for (const { key, svg } of drawn) expect(await readFile(bp!.artifacts[key]!, 'utf8')).toBe(svg);
  });

  it('recovers bandpasses × gains within 1 % in amplitude and 1° in phase, and the calibrated flux within 1 % of the model', async () => {
    const ms = join(dir, 'solved.ms');
    const applied = await applyCalibration(ms, outcome.tables);
    expect(applied.correctedNonZeroFraction).toBe(1);
    const r = await recovery(ms, outcome);
    expect(r.compared).toBeGreaterThan(19 * 4 * 16 * 2 * 12 - 1);
    expect(r.maxAmplitudeError).toBeLessThan(0.01);
    expect(r.maxPhaseErrorDeg).toBeLessThan(1);
    expect(Math.abs(r.fluxRatio - 1)).toBeLessThan(0.01);
    // Applying again gives the same weights and data (they start from DATA and SIGMA).
    const again = await applyCalibration(ms, outcome.tables);
    expect(again).toMatchObject({ unflagged: applied.unflagged, flaggedAfter: applied.flaggedAfter });
  });

  it("gives the CORRECTED_DATA and FLAG CASA's applycal gives with the same tables", async () => {
    const ours = await copyOf(calMs, 'casa-ours');
    const casa = await copyOf(calMs, 'casa-reference');
    await applyCalibration(ours, outcome.tables);
    const compared = JSON.parse(await runOracle('cal_casa.py', ['apply', ours, casa, ...outcome.tables.map((t) => t.path)])) as { maxRelative: number; flagsAgree: number; compared: number };
    expect(compared.compared).toBeGreaterThan(100_000);
    expect(compared.flagsAgree).toBe(1);
    expect(compared.maxRelative).toBeLessThan(1e-5);
  }, 180_000);

  it('solves delays when asked: a CASA K table applied first, a flatter bandpass, the same recovery, and CASA applies the set as we do', async () => {
    const ms = await copyOf(calMs, 'delay');
    const withDelay = await calibrate(ms, { calibrator: '3C454.3', sources: [BRIGHT], outDir: join(dir, 'delay-tables'), solveDelay: true });
    expect(withDelay.accepted).toBe(true);
    expect(withDelay.tables.map((t) => t.role)).toEqual(['kcal', 'bpcal', 'gpcal', 'gacal']);
    const [k, bp] = withDelay.tables;
    expect(k).toMatchObject({ kind: 'K', antennasSolved: 19, flaggedFraction: 0.05, artifacts: {} });
    const table = JSON.parse(await runOracle('cal_table_check.py', [k!.path])) as { subType: string; keywords: Record<string, unknown>; paramShape: number[]; rows: number; delaysNs: number[][][] };
    expect(table).toMatchObject({ subType: 'K Jones', paramShape: [1, 2], rows: 4 * 20, keywords: { ParType: 'Float', VisCal: 'K Jones', SPECTRAL_WINDOW: { rows: 4 } } });
    // The simulated delays are 1.5 ns rms: solved ones of that size, the reference antenna's zero.
    const delays = table.delaysNs.flat(2).filter((d) => d !== 0);
    expect(delays.length).toBeGreaterThan(4 * 18 * 2);
    expect(Math.sqrt(delays.reduce((sum, d) => sum + d * d, 0) / delays.length)).toBeGreaterThan(0.5);
    expect(bp!.phaseRmsDeg).toBeLessThan(outcome.tables[0]!.phaseRmsDeg);
    // Equivalent calibration: the same recovery, and CASA's applycal with the four tables agrees with ours.
    const casa = await copyOf(calMs, 'delay-casa');
    await applyCalibration(ms, withDelay.tables);
    const r = await recovery(ms, withDelay);
    expect(r.maxAmplitudeError).toBeLessThan(0.01);
    expect(r.maxPhaseErrorDeg).toBeLessThan(1);
    const compared = JSON.parse(await runOracle('cal_casa.py', ['apply', ms, casa, ...withDelay.tables.map((t) => t.path)])) as { maxRelative: number; flagsAgree: number; compared: number };
    expect(compared.compared).toBeGreaterThan(100_000);
    expect(compared.flagsAgree).toBe(1);
    expect(compared.maxRelative).toBeLessThan(1e-5);
  }, 180_000);

  it('refuses an MS with no calibrator in the beam, naming the field', async () => {
    const error = await calibrate(await copyOf(skyMs, 'nocal'), { outDir: join(dir, 'nocal') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CalibrationError);
    expect(error).toMatchObject({ code: 'no-calibrator', message: expect.stringMatching(/no VLA calibrator .* within the half-power beam of the field at RA 33\d\.\d+°/) as unknown });
  });

  it('rejects a solve with an all-flagged SPW and registers no table', async () => {
    const ms = await copyOf(calMs, 'flagged-spw');
    await runOracle('cal_flag_spw.py', [ms, '2']);
    const out = join(dir, 'flagged-spw-tables');
    const rejected = await calibrate(ms, { calibrator: '3C454.3', sources: [BRIGHT], outDir: out });
    expect(rejected.accepted).toBe(false);
    expect(rejected.rejection).toMatch(/bpcal: 28\.\d % of solutions flagged \(limit 25 %\)/);
    expect(rejected.tables).toEqual([]);
    expect(await readdir(out)).toEqual([]);
  });

  it('rejects a dead reference antenna, and chooses a live one by itself', async () => {
    const deadName = truth.antennas.names[truth.antennas.numbers.indexOf(truth.antennas.dead[0]!)]!;
    const rejected = await calibrate(await copyOf(calMs, 'dead-ref'), { calibrator: '3C454.3', sources: [BRIGHT], refAntenna: deadName, outDir: join(dir, 'dead-ref') });
    expect(rejected).toMatchObject({ accepted: false, rejection: `bpcal: the reference antenna ${deadName} has no solution`, tables: [] });
    const unknown = await calibrate(calMs, { calibrator: '3C454.3', refAntenna: 'DSA-999' }).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: 'solve-failed', message: expect.stringContaining('no antenna named DSA-999') as unknown });
  });
});

describe('the solve and apply stages', () => {
  it('register the tables of a calibrator group, then apply them (CalibrationApplied); a group with no calibrator solves nothing', async () => {
    const ms = await copyOf(calMs, 'staged');
    expect(await solveStage.run(contextFor([msWritten(ms)]))).toEqual([]);
    const registered = await solveStage.run(contextFor([msWritten(ms), calibratorSelected]));
    expect(registered.map((e) => e.type)).toEqual(['CaltableRegistered', 'CaltableRegistered', 'CaltableRegistered']);
    const tablePath = join(dir, 'data', 'caltables', GROUP_ID, 'staged_bpcal');
    expect(registered[0]).toMatchObject({ payload: { groupId: GROUP_ID, kind: 'BP', caltableId: 'staged_bpcal', path: tablePath } });
    expect(registered[0]!.payload).toMatchObject({ artifacts: { 'bandpass-amplitude': `${tablePath}.bandpass-amplitude.svg`, 'bandpass-phase': `${tablePath}.bandpass-phase.svg` } });
    expect(Object.keys((registered[2]!.payload as { artifacts: object }).artifacts)).toEqual(['gain-amplitude', 'gain-phase']);
    const history = [msWritten(ms), calibratorSelected, ...registered.map((e, i) => stored(e.type, e.payload, 3 + i))];
    const applied = await calibrationApplyStage.run(contextFor(history));
    expect(applied).toEqual([{ type: 'CalibrationApplied', payload: { groupId: GROUP_ID, msPath: ms, caltableIds: ['staged_bpcal', 'staged_gpcal', 'staged_gacal'], correctedNonZeroFraction: 1 } }]);
  });

  it("makes a target wait for a calibrator's running solve and apply its tables once they land; the wait is bounded", async () => {
    const log = new SqliteEventLog(join(dir, 'wait-events.sqlite'), { synchronous: 'normal', watchOtherProcesses: false });
    const store = new ReadModelStore(':memory:', [calibrationRegistry, msIndex]);
    try {
      const calibratorGroup = '2026-01-25T22:21:37';
      const mid = (outcome.validFromMjd + outcome.validToMjd) / 2;
      const append = async (stream: string, events: DomainEvent[]) => {
        await log.append(stream, events.map((e): NewEvent => ({ ...e, time: '2026-01-25T22:40:00Z' })), 'any');
        await store.catchUp(log);
      };
      await append(calibratorGroup, [
        { type: 'CalibratorSelected', payload: { groupId: calibratorGroup, calibrator: '3C454.3', fluxJy: 10, separationDeg: 0.1, reason: 'test' } },
        { type: 'MsWritten', payload: msPayload(calibratorGroup, calMs, mid) },
        { type: 'StageStarted', payload: { groupId: calibratorGroup, stage: 'solve', attempt: 1 } },
      ]);
      const stage = applyStage(registrySelector(store.db));
      const targetMs = await copyOf(calMs, 'wait-target');
      const target = [msWritten(targetMs, mid)];
      // With nothing registered yet the target would be deferred at once; it waits instead.
      const applying = stage.run(contextFor(target, 600));
      await append(calibratorGroup, [
        ...outcome.tables.map(
          (t): DomainEvent => ({
            type: 'CaltableRegistered',
            payload: { groupId: calibratorGroup, caltableId: basename(t.path), kind: t.kind, path: t.path, validFromMjd: outcome.validFromMjd, validToMjd: outcome.validToMjd, refAntenna: outcome.refAntenna, medianSnr: t.medianSnr, flaggedFraction: t.flaggedFraction },
          }),
        ),
        { type: 'StageCompleted', payload: { groupId: calibratorGroup, stage: 'solve', attempt: 1, durationMs: 1 } },
      ]);
      expect(await applying).toMatchObject([{ type: 'CalibrationApplied', payload: { caltableIds: outcome.tables.map((t) => basename(t.path)) } }]);
      // A target 14 h later, beyond that set's reach, and a solve next to it that never lands: the target gives up after the configured wait.
      const nearer = '2026-01-26T12:50:00';
      await append(nearer, [
        { type: 'CalibratorSelected', payload: { groupId: nearer, calibrator: '3C454.3', fluxJy: 10, separationDeg: 0.1, reason: 'test' } },
        { type: 'MsWritten', payload: msPayload(nearer, calMs, mid + 0.6) },
        { type: 'StageStarted', payload: { groupId: nearer, stage: 'solve', attempt: 1 } },
      ]);
      expect(await stage.run(contextFor([msWritten(targetMs, mid + 0.6)], 0.2))).toMatchObject([{ type: 'CalibrationDeferred' }]);
    } finally {
      store.close();
      await log.close();
    }
  });

  it('records CalibrationRejected when the calibrator is not in the data', async () => {
    const ms = await copyOf(skyMs, 'staged-sky');
    const events = await solveStage.run(contextFor([msWritten(ms), calibratorSelected]));
    expect(events).toMatchObject([{ type: 'CalibrationRejected', payload: { groupId: GROUP_ID, msPath: ms, code: expect.any(String) as unknown } }]);
  });
});

describe('contimg calibrate', () => {
  it('solves, applies and reports; a missing MS is a clear error', async () => {
    const ms = await copyOf(calMs, 'cli');
    const run = await contimg(['calibrate', ms, '--calibrator', '3C454.3', '--source', '343.6,16.3,150,-0.5', '--out', join(dir, 'cli-tables')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/cli_bpcal: BP, 5\.0 % flagged/);
    expect(run.stdout).toMatch(/accepted/);
    expect(run.stdout).toMatch(/applied cli_bpcal, cli_gpcal, cli_gacal: CORRECTED_DATA written/);
    const missing = await contimg(['calibrate', join(dir, 'missing.ms'), '--calibrator', '3C454.3']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/missing\.ms does not exist/);
  });
});

import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { filter, firstValueFrom } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteEventLog } from '../../src/eventlog/sqliteEventLog.js';
import { tableInfo } from '../../native/index.js';
import { contimg, startContimg } from '../support/cli.js';
import { eventsOf, ofType } from '../support/dataLog.js';

const dir = mkdtempSync(join(tmpdir(), 'contimg-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = {
  CONTIMG_INGEST_EXPECTED_SUBBANDS: '4',
  CONTIMG_INGEST_STABLE_MS: '200',
  CONTIMG_INGEST_READ_RETRY_MS: '100',
  CONTIMG_INGEST_READ_ATTEMPTS: '3',
  CONTIMG_PROCESS_MAX_ATTEMPTS: '2',
  CONTIMG_PROCESS_RETRY_BACKOFF_SECONDS: '0',
  CONTIMG_LOG_LEVEL: 'warn',
  // imaging is exercised by the calibration test below, where it runs on every group
  CONTIMG_PROCESS_STAGES: 'convert,flag,solve,apply',
};

/** Scaled-down groups of 4 subbands, 309 s apart; resolves to their group ids. */
async function simulate(out: string, groups: number, ...extra: string[]): Promise<string[]> {
  const args = ['simulate', '--out', out, '--truth-dir', `${out}-truth`, '--groups', String(groups), '--subbands', '4', '--antennas', '8', '--channels', '8', '--integrations', '2', '--json', ...extra];
  const result = await contimg(args);
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { written: { groupId: string; files: string[] }[] }).written.map((g) => g.groupId);
}

/** Every stage, imaging and image QA included. */
async function runAllStages(incoming: string, data: string) {
  const started = startContimg(['--data', data, 'run', '--incoming', incoming, '--until-idle'], { ...env, CONTIMG_PROCESS_STAGES: 'convert,flag,solve,apply,image,validate' });
  expect(await started.exited, started.stderr()).toBe(0);
}

async function run(incoming: string, data: string, ...extra: string[]) {
  const started = startContimg(['--data', data, 'run', '--incoming', incoming, '--until-idle', ...extra], env);
  expect(await started.exited, started.stderr()).toBe(0);
  return started.stderr();
}

const filesOf = (incoming: string, groupId: string) => readdirSync(incoming).filter((f) => f.startsWith(groupId.slice(0, 16))).sort();

describe('contimg run (processing)', () => {
  it('runs every pending group through the stages once, recording each stage with its products', async () => {
    const incoming = join(dir, 'ok', 'incoming');
    const data = join(dir, 'ok', 'data');
    mkdirSync(incoming, { recursive: true });
    const ids = await simulate(incoming, 2);
    await run(incoming, data);

    const events = await eventsOf(data);
    expect(ofType(events, 'GroupProcessed').map((e) => e.stream).sort()).toEqual(ids);
    const written = ofType(events, 'MsWritten');
    expect(written.map((e) => e.payload.msPath).sort()).toEqual(ids.map((id) => join(data, 'ms', `${id}.ms`)));
    expect(readdirSync(join(data, 'ms')).sort()).toEqual(ids.map((id) => `${id}.ms`));
    for (const { payload } of written) {
      expect(payload).toMatchObject({ spectralWindows: 4, channels: 32, antennas: 117, integrations: 2 });
      expect((await tableInfo(payload.msPath)).nrows).toBe(payload.rows);
    }
    const stream = events.filter((e) => e.stream === ids[0]);
    const lifecycle = stream.map((e) => (e.type === 'StageStarted' || e.type === 'StageCompleted' ? `${e.type} ${e.payload.stage}` : e.type)).filter((t) => t !== 'StageProgress');
    expect(lifecycle.slice(lifecycle.indexOf('GroupReady'))).toEqual([
      'GroupReady', 'GroupClaimed', 'ProcessingStarted',
      'StageStarted convert', 'MsWritten', 'StageCompleted convert',
      'StageStarted flag', 'FlagsComputed', 'StageCompleted flag',
      'StageStarted solve', 'StageCompleted solve', // no calibrator in the beam: nothing to solve
      'StageStarted apply', 'CalibrationDeferred', 'StageCompleted apply', // and no calibration yet
      'GroupProcessed',
    ]);
    expect(ofType(stream, 'StageProgress').find((e) => e.payload.stage === 'convert' && e.payload.fraction === 1)).toBeDefined();

    const status = JSON.parse((await contimg(['--data', data, 'status', '--json'])).stdout) as { queue: { counts: Record<string, number> } };
    expect(status.queue.counts).toMatchObject({ completed: 2, pending: 0, dead_lettered: 0 });
    expect((await contimg(['--data', data, 'replay', '--verify'])).code).toBe(0);
  }, 120_000);

  it('solves on calibrator groups and applies the nearest registered set to the others, re-applying a group that went on uncalibrated', async () => {
    const incoming = join(dir, 'cal', 'incoming');
    const data = join(dir, 'cal', 'data');
    mkdirSync(incoming, { recursive: true });
    const size = ['--antennas', '16', '--channels', '16', '--integrations', '6'];
    // a target group first, then (about 20 minutes later) two groups on 3C454.3 and one after them
    const [early] = await simulate(join(dir, 'cal', 'early'), 1, ...size);
    const [cal1, cal2, late] = (await simulate(join(dir, 'cal', 'calibrator'), 3, ...size, '--calibrator', '3C454.3')).sort();
    for (const from of ['early', 'calibrator']) for (const f of readdirSync(join(dir, 'cal', from))) copyFileSync(join(dir, 'cal', from, f), join(incoming, f));
    await runAllStages(incoming, data);

    const events = await eventsOf(data);
    const tablesOf = (groupId: string) => ofType(events, 'CaltableRegistered').filter((e) => e.stream === groupId).map((e) => e.payload.caltableId);
    expect(ofType(events, 'CalibratorSelected').map((e) => e.stream).sort()).toEqual([cal1, cal2]);
    expect(tablesOf(cal1!)).toEqual([`${cal1}_bpcal`, `${cal1}_gpcal`, `${cal1}_gacal`]);
    const applied = new Map(ofType(events, 'CalibrationApplied').map((e) => [e.stream, e.payload.caltableIds]));
    expect(applied.get(cal1!)).toEqual(tablesOf(cal1!));
    expect(applied.get(late!)).toEqual(tablesOf(cal2!)); // the nearest set
    // the early group went on uncalibrated, then came back to the apply stage once a set was registered
    const earlyEvents = events.filter((e) => e.stream === early);
    expect(ofType(earlyEvents, 'CalibrationDeferred')).toHaveLength(1);
    expect(ofType(earlyEvents, 'ReprocessRequested')[0]?.payload).toMatchObject({ fromStage: 'apply', operator: 'pipeline' });
    expect(applied.get(early!)).toEqual(tablesOf(cal1!));
    expect(ofType(earlyEvents, 'GroupProcessed')).toHaveLength(2);
    for (const e of ofType(events, 'CalibrationApplied')) expect(e.payload.correctedNonZeroFraction).toBe(1);
    // every group imaged and graded, its latest image after its latest calibration
    for (const id of [early, cal1, cal2, late]) {
      const stream = events.filter((e) => e.stream === id);
      const image = ofType(stream, 'ImageWritten').at(-1)!;
      expect(image.seq).toBeGreaterThan(ofType(stream, 'CalibrationApplied').at(-1)!.seq);
      expect(ofType(stream, 'ImageQaMeasured').at(-1)?.payload).toMatchObject({ imageId: image.payload.imageId, grade: expect.stringMatching(/good|warn|bad/) as unknown });
    }
    const images = JSON.parse((await contimg(['--data', data, 'status', '--json'])).stdout) as { queue: { counts: Record<string, number> } };
    expect(images.queue.counts).toMatchObject({ completed: 4 });
  }, 400_000);

  it('dead-letters groups whose files do not belong together or broke after ingest, saying why; the good group completes; nothing partial in ms/', async () => {
    const incoming = join(dir, 'bad', 'incoming');
    const data = join(dir, 'bad', 'data');
    const narrow = join(dir, 'bad', 'narrow');
    mkdirSync(incoming, { recursive: true });
    const [good, duplicated, mixed, truncated, vanished] = await simulate(incoming, 5);
    await simulate(narrow, 5, '--channels', '4');
    // a subband written twice under two names: the same frequencies as its neighbour
    const dup = filesOf(incoming, duplicated!);
    copyFileSync(join(incoming, dup[2]!), join(incoming, dup[3]!));
    // one subband from a run with half the channels
    const mixedName = filesOf(incoming, mixed!)[1]!;
    copyFileSync(join(narrow, mixedName), join(incoming, mixedName));

    await run(incoming, data, '--no-process');
    // after ingest accepted them: one file cut short, one removed
    const cut = join(incoming, filesOf(incoming, truncated!)[2]!);
    truncateSync(cut, Math.floor(statSync(cut).size / 2));
    unlinkSync(join(incoming, filesOf(incoming, vanished!)[0]!));
    await run(incoming, data);

    const events = await eventsOf(data);
    expect(ofType(events, 'GroupProcessed').map((e) => e.stream)).toEqual([good]);
    const deadLettered = new Map(ofType(events, 'GroupDeadLettered').map((e) => [e.stream, e.payload]));
    expect([...deadLettered.keys()].sort()).toEqual([duplicated, mixed, truncated, vanished].sort());
    expect(deadLettered.get(duplicated!)!.reason).toMatch(/not retryable: convert: .*overlap in frequency.*\[mismatched-group\]/);
    expect(deadLettered.get(mixed!)!.reason).toMatch(new RegExp(`not retryable: convert: ${mixedName} does not belong with .*Nfreqs is 4, not 8`));
    // cut short after ingest: the restarted ingest (it re-reads a file whose size changed) or the
    // conversion, whichever meets it first, refuses it
    expect(deadLettered.get(truncated!)!.reason).toMatch(/convert: .*(truncated|unreadable)/);
    expect(deadLettered.get(vanished!)).toMatchObject({ attempts: 2, reason: expect.stringMatching(/gave up after 2 attempts: convert: .*unreadable/) as unknown });
    const failures = ofType(events, 'StageFailed');
    expect(failures.filter((e) => e.stream === vanished).map((e) => e.payload.retryable)).toEqual([true, true]);
    expect(failures.filter((e) => e.stream === duplicated || e.stream === mixed).every((e) => !e.payload.retryable && e.payload.stage === 'convert')).toBe(true);
    expect(readdirSync(join(data, 'ms'))).toEqual([`${good}.ms`]);
    // the inputs at fault leave the incoming directory, each with its reason; the others stay
    const quarantined = ofType(events, 'FileQuarantined').map((e) => e.payload);
    expect(quarantined.map((q) => q.path).sort()).toEqual([join(incoming, dup[3]!), join(incoming, mixedName), cut].sort());
    expect(quarantined.find((q) => q.path === cut)?.reason).toMatch(/truncated|the file has \d+ bytes/);
    expect(readdirSync(join(data, 'quarantine')).sort()).toEqual([dup[3]!, mixedName, basename(cut)].sort());
    expect(readdirSync(incoming)).toContain(dup[2]);
  }, 180_000);

  it('degrades while the backlog is long and recovers once it is down to half, recording both', async () => {
    const incoming = join(dir, 'backlog', 'incoming');
    const data = join(dir, 'backlog', 'data');
    mkdirSync(incoming, { recursive: true });
    await simulate(incoming, 5);
    const started = startContimg(['--data', data, 'run', '--incoming', incoming, '--until-idle'], { ...env, CONTIMG_PROCESS_DEGRADE_BACKLOG: '4' });
    expect(await started.exited, started.stderr()).toBe(0);
    const events = (await eventsOf(data)).filter((e) => e.stream === 'pipeline');
    expect(events.map((e) => e.type)).toEqual(['PipelineDegraded', 'PipelineRecovered']);
    expect(events[0]!.payload).toMatchObject({ threshold: 4, imageMode: 'quick' });
    expect((events[0]!.payload as { backlog: number }).backlog).toBeGreaterThanOrEqual(4);
    expect((events[1]!.payload as { backlog: number }).backlog).toBeLessThanOrEqual(2);
  }, 180_000);

  it('resumes a group after a SIGKILL mid-conversion: it completes once and no staging leftovers remain', async () => {
    const incoming = join(dir, 'crash', 'incoming');
    const data = join(dir, 'crash', 'data');
    mkdirSync(incoming, { recursive: true });
    const [id] = await simulate(incoming, 1, '--antennas', '64', '--channels', '48', '--integrations', '16');

    const first = startContimg(['--data', data, 'run', '--incoming', incoming], env);
    const log = new SqliteEventLog(join(data, 'state', 'events.sqlite'));
    await firstValueFrom(log.follow(0).pipe(filter((batch) => batch.some((e) => e.type === 'StageProgress'))));
    first.child.kill('SIGKILL');
    await first.exited;
    await log.close();
    expect(readdirSync(join(data, 'ms')).some((f) => f.includes('.staging-'))).toBe(true);

    await run(incoming, data);
    const events = (await eventsOf(data)).filter((e) => e.stream === id);
    expect(ofType(events, 'GroupProcessed')).toHaveLength(1);
    expect(ofType(events, 'MsWritten')).toHaveLength(1);
    expect(ofType(events, 'LeaseExpired')).toHaveLength(1);
    expect(ofType(events, 'ProcessingStarted').map((e) => e.payload.mode)).toEqual(['fresh', 'resume']);
    expect(readdirSync(join(data, 'ms'))).toEqual([`${id}.ms`]);
  }, 180_000);
});

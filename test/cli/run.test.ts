import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, filter, scan } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteEventLog } from '../../src/eventlog/sqliteEventLog.js';
import { contimg, startContimg } from '../support/cli.js';
import { eventsOf, waitForEvents } from '../support/dataLog.js';

const REAL_UVH5 = join(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'uvh5', 'hera_zen.2458661.23480.HH.uvh5');
const dir = mkdtempSync(join(tmpdir(), 'contimg-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = {
  CONTIMG_INGEST_EXPECTED_SUBBANDS: '4',
  CONTIMG_INGEST_COLLECT_TIMEOUT_SECONDS: '4',
  CONTIMG_INGEST_STABLE_MS: '200',
  CONTIMG_INGEST_READ_RETRY_MS: '100',
  CONTIMG_INGEST_READ_ATTEMPTS: '3',
  CONTIMG_LOG_LEVEL: 'warn',
};

/** `contimg run --no-process` (ingest only) in the background, as an operator starts it. */
const startRun = (incoming: string, data: string, untilIdle = false) =>
  startContimg(['--data', data, 'run', '--no-process', '--incoming', incoming, ...(untilIdle ? ['--until-idle'] : [])], env);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const subbandFile = (incoming: string, time: string, subband: number) => join(incoming, `${time}_sb${String(subband).padStart(2, '0')}.hdf5`);

describe('contimg run (ingest)', () => {
  it('turns jittered arrivals into pending groups exactly once, across a restart, quarantining junk', async () => {
    const incoming = join(dir, 'incoming');
    const data = join(dir, 'data');
    mkdirSync(incoming, { recursive: true });
    // while the pipeline is down: half of the first group (met in name order on start: 08:15:00 opens it), plus junk
    copyFileSync(REAL_UVH5, subbandFile(incoming, '2026-11-24T08:15:02', 1));
    copyFileSync(REAL_UVH5, subbandFile(incoming, '2026-11-24T08:15:00', 0));
    writeFileSync(join(incoming, 'README.txt'), 'not a subband');

    const first = startRun(incoming, data);
    const arrived = (events: readonly { type: string }[]) => events.filter((e) => e.type === 'SubbandArrived').length;
    await waitForEvents(data, (events) => arrived(events) === 2);
    copyFileSync(REAL_UVH5, subbandFile(incoming, '2026-11-24T08:15:05', 3));
    await waitForEvents(data, (events) => arrived(events) === 3);
    first.child.kill('SIGTERM');
    expect(await first.exited, first.stderr()).toBe(0);

    // while down again: the rest of group one, all of group two, a truncated file
    copyFileSync(REAL_UVH5, subbandFile(incoming, '2026-11-24T08:15:01', 2));
    for (let sb = 0; sb < 4; sb++) copyFileSync(REAL_UVH5, subbandFile(incoming, `2026-11-24T08:20:1${sb}`, sb));
    writeFileSync(subbandFile(incoming, '2026-11-24T08:25:00', 0), Buffer.alloc(4096, 1));
    // a valid file, but reached through a link out of the incoming directory
    symlinkSync(REAL_UVH5, subbandFile(incoming, '2026-11-24T08:30:00', 0));

    const second = startRun(incoming, data, true);
    expect(await second.exited, second.stderr()).toBe(0);

    const events = await eventsOf(data);
    const count = (type: string) => events.filter((e) => e.type === type).length;
    expect(count('GroupOpened')).toBe(2);
    expect(count('SubbandArrived')).toBe(8);
    expect(count('GroupReady')).toBe(2);
    expect(events.filter((e) => e.type === 'GroupReady').map((e) => e.stream)).toEqual(['2026-11-24T08:15:00', '2026-11-24T08:20:10']);
    expect(events.filter((e) => e.type === 'FileQuarantined').map((e) => e.type === 'FileQuarantined' && e.payload.reason)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/README.txt" is not/),
        expect.stringMatching(/unreadable after 3 tries/),
        expect.stringMatching(/08:30:00_sb00.hdf5" is a symbolic link to .*hera_zen.*, outside the incoming directory/),
      ]),
    );
    expect(readdirSync(join(data, 'quarantine')).sort()).toEqual(['2026-11-24T08:25:00_sb00.hdf5', '2026-11-24T08:30:00_sb00.hdf5', 'README.txt']);
    expect(existsSync(REAL_UVH5)).toBe(true);
    expect(existsSync(join(incoming, 'README.txt'))).toBe(false);

    const status = JSON.parse((await contimg(['--data', data, 'status', '--json'])).stdout) as { queue: { counts: Record<string, number> } };
    expect(status.queue.counts).toMatchObject({ pending: 2, collecting: 0 });
    expect((await contimg(['--data', data, 'replay', '--verify'])).code).toBe(0);
  }, 120_000);

  it('fails a group whose subbands stop coming at its deadline, and records a straggler as late', async () => {
    const incoming = join(dir, 'incoming-timeout');
    const data = join(dir, 'data-timeout');
    mkdirSync(incoming, { recursive: true });
    for (const sb of [0, 2]) copyFileSync(REAL_UVH5, subbandFile(incoming, '2026-11-24T09:00:00', sb));
    const run = startRun(incoming, data);
    await waitForEvents(data, (events) => events.some((e) => e.type === 'GroupCollectTimedOut'));
    copyFileSync(REAL_UVH5, subbandFile(incoming, '2026-11-24T09:00:03', 1));
    await waitForEvents(data, (events) => events.some((e) => e.type === 'SubbandLate'));
    run.child.kill('SIGTERM');
    expect(await run.exited, run.stderr()).toBe(0);
    const types = (await eventsOf(data)).map((e) => e.type);
    expect(types).toEqual(['GroupOpened', 'SubbandArrived', 'SubbandArrived', 'GroupCollectTimedOut', 'SubbandLate']);
  }, 60_000);

  it('ingests what `contimg simulate --cadence` streams into the watched directory: every group pending exactly once', async () => {
    const incoming = join(dir, 'incoming-sim');
    const data = join(dir, 'data-sim');
    const truth = join(dir, 'truth');
    mkdirSync(incoming, { recursive: true });
    const run = startRun(incoming, data);
    const groups = 3;
    const simulated = await contimg([
      'simulate', '--out', incoming, '--truth-dir', truth, '--groups', String(groups), '--cadence', '2',
      '--antennas', '8', '--channels', '4', '--subbands', '4', '--dead-antennas', '0', '--json',
    ]);
    expect(simulated.code, simulated.stderr).toBe(0);
    const simulatedIds = (JSON.parse(simulated.stdout) as { written: { groupId: string }[] }).written.map((g) => g.groupId);

    const log = new SqliteEventLog(join(data, 'state', 'events.sqlite'));
    const ready = await firstValueFrom(
      log.follow(0).pipe(
        scan((ids: string[], batch) => [...ids, ...batch.filter((e) => e.type === 'GroupReady').map((e) => e.stream)], []),
        filter((ids) => ids.length >= groups),
      ),
    );
    await sleep(1000); // anything after the third would be a duplicate
    run.child.kill('SIGTERM');
    expect(await run.exited, run.stderr()).toBe(0);
    const events = log.readSync({ after: 0, limit: 10_000 });
    await log.close();
    // a group is named after its first file to arrive: the earliest, or one written alongside it
    ready.forEach((id, i) => expect(Math.abs(Date.parse(`${id}Z`) - Date.parse(`${simulatedIds[i]}Z`))).toBeLessThanOrEqual(5000));
    expect(events.filter((e) => e.type === 'GroupReady')).toHaveLength(groups);
    expect(events.filter((e) => e.type === 'SubbandArrived')).toHaveLength(groups * 4);
    expect(events.filter((e) => e.type === 'FileQuarantined')).toEqual([]);
    expect(readdirSync(truth)).toHaveLength(groups);
  }, 120_000);
});

/**
 * The bad-input corpus through `contimg run` (convert and flag): every malformed input ends in a
 * clear event naming the file and the problem, and in quarantine; the good groups between them
 * complete, exactly once. The run's MeasurementSets live on a small tmpfs, so that one group
 * meets a full disk. As root the pipeline runs without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH
 * (setpriv), so that a file of mode 000 is really unreadable to it. A full disk and an MS removed
 * mid-run are not their inputs' fault: those stay in place (the group fails saying why, or is
 * converted again).
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { filter, firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/eventlog/event.js';
import { SqliteEventLog } from '../../src/eventlog/sqliteEventLog.js';
import { contimg } from '../support/cli.js';
import { eventsOf, ofType } from '../support/dataLog.js';
import { mountTmpfs, unmountTmpfs } from '../support/tmpfs.js';
import { buildCorpus, simulate, SUBBANDS, type Corpus } from './corpus.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'contimg-bad-input-'));
afterAll(() => {
  unmountTmpfs();
  rmSync(dir, { recursive: true, force: true });
});

const env = {
  CONTIMG_INGEST_EXPECTED_SUBBANDS: String(SUBBANDS),
  CONTIMG_INGEST_COLLECT_TIMEOUT_SECONDS: '20',
  CONTIMG_INGEST_STABLE_MS: '200',
  CONTIMG_INGEST_READ_RETRY_MS: '100',
  CONTIMG_INGEST_READ_ATTEMPTS: '2',
  CONTIMG_PROCESS_MAX_ATTEMPTS: '2',
  CONTIMG_PROCESS_RETRY_BACKOFF_SECONDS: '0',
  CONTIMG_PROCESS_STAGES: 'convert,flag',
  CONTIMG_LOG_LEVEL: 'warn',
};
const RUN_LIMIT_MS = 240_000;
const isRoot = process.getuid?.() === 0;

/** `contimg run --until-idle`; as root without the capabilities that let root read any file. Resolves to its exit code and stderr. */
function runPipeline(incoming: string, data: string): { child: ReturnType<typeof spawn>; done: Promise<{ code: number | null; stderr: string }> } {
  const args = ['--import', 'tsx', MAIN, '--data', data, 'run', '--incoming', incoming, '--until-idle', '--no-view'];
  const [command, argv] = isRoot ? ['setpriv', ['--bounding-set=-dac_override,-dac_read_search', process.execPath, ...args]] : [process.execPath, args];
  const child = spawn(command, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const limit = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS); // a hang fails the test instead of stalling it
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(limit);
      resolve({ code, stderr });
    }),
  );
  return { child, done };
}

/** Built while the file is collected, so that each case is a test of its own. */
const corpus: Corpus = await buildCorpus(dir);

describe('the bad-input corpus through contimg run', () => {
  const data = join(dir, 'data');
  let events: StoredEvent[];
  let fullDiskSkipped: string | null;

  beforeAll(async () => {
    // 6 small MSs (~0.75 MB each) fit in 12 MB; the big group's (~20 MB) does not
    fullDiskSkipped = mountTmpfs(join(data, 'ms'), '12m');
    const { code, stderr } = await runPipeline(corpus.incoming, data).done;
    expect(code, stderr).toBe(0);
    events = await eventsOf(data);
  }, RUN_LIMIT_MS + 60_000);

  it('holds at least 30 malformed inputs', () => {
    expect(corpus.files.length + corpus.groups.length + 2 /* incomplete group, full disk */ + 1 /* the MS removed, below */).toBeGreaterThanOrEqual(30);
  });

  it('completes every good group exactly once, and no other', () => {
    // without the small disk, the big group is a good one
    const good = [...corpus.good, ...(fullDiskSkipped === null ? [] : [corpus.tooBig])].sort();
    expect(ofType(events, 'GroupProcessed').map((e) => e.stream).sort()).toEqual(good);
    expect(ofType(events, 'MsWritten').map((e) => e.stream).sort()).toEqual(good);
    expect(readdirSync(join(data, 'ms')).sort()).toEqual(good.map((g) => `${g}.ms`));
  });

  it.each(corpus.files)('$label: quarantined at ingest by a FileQuarantined event naming the file and the problem', (c) => {
    const quarantined = ofType(events, 'FileQuarantined').filter((e) => e.payload.path === c.path);
    expect(quarantined).toHaveLength(1);
    const { reason, quarantinePath } = quarantined[0]!.payload;
    expect(reason).toMatch(c.reason);
    expect(exists(quarantinePath)).toBe(true);
    expect(exists(c.path)).toBe(false);
    expect(events.some((e) => e.type === 'SubbandArrived' && e.payload.path === c.path)).toBe(false);
  });

  it.each(corpus.groups)('$label: the group is refused by conversion naming the file and why; that file is quarantined', (c) => {
    const stream = events.filter((e) => e.stream === c.groupId);
    const failed = ofType(stream, 'StageFailed');
    expect(failed.map((e) => [e.payload.stage, e.payload.retryable])).toEqual([['convert', false]]);
    expect(failed[0]!.payload.error.message).toMatch(c.reason);
    expect(failed[0]!.payload.error.message).toContain(basename(c.blamed));
    expect(ofType(stream, 'GroupDeadLettered')).toHaveLength(1);
    const quarantined = ofType(events, 'FileQuarantined').filter((e) => e.payload.path === c.blamed);
    expect(quarantined).toHaveLength(1);
    expect(statSync(quarantined[0]!.payload.quarantinePath).isFile()).toBe(true);
    expect(existsSync(c.blamed)).toBe(false);
    expect(ofType(stream, 'MsWritten')).toEqual([]);
  });

  it('quarantines a subband that ingest refuses inside a group; the group times out naming the missing subband', () => {
    const { groupId, missing, file } = corpus.incomplete;
    const quarantined = ofType(events, 'FileQuarantined').find((e) => e.payload.path === file.path);
    expect(quarantined?.payload.reason).toMatch(file.reason);
    expect(quarantined?.payload.reason).toContain(file.path);
    const timedOut = ofType(events, 'GroupCollectTimedOut').filter((e) => e.stream === groupId);
    expect(timedOut.map((e) => e.payload.missingSubbands)).toEqual([[missing]]);
  });

  it('fails a group whose MeasurementSet does not fit on the disk, saying so, leaving nothing partial and its good inputs in place', ({ skip }) => {
    if (fullDiskSkipped !== null) return skip(fullDiskSkipped);
    const stream = events.filter((e) => e.stream === corpus.tooBig);
    const failed = ofType(stream, 'StageFailed');
    expect(failed.length).toBe(2);
    for (const f of failed) {
      expect(f.payload.stage).toBe('convert');
      expect(f.payload.error.message).toMatch(/no space left on device/i);
      expect(f.payload.error.message).toContain(join(data, 'ms'));
    }
    expect(ofType(stream, 'GroupDeadLettered')[0]?.payload.reason).toMatch(/gave up after 2 attempts: convert: .*no space left on device/i);
    // the input is not at fault: it stays, for a retry once there is room
    const inputs = ofType(stream, 'SubbandArrived').map((e) => e.payload.path);
    expect(inputs).toHaveLength(SUBBANDS);
    expect(inputs.filter((path) => !existsSync(path))).toEqual([]);
    expect(readdirSync(join(data, 'ms')).some((f) => f.includes('staging'))).toBe(false);
  });

  it('leaves read models that a replay rebuilds identically', async () => {
    expect((await contimg(['--data', data, 'replay', '--verify'])).code).toBe(0);
  });
});

/** Whether anything (a link too, dangling or not) is at `path`. */
function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

describe('a MeasurementSet removed under the pipeline', () => {
  it('fails the next stage naming the missing MS, then converts again and completes the group once', async () => {
    const incoming = join(dir, 'removed', 'incoming');
    const data = join(dir, 'removed', 'data');
    // the older, bigger group flags for a while; the small one's MS waits meanwhile for the flag stage, and is removed then
    const [big] = await simulate(incoming, 1, '--antennas', '48', '--channels', '48', '--integrations', '16');
    const [small] = await simulate(incoming, 1, '--start', '2026-01-25T23:00:00Z');
    const { done } = runPipeline(incoming, data);
    const log = new SqliteEventLog(join(data, 'state', 'events.sqlite'));
    const seen = await firstValueFrom(log.follow(0).pipe(filter((batch) => batch.some((e) => e.type === 'MsWritten' && e.stream === small!.groupId))));
    const msPath = ofType(seen, 'MsWritten').find((e) => e.stream === small!.groupId)!.payload.msPath;
    rmSync(msPath, { recursive: true });
    const flagStartedBefore = log.readSync({ after: 0, limit: 100_000 }).some((e) => e.type === 'StageStarted' && e.stream === small!.groupId && e.payload.stage === 'flag');
    await log.close();
    expect(flagStartedBefore, 'the MS was removed before its flag stage began').toBe(false);
    const { code, stderr } = await done;
    expect(code, stderr).toBe(0);

    const events = await eventsOf(data);
    const stream = events.filter((e) => e.stream === small!.groupId);
    const failed = ofType(stream, 'StageFailed');
    expect(failed.map((e) => [e.payload.stage, e.payload.retryable])).toEqual([['flag', true]]);
    expect(failed[0]!.payload.error.message).toContain(`Table ${msPath} does not exist`);
    expect(ofType(stream, 'ProcessingStarted').map((e) => e.payload.fromStage)).toEqual(['convert', 'convert']);
    expect(ofType(stream, 'MsWritten')).toHaveLength(2);
    expect(ofType(events, 'GroupProcessed').map((e) => e.stream).sort()).toEqual([big!.groupId, small!.groupId].sort());
    expect(existsSync(msPath)).toBe(true);
    expect(ofType(events, 'FileQuarantined')).toEqual([]);
  }, RUN_LIMIT_MS + 60_000);
});

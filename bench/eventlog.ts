/**
 * The event log's foundation figures: append throughput per batch size and durability setting, and
 * the replay rate of every projection, each next to a plain better-sqlite3 reference.
 *
 *   npm run bench -- eventlog [--quick] [--reps=N]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import type { NewEvent } from '../src/eventlog/event.js';
import type { Stage } from '../src/eventlog/schema.js';
import { SqliteEventLog } from '../src/eventlog/sqliteEventLog.js';
import { ALL_PROJECTIONS } from '../src/projections/index.js';
import type { ReadModelStore } from '../src/projections/readModelStore.js';
import { rebuild } from '../src/projections/replay.js';
import { measure, printTable, type Measurement, type Row } from './support.js';

const APPEND_TARGET = 50_000;
const REPLAY_TARGET = 100_000;
const BATCH_SIZES = [1, 10, 100, 1000] as const;
type Sync = 'full' | 'normal';
/**
 * Events per repetition, chosen so one repetition takes roughly 1-3 s on a small machine. The same
 * count where it is affordable: the append rate falls as the log grows, so compare equal sizes.
 */
const APPEND_EVENTS: Record<Sync, Record<(typeof BATCH_SIZES)[number], number>> = {
  normal: { 1: 20_000, 10: 50_000, 100: 100_000, 1000: 100_000 },
  full: { 1: 5_000, 10: 50_000, 100: 100_000, 1000: 100_000 },
};
const REPLAY_EVENTS = 1_000_000;
const QUICK_DIVISOR = 20;

const PER_GROUP_STAGES: readonly Stage[] = ['convert', 'flag', 'solve', 'apply', 'image', 'validate', 'crossmatch', 'photometry', 'index'];
const EPOCH = Date.UTC(2026, 10, 24, 8, 15, 0);
const CADENCE_MS = 309_000;

export default async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const repsArg = args.find((a) => a.startsWith('--reps='));
  const reps = repsArg ? Number(repsArg.slice('--reps='.length)) : 3;
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps needs a positive integer, got ${repsArg}`);
  const scale = (n: number) => (quick ? Math.max(1, Math.round(n / QUICK_DIVISOR)) : n);
  const dir = mkdtempSync(join(tmpdir(), 'contimg-bench-'));
  console.log(`eventlog benchmark${quick ? ' (--quick)' : ''}: ${reps} repetitions per case, median; files in ${dir}\n`);
  try {
    const rows: Row[] = [];
    for (const sync of ['normal', 'full'] as const) {
      for (const batch of BATCH_SIZES) {
        const plan = appendPlan(batch, scale(APPEND_EVENTS[sync][batch]));
        const ours = await measure(`append sync=${sync} batch=${batch}`, reps, plan.events, () => appendTrial(dir, sync, plan));
        const ref = await measure(`  reference: bare table`, reps, plan.events, () => referenceAppendTrial(dir, sync, plan));
        rows.push({ result: ours, reference: ref, target: APPEND_TARGET }, { result: ref, reference: ref });
        console.log(`  ${ours.label}: ${Math.round(ours.rate).toLocaleString('en-US')} events/s`);
      }
    }
    rows.push(...(await replayRows(dir, reps, scale(REPLAY_EVENTS))));
    console.log('');
    printTable(rows);
    console.log(`\nratio vs ref = our time per event / the reference's (1.00x = as fast as plain better-sqlite3).`);
    console.log(`Append reference: the same rows, WAL, same synchronous and batch per transaction, no validation, triggers, unique indexes or version checks.`);
    console.log(`Replay reference: one SELECT over every row + JSON.parse of each payload.`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- events ----------------------------------------------------------------------------------

const groupIdAt = (index: number) => new Date(EPOCH + index * CADENCE_MS).toISOString().slice(0, 19);
const iso = (ms: number) => new Date(ms).toISOString();

/** GroupOpened, 16 × SubbandArrived, GroupReady. */
function ingestEvents(index: number): NewEvent[] {
  const groupId = groupIdAt(index);
  const t0 = EPOCH + index * CADENCE_MS;
  return [
    { type: 'GroupOpened', time: iso(t0), payload: { groupId, expectedSubbands: 16, collectDeadline: iso(t0 + 600_000) } },
    ...Array.from({ length: 16 }, (_, subband): NewEvent => ({
      type: 'SubbandArrived',
      time: iso(t0 + 1000 + subband * 1500),
      payload: {
        groupId,
        subband,
        path: `/data/incoming/${groupId}_sb${String(subband).padStart(2, '0')}.hdf5`,
        sizeBytes: 145_000_000 + ((index * 7919 + subband * 104_729) % 1_000_000),
        mtime: iso(t0 + 900 + subband * 1500),
      },
    })),
    { type: 'GroupReady', time: iso(t0 + 30_000), payload: { groupId, subbands: 16 } },
  ];
}

/**
 * Claim, processing through every per-group stage (started, progress, completed), a lease renewal,
 * GroupProcessed. When `fail`, the solve stage fails once and the group is retried and resumed.
 */
function processingEvents(index: number, fail: boolean): NewEvent[] {
  const groupId = groupIdAt(index);
  let t = EPOCH + index * CADENCE_MS + 60_000;
  const at = (dt: number) => iso((t += dt));
  let attempt = 1;
  const claim = (): NewEvent[] => [
    { type: 'GroupClaimed', time: at(10), payload: { groupId, workerId: 'worker-01', leaseExpiresAt: iso(t + 900_000), attempt } },
  ];
  const events: NewEvent[] = [...claim(), { type: 'ProcessingStarted', time: at(5), payload: { groupId, mode: 'fresh', fromStage: 'convert' } }];
  for (const stage of PER_GROUP_STAGES) {
    const durationMs = 2000 + ((index * 31 + stage.length * 977) % 20_000);
    events.push({ type: 'StageStarted', time: at(5), payload: { groupId, stage, attempt } });
    if (fail && stage === 'solve' && attempt === 1) {
      events.push(
        { type: 'StageFailed', time: at(durationMs), payload: { groupId, stage, attempt, error: { message: 'no calibrator above 1 Jy within 10 deg', code: 'NO_CALIBRATOR' }, retryable: true, durationMs } },
        { type: 'RetryScheduled', time: at(5), payload: { groupId, attempt, notBefore: iso(t + 60_000) } },
      );
      attempt = 2;
      events.push(...claim(), { type: 'ProcessingStarted', time: at(60_000), payload: { groupId, mode: 'resume', fromStage: stage } });
      events.push({ type: 'StageStarted', time: at(5), payload: { groupId, stage, attempt } });
    }
    events.push(
      { type: 'StageProgress', time: at(durationMs / 2), payload: { groupId, stage, fraction: 0.5, message: `${stage}: halfway` } },
      { type: 'StageCompleted', time: at(durationMs / 2), payload: { groupId, stage, attempt, durationMs } },
    );
    if (stage === 'image') {
      events.push({ type: 'LeaseRenewed', time: at(5), payload: { groupId, workerId: 'worker-01', leaseExpiresAt: iso(t + 900_000) } });
    }
  }
  events.push({ type: 'GroupProcessed', time: at(5), payload: { groupId } });
  return events;
}

// ---- append ----------------------------------------------------------------------------------

interface Batch {
  readonly stream: string;
  readonly expectedVersion: number;
  readonly events: readonly NewEvent[];
}

interface AppendPlan {
  readonly batches: readonly Batch[];
  readonly events: number;
}

/**
 * About `total` events as batches of `batchSize`, one stream per group. A stream holds its group's
 * whole history (48 events) rounded up to whole batches; batches longer than a history repeat it
 * (valid for the log's schema, which is all the log checks).
 */
function appendPlan(batchSize: number, total: number): AppendPlan {
  const history = (i: number) => [...ingestEvents(i), ...processingEvents(i, false)];
  const perStream = Math.ceil(history(0).length / batchSize) * batchSize;
  const batches: Batch[] = [];
  let events = 0;
  for (let g = 0; events < total; g++) {
    const template = history(g);
    const stream = Array.from({ length: perStream }, (_, i) => template[i % template.length]!);
    for (let v = 0; v < perStream; v += batchSize) batches.push({ stream: groupIdAt(g), expectedVersion: v, events: stream.slice(v, v + batchSize) });
    events += perStream;
  }
  return { batches, events };
}

function freshPath(dir: string, name: string): string {
  const path = join(dir, `${name}.sqlite`);
  removeDatabase(path);
  return path;
}

function removeDatabase(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
}

function appendTrial(dir: string, synchronous: Sync, plan: AppendPlan) {
  const path = freshPath(dir, 'append');
  const log = new SqliteEventLog(path, { synchronous, watchOtherProcesses: false });
  return {
    run() {
      for (const { stream, expectedVersion, events } of plan.batches) log.appendSync(stream, events, expectedVersion);
    },
    async teardown() {
      await log.close();
      removeDatabase(path);
    },
  };
}

function referenceAppendTrial(dir: string, synchronous: Sync, plan: AppendPlan) {
  const path = freshPath(dir, 'reference');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous.toUpperCase()}`);
  db.exec(`CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, stream TEXT NOT NULL, stream_version INTEGER NOT NULL,
    type TEXT NOT NULL, version INTEGER NOT NULL, time TEXT NOT NULL, causation_id TEXT, correlation_id TEXT, payload TEXT NOT NULL) STRICT`);
  const insert = db.prepare(
    'INSERT INTO events (seq, id, stream, stream_version, type, version, time, causation_id, correlation_id, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  let seq = 0;
  const append = db.transaction((batch: Batch) => {
    let version = batch.expectedVersion;
    for (const e of batch.events) insert.run(++seq, randomUUID(), batch.stream, ++version, e.type, 1, e.time, null, null, JSON.stringify(e.payload));
  });
  return {
    run() {
      for (const batch of plan.batches) append.immediate(batch);
    },
    teardown() {
      db.close();
      removeDatabase(path);
    },
  };
}

// ---- replay ----------------------------------------------------------------------------------

/** Writes about `total` events of interleaved group lifecycles (every 10th group fails once and is retried). */
async function buildReplayLog(path: string, total: number): Promise<number> {
  const log = new SqliteEventLog(path, { synchronous: 'normal', watchOtherProcesses: false });
  let written = 0;
  const append = (stream: string, events: NewEvent[]) => {
    written = log.appendSync(stream, events, 'any').lastSeq;
  };
  // The next group collects while the previous one is processed.
  for (let g = 0; written < total; g++) {
    append(groupIdAt(g), ingestEvents(g));
    if (g > 0) append(groupIdAt(g - 1), processingEvents(g - 1, (g - 1) % 10 === 9));
  }
  await log.close();
  return written;
}

async function replayRows(dir: string, reps: number, total: number): Promise<Row[]> {
  const logPath = join(dir, 'replay-log.sqlite');
  const started = performance.now();
  const events = await buildReplayLog(logPath, total);
  const buildMs = performance.now() - started;
  const build: Measurement = {
    label: 'build: appendSync per group (18/31 ev), normal, 1 run',
    events,
    medianMs: buildMs,
    minMs: buildMs,
    maxMs: buildMs,
    rate: events / (buildMs / 1000),
  };
  console.log(`  built a ${events.toLocaleString('en-US')}-event log: ${Math.round(build.rate).toLocaleString('en-US')} events/s`);

  const scratch = join(dir, 'replay-models.sqlite');
  const log = new SqliteEventLog(logPath, { watchOtherProcesses: false });
  let tables = '';
  try {
    const replayed = await measure('replay: rebuild(ALL_PROJECTIONS)', reps, events, () => {
      let store: ReadModelStore | undefined;
      return {
        run: async () => {
          store = await rebuild(log, ALL_PROJECTIONS, scratch);
        },
        teardown() {
          if (store) tables = ['groups', 'subband_files', 'stage_status', 'stage_metrics'].map((t) => `${t} ${count(store!.db, t)}`).join(', ');
          store?.close();
          removeDatabase(scratch);
        },
      };
    });
    console.log(`  ${replayed.label}: ${Math.round(replayed.rate).toLocaleString('en-US')} events/s (rows: ${tables})`);
    const readOnly = await measure('  SqliteEventLog.read only (pages of 10k)', reps, events, () => ({
      run() {
        for (let after = 0; ; ) {
          const page = log.readSync({ after, limit: 10_000 });
          if (page.length === 0) return;
          after = page[page.length - 1]!.seq;
        }
      },
    }));
    const reference = await measure('  reference: SELECT + JSON.parse', reps, events, () => referenceReadTrial(logPath));
    return [
      { result: build, target: APPEND_TARGET },
      { result: replayed, reference, target: REPLAY_TARGET },
      { result: readOnly, reference },
      { result: reference, reference },
    ];
  } finally {
    await log.close();
  }
}

function count(db: Database.Database, table: string): string {
  return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n.toLocaleString('en-US');
}

function referenceReadTrial(path: string) {
  const db = new Database(path, { readonly: true });
  const select = db.prepare<[], { seq: number; payload: string }>(
    'SELECT seq, id, stream, stream_version, type, version, time, causation_id, correlation_id, payload FROM events ORDER BY seq',
  );
  return {
    run() {
      let n = 0;
      for (const row of select.iterate()) if (JSON.parse(row.payload) !== null) n++;
      return n;
    },
    teardown: () => db.close(),
  };
}

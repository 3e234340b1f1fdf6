/**
 * The Kafka event log against the SQLite one, in the same script on the same events: append
 * throughput per batch size (one writer awaiting each append, as the pipeline does, and 16
 * concurrent writers), the time to open a log (the replica folds the whole topic), and the replay
 * of every projection through each log.
 *
 *   npm run bench -- kafka [--quick] [--reps=N] [--brokers HOST:PORT]
 *
 * Without --brokers it starts the project's broker (scripts/kafka) in a temporary directory.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { logLevel } from 'kafkajs';
import type { NewEvent } from '../src/eventlog/event.js';
import type { EventLog } from '../src/eventlog/eventLog.js';
import { KafkaEventLog } from '../src/eventlog/kafkaEventLog.js';
import { SqliteEventLog } from '../src/eventlog/sqliteEventLog.js';
import { ALL_PROJECTIONS } from '../src/projections/index.js';
import { rebuild } from '../src/projections/replay.js';
import { groupBatches, groupId } from '../test/support/groupEvents.js';
import { startBroker } from '../test/support/kafkaBroker.js';
import { measure, printTable, summarise, type Row } from './support.js';

const BATCH_SIZES = [1, 10, 100, 1000] as const;
/** Events per repetition: about a few seconds each on a small machine. */
const APPEND_EVENTS: Record<(typeof BATCH_SIZES)[number], number> = { 1: 2_000, 10: 10_000, 100: 50_000, 1000: 100_000 };
const CONCURRENT_WRITERS = 16;
const REPLAY_EVENTS = 100_000;
const QUICK_DIVISOR = 10;
const EPOCH = Date.UTC(2026, 10, 24, 8, 15, 0);

export default async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const repsArg = args.find((a) => a.startsWith('--reps='));
  const reps = repsArg ? Number(repsArg.slice('--reps='.length)) : 3;
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps needs a positive integer, got ${repsArg}`);
  const brokersAt = args.indexOf('--brokers');
  const scale = (n: number) => (quick ? Math.max(100, Math.round(n / QUICK_DIVISOR)) : n);
  const dir = mkdtempSync(join(tmpdir(), 'contimg-bench-kafka-'));
  const broker = brokersAt >= 0 ? undefined : await startBroker();
  const brokers = brokersAt >= 0 ? args[brokersAt + 1]!.split(',') : [broker!.address];
  console.log(`kafka benchmark${quick ? ' (--quick)' : ''}: ${reps} repetitions per case, median; broker ${brokers.join(',')}\n`);
  const openKafka = (topic: string) => KafkaEventLog.open({ brokers, topic, logLevel: logLevel.NOTHING });
  const openSqlite = () => new SqliteEventLog(join(dir, `${randomUUID()}.sqlite`), { watchOtherProcesses: false });
  try {
    const rows: Row[] = [];
    for (const batch of BATCH_SIZES) {
      const batches = appendPlan(batch, scale(APPEND_EVENTS[batch]));
      const events = batches.length * batch;
      const sqlite = await measure(`  reference: SQLite (sync=full) batch=${batch}`, reps, events, () => appendTrial(openSqlite(), batches, 1));
      const kafka = await measure(`append Kafka batch=${batch}`, reps, events, async () => appendTrial(await openKafka(`bench-${randomUUID()}`), batches, 1));
      rows.push({ result: kafka, reference: sqlite }, { result: sqlite, reference: sqlite });
      console.log(`  batch ${batch}: Kafka ${int(kafka.rate)} events/s, SQLite ${int(sqlite.rate)} events/s`);
    }
    const concurrent = appendPlan(1, scale(APPEND_EVENTS[1]) * 4);
    const sqlite = await measure(`  reference: SQLite, ${CONCURRENT_WRITERS} writers, batch=1`, reps, concurrent.length, () => appendTrial(openSqlite(), concurrent, CONCURRENT_WRITERS));
    const kafka = await measure(`append Kafka ${CONCURRENT_WRITERS} writers batch=1`, reps, concurrent.length, async () =>
      appendTrial(await openKafka(`bench-${randomUUID()}`), concurrent, CONCURRENT_WRITERS),
    );
    rows.push({ result: kafka, reference: sqlite }, { result: sqlite, reference: sqlite });
    rows.push(...(await replayRows(openKafka, openSqlite, reps, scale(REPLAY_EVENTS))));
    console.log('');
    printTable(rows);
    console.log('\nratio vs ref = our time per event / the reference\'s: how many times slower the Kafka log is than the SQLite log.');
    console.log('An append is acknowledged once the broker has it (acks=all) and this process has folded it into its replica.');
  } finally {
    if (broker) await broker.stop();
    rmSync(dir, { recursive: true, force: true });
    if (broker) rmSync(broker.dir, { recursive: true, force: true });
  }
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');

interface Batch {
  readonly stream: string;
  readonly events: readonly NewEvent[];
}

/** `total` events (rounded up to whole batches) of stage progress, 48 per group stream, as batches of `size`. */
function appendPlan(size: number, total: number): Batch[] {
  const batches: Batch[] = [];
  for (let n = 0; n < total; n += size) {
    const group = Math.floor(n / Math.max(48, size));
    const groupId = new Date(EPOCH + group * 309_000).toISOString().slice(0, 19);
    const events = Array.from({ length: size }, (_, i): NewEvent => ({
      type: 'StageProgress',
      time: new Date(EPOCH + (n + i) * 10).toISOString(),
      payload: { groupId, stage: 'image', fraction: ((n + i) % 100) / 100, message: `wsclean: major iteration ${(n + i) % 20} of 20` },
    }));
    batches.push({ stream: groupId, events });
  }
  return batches;
}

/** Whole group lifecycles as the pipeline writes them (23 events in 4 batches per group), about `total` events. */
function replayPlan(total: number): Batch[][] {
  const perGroup = groupBatches(groupId(0), new Date(EPOCH).toISOString(), 'worker-1').flat().length;
  return Array.from({ length: Math.ceil(total / perGroup) }, (_, g) => {
    const time = new Date(EPOCH + g * 309_000).toISOString();
    return groupBatches(groupId(g), time, `worker-${g % 3}`).map((events) => ({ stream: groupId(g), events }));
  });
}

/** Appends every batch with `writers` concurrent writers (each awaits its own appends), then closes the log. */
function appendTrial(log: EventLog, batches: readonly Batch[], writers: number) {
  return {
    async run() {
      let next = 0;
      const writer = async () => {
        for (let i = next++; i < batches.length; i = next++) await log.append(batches[i]!.stream, batches[i]!.events, 'any');
      };
      await Promise.all(Array.from({ length: writers }, writer));
    },
    teardown: () => log.close(),
  };
}

async function replayRows(openKafka: (topic: string) => Promise<KafkaEventLog>, openSqlite: () => SqliteEventLog, reps: number, total: number): Promise<Row[]> {
  const topic = `bench-replay-${randomUUID()}`;
  const groups = replayPlan(total);
  const sqlite = openSqlite();
  for (const { stream, events } of groups.flat()) sqlite.appendSync(stream, events, 'any');
  // Concurrent writers, each writing whole groups in order: a group's lifecycle stays legal.
  const writer = await openKafka(topic);
  let next = 0;
  const writeGroups = async () => {
    for (let g = next++; g < groups.length; g = next++) for (const { stream, events } of groups[g]!) await writer.append(stream, events, 'any');
  };
  await Promise.all(Array.from({ length: CONCURRENT_WRITERS }, writeGroups));
  await writer.close();
  const events = await sqlite.head();
  const scratch = join(tmpdir(), `contimg-bench-replay-${randomUUID()}.sqlite`);
  const rebuildTrial = (log: EventLog) => ({
    run: async () => (await rebuild(log, ALL_PROJECTIONS, scratch)).close(),
    teardown: () => rmSync(scratch, { force: true }),
  });

  const openTimes: number[] = [];
  const rssPerEvent: number[] = [];
  for (let i = 0; i < reps; i++) {
    const rss = process.memoryUsage().rss;
    const start = performance.now();
    const log = await openKafka(topic);
    await log.head();
    openTimes.push(performance.now() - start);
    rssPerEvent.push((process.memoryUsage().rss - rss) / events);
    await log.close();
  }
  const open = summarise('open Kafka log: fold the topic into the replica', events, openTimes);
  console.log(`  opening a ${int(events)}-event topic: ${int(open.rate)} events/s; resident memory about ${int(Math.max(...rssPerEvent))} bytes per event`);

  const kafka = await openKafka(topic);
  try {
    const fromKafka = await measure('replay: rebuild(ALL_PROJECTIONS) from Kafka', reps, events, () => rebuildTrial(kafka));
    const fromSqlite = await measure('  reference: the same from SQLite', reps, events, () => rebuildTrial(sqlite));
    return [{ result: open }, { result: fromKafka, reference: fromSqlite }, { result: fromSqlite, reference: fromSqlite }];
  } finally {
    await kafka.close();
    await sqlite.close();
  }
}

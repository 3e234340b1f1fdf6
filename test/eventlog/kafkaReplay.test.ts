import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { logLevel } from 'kafkajs';
import { filter, firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/eventlog/event.js';
import type { EventLog } from '../../src/eventlog/eventLog.js';
import { KafkaEventLog } from '../../src/eventlog/kafkaEventLog.js';
import { SqliteEventLog } from '../../src/eventlog/sqliteEventLog.js';
import { ALL_PROJECTIONS } from '../../src/projections/index.js';
import { ReadModelStore } from '../../src/projections/readModelStore.js';
import { checksums, rebuild } from '../../src/projections/replay.js';
import { contimg } from '../support/cli.js';
import { groupBatches, groupId } from '../support/groupEvents.js';
import { arbitraryHistory } from '../support/groupHistories.js';
import { useBroker } from '../support/kafkaBroker.js';

const broker = useBroker();
const time = '2026-11-24T08:00:00.000Z';

/** Random lifecycles of a few groups (a fixed seed) and whole processed groups, as batches with fixed ids. */
function history(): { stream: string; events: NewEvent[] }[] {
  const [random] = fc.sample(arbitraryHistory(150), { numRuns: 1, seed: 20261124 });
  const steps = random!.steps.map((step, k) => ({ stream: step.stream, events: [{ ...step.event, id: `history:${k}` }] }));
  const processed = [10, 11, 12].flatMap((g) =>
    groupBatches(groupId(g), time, `worker-${g % 2}`).map((batch, b) => ({ stream: groupId(g), events: batch.map((e, k) => ({ ...e, id: `group:${g}:${b}:${k}` })) })),
  );
  return [...steps, ...processed];
}

async function appendAll(log: EventLog, batches: ReturnType<typeof history>): Promise<void> {
  for (const { stream, events } of batches) await log.append(stream, events, 'any');
}

describe('read models from the Kafka log', () => {
  let dir: string;
  let topic: string;
  let kafka: KafkaEventLog;
  let sqlite: SqliteEventLog;
  let total: number;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'contimg-kafka-replay-'));
    topic = `replay-${randomUUID()}`;
    kafka = await KafkaEventLog.open({ brokers: [broker().address], topic, logLevel: logLevel.NOTHING });
    sqlite = new SqliteEventLog(join(dir, 'events.sqlite'), { watchOtherProcesses: false });
    const batches = history();
    total = batches.reduce((n, b) => n + b.events.length, 0);
    // The live read models follow the Kafka log while it is written, as `contimg run` would.
    const live = new ReadModelStore(join(dir, 'data', 'state', 'readmodels.sqlite'), ALL_PROJECTIONS);
    const caughtUp = firstValueFrom(live.follow(kafka).pipe(filter((batch) => batch[batch.length - 1]!.seq >= total)));
    await appendAll(kafka, batches);
    await appendAll(sqlite, batches);
    await caughtUp;
    live.close();
  });
  afterAll(async () => {
    await kafka?.close();
    await sqlite?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('replaying the topic gives the read models that replaying the same events from SQLite gives, and that were built live', async () => {
    expect(await kafka.head()).toBe(total);
    const fromKafka = await rebuild(kafka, ALL_PROJECTIONS, join(dir, 'from-kafka.sqlite'));
    const fromSqlite = await rebuild(sqlite, ALL_PROJECTIONS, join(dir, 'from-sqlite.sqlite'));
    const live = new ReadModelStore(join(dir, 'data', 'state', 'readmodels.sqlite'), ALL_PROJECTIONS);
    const [kafkaSums, sqliteSums, liveSums] = [fromKafka, fromSqlite, live].map(checksums);
    [fromKafka, fromSqlite, live].forEach((store) => store.close());
    expect(sqliteSums!.every((p) => p.throughSeq === total)).toBe(true);
    const rows = new Map(sqliteSums!.flatMap((p) => p.tables).map((t) => [t.table, t.rows]));
    for (const table of ['groups', 'subband_files', 'stage_status', 'stage_metrics']) expect(rows.get(table), table).toBeGreaterThan(0);
    expect(kafkaSums).toEqual(sqliteSums);
    expect(liveSums).toEqual(sqliteSums);
  });

  it('a read model resumed from its checkpoint by another process applies every later event once', async () => {
    const resumedTopic = `resume-${randomUUID()}`;
    const path = join(dir, 'resumed.sqlite');
    const batches = history();
    const half = Math.floor(batches.length / 2);
    const firstHalf = batches.slice(0, half).reduce((n, b) => n + b.events.length, 0);
    const follow = async (upTo: ReturnType<typeof history>, through: number) => {
      const log = await KafkaEventLog.open({ brokers: [broker().address], topic: resumedTopic, logLevel: logLevel.NOTHING });
      const store = new ReadModelStore(path, ALL_PROJECTIONS);
      const caughtUp = firstValueFrom(store.follow(log).pipe(filter((batch) => batch[batch.length - 1]!.seq >= through)));
      await appendAll(log, upTo);
      await caughtUp;
      store.close();
      await log.close();
    };
    await follow(batches.slice(0, half), firstHalf);
    await follow(batches.slice(half), total);
    const resumed = new ReadModelStore(path, ALL_PROJECTIONS);
    const fromSqlite = await rebuild(sqlite, ALL_PROJECTIONS, join(dir, 'resume-reference.sqlite'), total);
    expect(checksums(resumed)).toEqual(checksums(fromSqlite));
    [resumed, fromSqlite].forEach((store) => store.close());
  });

  it('contimg replay --from-kafka --verify passes, fails on a tampered read model, and a rebuild from the topic repairs it', async () => {
    const data = join(dir, 'data');
    const fromKafka = ['--data', data, 'replay', '--from-kafka', '--brokers', broker().address, '--topic', topic];
    const ok = await contimg([...fromKafka, '--verify']);
    expect(ok.code, ok.stderr).toBe(0);
    const tables = ALL_PROJECTIONS.flatMap((p) => p.tables).length;
    expect(ok.stdout).toContain(`verified: ${tables} tables of ${ALL_PROJECTIONS.length} projections equal a replay of the log`);

    const db = new Database(join(data, 'state', 'readmodels.sqlite'));
    db.prepare("UPDATE groups SET status = 'failed' WHERE status = 'completed'").run();
    db.close();
    const bad = await contimg([...fromKafka, '--verify']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('DIFFERENT: groups differ from a replay of the log');

    const rebuilt = await contimg(fromKafka);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.stdout).toContain(`rebuilt ${ALL_PROJECTIONS.length} projections from ${total} events`);
    expect((await contimg([...fromKafka, '--verify'])).code).toBe(0);
    // the rebuild is recorded in the topic itself
    const [recorded] = await kafka.read({ after: total, limit: 10 });
    expect(recorded).toMatchObject({ type: 'ReadModelsRebuilt', stream: 'operator', payload: { throughSeq: total } });
  });

  it('contimg replay --from-kafka refuses missing or malformed brokers with a usage error', async () => {
    const data = join(dir, 'usage');
    const missing = await contimg(['--data', data, 'replay', '--from-kafka']);
    expect([missing.code, missing.stderr]).toEqual([2, 'contimg: --from-kafka needs --brokers HOST:PORT[,HOST:PORT...]\n']);
    const malformed = await contimg(['--data', data, 'replay', '--from-kafka', '--brokers', 'localhost']);
    expect([malformed.code, malformed.stderr]).toEqual([2, 'contimg: --brokers: "localhost" is not HOST:PORT\n']);
  });
});

import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, map, mergeMap, scan } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/eventlog/event.js';
import { KafkaEventLog } from '../../src/eventlog/kafkaEventLog.js';
import { contimg, startContimg } from '../support/cli.js';
import { useBroker } from '../support/kafkaBroker.js';
import { comparableReadModels } from '../support/readModels.js';

const broker = useBroker();
const dir = mkdtempSync(join(tmpdir(), 'contimg-workers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const GROUPS = 20;
const TOPIC = 'workers';

describe('workers on the Kafka log', () => {
  it(`three workers process ${GROUPS} groups; one is SIGKILLed mid-conversion; every group completes once and no product is duplicated`, async () => {
    const incoming = join(dir, 'incoming');
    const data = join(dir, 'data');
    mkdirSync(incoming, { recursive: true });
    const sim = await contimg(['simulate', '--out', incoming, '--truth-dir', join(dir, 'truth'), '--groups', String(GROUPS), '--subbands', '4', '--antennas', '24', '--channels', '32', '--integrations', '12']);
    expect(sim.code, sim.stderr).toBe(0);
    const env = {
      CONTIMG_KAFKA_BROKERS: broker().address,
      CONTIMG_KAFKA_TOPIC: TOPIC,
      CONTIMG_INGEST_EXPECTED_SUBBANDS: '4',
      CONTIMG_INGEST_STABLE_MS: '200',
      CONTIMG_PROCESS_LEASE_SECONDS: '10',
      CONTIMG_PROCESS_STAGES: 'convert,flag,solve,apply',
      CONTIMG_LOG_LEVEL: 'warn',
    };
    // ingest on one node, into the topic
    const ingest = startContimg(['--data', data, 'run', '--incoming', incoming, '--no-process', '--until-idle', '--no-view'], env);
    expect(await ingest.exited, ingest.stderr()).toBe(0);

    const log = await KafkaEventLog.open({ brokers: [broker().address], topic: TOPIC });
    try {
      const workers = [0, 1, 2].map(() => startContimg(['--data', data, 'worker', '--until-idle'], env));
      const victim = workers[0]!;
      // the first group the victim is converting, once its conversion is under way
      const claimedBy = (e: StoredEvent) => e.type === 'GroupClaimed' && e.payload.workerId.split(':').at(-2) === String(victim.child.pid);
      const victimGroup = await firstValueFrom(
        log.follow(await log.head()).pipe(
          mergeMap((batch) => batch),
          scan((acc: { claimed: Set<string>; hit: string | null }, e) => {
            if (claimedBy(e)) acc.claimed.add(e.stream);
            if (e.type === 'StageProgress' && acc.claimed.has(e.stream) && e.payload.fraction < 1) acc.hit = e.stream;
            return acc;
          }, { claimed: new Set<string>(), hit: null }),
          map((acc) => acc.hit),
          filter((hit): hit is string => hit !== null),
        ),
      );
      victim.child.kill('SIGKILL');
      for (const worker of workers.slice(1)) expect(await worker.exited, worker.stderr()).toBe(0);

      const events = await log.read({ after: 0, limit: 1_000_000 });
      const count = (type: string, stream?: string) => events.filter((e) => e.type === type && (stream === undefined || e.stream === stream)).length;
      const processed = new Set(events.filter((e) => e.type === 'GroupProcessed').map((e) => e.stream));
      expect(processed.size).toBe(GROUPS);
      // once each, and once more for each group the pipeline sent back to re-apply a calibration
      // that landed later (this stretch of sky passes 3C454.3)
      for (const id of processed) expect(count('GroupProcessed', id), id).toBe(1 + count('ReprocessRequested', id));
      expect(count('MsWritten')).toBe(GROUPS);
      const tables = events.flatMap((e) => (e.type === 'CaltableRegistered' ? [e.payload.caltableId] : []));
      expect(new Set(tables).size).toBe(tables.length);
      // the victim's group was taken over: its lease released, then claimed and converted again
      expect(count('LeaseExpired', victimGroup)).toBe(1);
      expect(count('GroupClaimed', victimGroup)).toBe(2);
      const workersUsed = new Set(events.flatMap((e) => (e.type === 'GroupClaimed' ? [e.payload.workerId] : [])));
      expect(workersUsed.size).toBe(3);
      expect(readdirSync(join(data, 'ms')).sort()).toEqual([...processed.keys()].map((id) => `${id}.ms`).sort());
    } finally {
      await log.close();
    }
  }, 400_000);

  it('runs the same pipeline to the same read models on the Kafka log as on the SQLite log', async () => {
    const incoming = join(dir, 'same', 'incoming');
    mkdirSync(incoming, { recursive: true });
    const sim = await contimg(['simulate', '--out', incoming, '--truth-dir', join(dir, 'same', 'truth'), '--groups', '3', '--subbands', '4', '--antennas', '16', '--channels', '16', '--integrations', '6', '--calibrator', '3C454.3']);
    expect(sim.code, sim.stderr).toBe(0);
    const env = { CONTIMG_INGEST_EXPECTED_SUBBANDS: '4', CONTIMG_INGEST_STABLE_MS: '200', CONTIMG_PROCESS_STAGES: 'convert,flag,solve,apply', CONTIMG_LOG_LEVEL: 'warn' };
    const run = async (data: string, extra: Record<string, string>) => {
      const started = startContimg(['--data', data, 'run', '--incoming', incoming, '--until-idle', '--no-view'], { ...env, ...extra });
      expect(await started.exited, started.stderr()).toBe(0);
    };
    await run(join(dir, 'same', 'sqlite'), {});
    await run(join(dir, 'same', 'kafka'), { CONTIMG_KAFKA_BROKERS: broker().address, CONTIMG_KAFKA_TOPIC: 'same' });
    const onKafka = comparableReadModels(join(dir, 'same', 'kafka'), 'readmodels-kafka-same.sqlite');
    expect(onKafka).toEqual(comparableReadModels(join(dir, 'same', 'sqlite')));
    expect((onKafka as { caltables: unknown[] }).caltables.length).toBeGreaterThan(0);
  }, 400_000);

  it('completes the run across a broker restart without a restart of its own: no event lost, every group once, the outage told', async () => {
    const incoming = join(dir, 'restart', 'incoming');
    const data = join(dir, 'restart', 'data');
    mkdirSync(incoming, { recursive: true });
    const sim = await contimg(['simulate', '--out', incoming, '--truth-dir', join(dir, 'restart', 'truth'), '--groups', '6', '--subbands', '4', '--antennas', '24', '--channels', '32', '--integrations', '12']);
    expect(sim.code, sim.stderr).toBe(0);
    const env = { CONTIMG_KAFKA_BROKERS: broker().address, CONTIMG_KAFKA_TOPIC: 'restart', CONTIMG_INGEST_EXPECTED_SUBBANDS: '4', CONTIMG_INGEST_STABLE_MS: '200', CONTIMG_PROCESS_STAGES: 'convert,flag,solve,apply', CONTIMG_LOG_LEVEL: 'info' };
    const started = startContimg(['--data', data, 'run', '--incoming', incoming, '--until-idle', '--no-view'], env);
    const log = await KafkaEventLog.open({ brokers: [broker().address], topic: 'restart' });
    await firstValueFrom(log.follow(0).pipe(filter((batch) => batch.some((e) => e.type === 'StageCompleted'))));
    await log.close();
    await broker().restart({ kill: true });
    expect(await started.exited, started.stderr()).toBe(0);
    // the operator is told of the outage, and of its end
    const messages = started.stderr().split('\n').flatMap((line) => {
      const msg = line.startsWith('{') ? (JSON.parse(line) as { msg?: unknown }).msg : undefined;
      return typeof msg === 'string' ? [msg] : [];
    });
    const lastUnreachable = messages.findLastIndex((msg) => msg.startsWith('event log unreachable, retrying in '));
    expect(lastUnreachable, started.stderr()).toBeGreaterThanOrEqual(0);
    expect(messages.slice(lastUnreachable)).toContain('event log reachable again');

    const after = await KafkaEventLog.open({ brokers: [broker().address], topic: 'restart' });
    try {
      const events = await after.read({ after: 0, limit: 1_000_000 });
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      const processed = new Set(events.filter((e) => e.type === 'GroupProcessed').map((e) => e.stream));
      expect(processed.size).toBe(6);
      const count = (type: string, id: string) => events.filter((e) => e.type === type && e.stream === id).length;
      for (const id of processed) expect(count('GroupProcessed', id), id).toBe(1 + count('ReprocessRequested', id));
      expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    } finally {
      await after.close();
    }
  }, 400_000);
});

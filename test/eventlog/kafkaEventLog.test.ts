import { randomUUID } from 'node:crypto';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { ConcurrencyError, isLogUnreachable } from '../../src/eventlog/errors.js';
import type { NewEvent } from '../../src/eventlog/event.js';
import { KafkaEventLog } from '../../src/eventlog/kafkaEventLog.js';
import { eventLogContract } from '../support/eventLogContract.js';
import { collectedGroup, groupId } from '../support/groupEvents.js';
import { useBroker } from '../support/kafkaBroker.js';

const broker = useBroker();
const uniqueTopic = () => `test-${randomUUID()}`;
const open = (topic: string) => KafkaEventLog.open({ brokers: [broker().address], topic, logLevel: logLevel.NOTHING });
const time = '2026-11-24T08:00:00.000Z';

eventLogContract('Kafka', async () => {
  const log = await open(uniqueTopic());
  return { log, cleanup: () => log.close() };
});

describe('KafkaEventLog', () => {
  const opened: KafkaEventLog[] = [];
  const openTracked = async (topic: string) => {
    const log = await open(topic);
    opened.push(log);
    return log;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((log) => log.close()));
  });
  const admin = async () => {
    const client = new Kafka({ brokers: [broker().address], logLevel: logLevel.NOTHING }).admin();
    await client.connect();
    return client;
  };

  it('lets exactly one of two writers in different clients win a race for the same stream version, and every reader agrees', async () => {
    const topic = uniqueTopic();
    const [a, b] = await Promise.all([openTracked(topic), openTracked(topic)]);
    const [opened0] = collectedGroup(groupId(0), time);
    await a.append(groupId(0), [opened0!], 0);
    for (let round = 0; round < 5; round++) {
      const version = 1 + round;
      const arrival = (writer: string): NewEvent => ({
        type: 'SubbandArrived',
        time,
        payload: { groupId: groupId(0), subband: round, path: `/in/${writer}-${round}.hdf5`, sizeBytes: 1, mtime: time },
      });
      const outcomes = await Promise.allSettled([a.append(groupId(0), [arrival('a')], version), b.append(groupId(0), [arrival('b')], version)]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const loser = outcomes.find((o) => o.status === 'rejected');
      expect(loser?.reason).toBeInstanceOf(ConcurrencyError);
    }
    const late = await openTracked(topic);
    const views = await Promise.all([a, b, late].map((log) => log.read({ after: 0, limit: 100 })));
    expect(views[0]!.map((e) => [e.seq, e.streamVersion])).toEqual(Array.from({ length: 6 }, (_, i) => [i + 1, i + 1]));
    expect(views[1]).toEqual(views[0]);
    expect(views[2]).toEqual(views[0]);
    // the losers' records are still in the topic, refused by every reader
    const client = await admin();
    const [partition] = await client.fetchTopicOffsets(topic);
    await client.disconnect();
    expect(Number(partition!.offset)).toBe(1 + 2 * 5);
  });

  it('keeps event ids, times and causation through the topic', async () => {
    const topic = uniqueTopic();
    const log = await openTracked(topic);
    const [event] = collectedGroup(groupId(0), time);
    await log.append(groupId(0), [{ ...event!, id: 'ingest:x:1', causationId: 'cmd-1', correlationId: 'night-1' }], 0);
    const fresh = await openTracked(topic);
    expect((await fresh.readStream(groupId(0)))[0]).toMatchObject({ id: 'ingest:x:1', causationId: 'cmd-1', correlationId: 'night-1', time, seq: 1 });
  });

  it('refuses a batch larger than the topic takes, before sending it', async () => {
    const log = await openTracked(uniqueTopic());
    const huge = Array.from({ length: 40_000 }, (_, i): NewEvent => ({ type: 'StageProgress', time, payload: { groupId: groupId(0), stage: 'image', fraction: 0.5, message: `step ${i} `.repeat(4) } }));
    await expect(log.append(groupId(0), huge, 'any')).rejects.toThrow(/bytes; Kafka topic "test-.*" takes at most 8388608 per append/);
    expect(await log.head()).toBe(0);
  });

  it('fails loudly, naming the offset, when the topic holds a record that is not a contimg batch', async () => {
    const topic = uniqueTopic();
    const log = await openTracked(topic);
    await log.append(groupId(0), collectedGroup(groupId(0), time).slice(0, 2), 0);
    const producer = new Kafka({ brokers: [broker().address], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'hello from another application' }] });
    await producer.disconnect();
    await expect(log.head()).rejects.toThrow(`record 1 of Kafka topic "${topic}" is not a contimg event batch: not JSON`);
    await expect(log.append(groupId(1), collectedGroup(groupId(1), time), 0)).rejects.toThrow(/record 1 .* not a contimg event batch/);
    await expect(openTracked(topic).then((fresh) => fresh.read({ after: 0, limit: 10 }))).rejects.toThrow(/record 1 .* not a contimg event batch/);
  });

  it('refuses a topic that would reorder, compact or expire events', async () => {
    const client = await admin();
    const partitioned = uniqueTopic();
    const expiring = uniqueTopic();
    const compacted = uniqueTopic();
    await client.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: partitioned, numPartitions: 3, replicationFactor: 1 },
        { topic: expiring, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '604800000' }] },
        { topic: compacted, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      ],
    });
    await expect(open(partitioned)).rejects.toThrow(`Kafka topic "${partitioned}" has 3 partitions; the contimg event log needs exactly 1`);
    await expect(open(expiring)).rejects.toThrow(/retention.ms is 604800000: events would expire/);
    await expect(open(compacted)).rejects.toThrow(/cleanup.policy is "compact"/);
    // the topic contimg creates itself keeps events forever
    const created = uniqueTopic();
    await openTracked(created);
    const { resources } = await client.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: created, configNames: ['retention.ms', 'cleanup.policy'] }] });
    await client.disconnect();
    expect(Object.fromEntries(resources[0]!.configEntries.map((c) => [c.configName, c.configValue]))).toEqual({ 'retention.ms': '-1', 'cleanup.policy': 'delete' });
  });

  it('refuses to open when no broker answers, saying where it looked', async () => {
    await expect(KafkaEventLog.open({ brokers: ['127.0.0.1:9'], topic: 'x', logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 50 } })).rejects.toThrow(
      /cannot open the event log on Kafka topic "x" at 127.0.0.1:9: .*ECONNREFUSED/,
    );
  });
});

describe('KafkaEventLog across a broker restart', () => {
  it('loses no acknowledged append when the broker is killed (SIGKILL) and restarted mid-stream, duplicates none, and carries on by itself', async () => {
    const topic = uniqueTopic();
    const log = await open(topic);
    const batch = (i: number): NewEvent[] => collectedGroup(groupId(i), time, 2).map((event, k) => ({ ...event, id: `restart-test:${i}:${k}` }));
    const acknowledged: number[] = [];
    let settledByRefusal = 0;
    let crossedOutage = 0;
    const outage = { phase: 'before' as 'before' | 'down' | 'after' };
    const restarted = (async () => {
      while (acknowledged.length < 10) await sleep(20);
      outage.phase = 'down';
      await broker().stop({ kill: true });
      await broker().start();
      outage.phase = 'after';
    })();
    /**
     * Appends batch i until Kafka answers, retrying with the same ids so that a copy that landed
     * refuses the retry. Each try ends within the log's own deadlines, so however long the broker
     * takes to come back (a loaded machine), this waits for it; once it is back, a few tries must do.
     */
    const appendUntilAnswered = async (i: number) => {
      for (let triesSinceBack = 0; triesSinceBack < 5; ) {
        const startedIn = outage.phase;
        try {
          await log.append(groupId(i), batch(i), 0).finally(() => {
            if (startedIn !== outage.phase) crossedOutage++;
          });
          acknowledged.push(i);
          return;
        } catch (err) {
          if (err instanceof ConcurrencyError) {
            settledByRefusal++;
            return;
          }
          expect(isLogUnreachable(err), String(err)).toBe(true);
        }
        if (startedIn === 'after') triesSinceBack++;
        await sleep(200);
      }
      throw new Error(`append ${i} got no answer in 5 tries after the broker came back`);
    };
    let i = 0;
    let afterwards = 0;
    while (afterwards < 10) {
      await appendUntilAnswered(i++);
      if (outage.phase === 'after') afterwards++;
    }
    await restarted;
    await log.close();

    const reader = await open(topic);
    const events = await reader.read({ after: 0, limit: 100_000 });
    await reader.close();
    expect(crossedOutage).toBeGreaterThan(0);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: events.length }, (_, k) => k + 1));
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const n of acknowledged) expect(ids).toEqual(expect.arrayContaining(batch(n).map((e) => e.id)));
    // every batch was answered exactly once: acknowledged, or refused because an unacknowledged copy had landed
    expect(acknowledged.length + settledByRefusal).toBe(i);
    expect(events).toHaveLength(i * 4);
  }, 240_000);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

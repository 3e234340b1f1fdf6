/**
 * The event log on Apache Kafka, for clusters: the same promises as the SQLite log (global `seq`,
 * per-stream optimistic concurrency, atomic batches, gapless live tail), kept as follows.
 *
 * - **One topic, one partition** (default `contimg-events`). A partition is Kafka's only total
 *   order, and the interface promises one global order (`read({after})`, `head`, `follow`), so
 *   the whole log is one partition; records are still keyed by stream so a later split by stream
 *   would keep each group's order. One partition sustains thousands of appends per second, far
 *   beyond the telescope's few events per second; it does not scale writes past one broker's
 *   partition leader, and that is the honest limit of this design.
 * - **One append = one record** holding the whole batch (with the event ids assigned by the
 *   writer), so a batch lands whole or not at all, without transactions. The producer is
 *   idempotent (acks=all, one request in flight): Kafka's own retries never duplicate a record.
 * - **The topic is the arbiter of concurrency.** Kafka has no conditional append, so a record
 *   carries the stream version its writer expected, and every reader folds the partition from
 *   offset 0 through the same rules as the SQLite log: a record is accepted only if, at its
 *   offset, its stream is at the expected version and none of its event ids is already in the
 *   log; otherwise every reader skips it. Accepted records get consecutive `seq`s and stream
 *   versions, identically in every process, because the fold is deterministic and the order is
 *   Kafka's. The writer waits until its own consumer has folded its record, then reports the
 *   verdict: the AppendResult, ConcurrencyError or a duplicate-id error. This is the SQLite log's
 *   guarantee (linearizable compare-and-append per stream, the partition order being the
 *   linearization), across any number of writer processes on any number of machines. Refused
 *   records stay in the topic, inert.
 * - **Each process keeps a replica**: the folded log in an in-memory SQLite event log, rebuilt
 *   from offset 0 when the log is opened. Reads first wait until the replica has folded the
 *   partition's end offset (one ListOffsets round trip), so a read sees every append acknowledged
 *   before it began, in any process. Memory grows with the log (the benchmark gives bytes per
 *   event); opening replays the whole topic at the replay rate measured in `bench/kafka.ts`.
 * - **An unacknowledged append is ambiguous**: if the broker stays unreachable past the retries,
 *   the record may or may not have been written. Retrying with the same event ids settles it: a
 *   copy that did land makes the retry fail as a duplicate or a stale version, never a double.
 *
 * - **A stalled fold is restarted.** kafkajs's consumer can stop fetching after a broker restart
 *   without reporting anything (tulios/kafkajs#267, #659). While an append or a read waits for the
 *   fold, a watchdog compares the fold's position with the partition's end offset; if the fold
 *   lags and has not moved for `stallSeconds`, the consumer is replaced by a new one that resumes at
 *   the fold's position.
 *
 * Projections keep their checkpoint as a `seq` in their own SQLite transaction, as with the SQLite
 * log: `seq` is a deterministic function of the topic's prefix, so it is as good as an offset.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Admin, type Consumer, type KafkaMessage, type Producer, type RetryOptions } from 'kafkajs';
import { BehaviorSubject, filter, firstValueFrom, ignoreElements, merge, type Observable } from 'rxjs';
import { ConcurrencyError, EventLogError, EventLogOpenError, InvalidEventError } from './errors.js';
import { validateBatch, type NewEvent, type StoredEvent } from './event.js';
import type { AppendResult, EventLog, ExpectedVersion, ReadOptions } from './eventLog.js';
import { decodeAppend, encodeAppend, newEventsOf } from './kafkaRecord.js';
import { ensureLogTopic } from './kafkaTopic.js';
import { SqliteEventLog } from './sqliteEventLog.js';

export const DEFAULT_TOPIC = 'contimg-events';
/** Header naming the append a record came from, so its writer can pick out its own verdict. */
const APPEND_HEADER = 'contimg-append';
/** Room for the record batch's framing, the key and the header within the topic's `max.message.bytes`. */
const RECORD_OVERHEAD_BYTES = 512;
const DEFAULT_STALL_SECONDS = 15;

export interface KafkaEventLogOptions {
  /** Bootstrap brokers, `host:port`. */
  readonly brokers: readonly string[];
  /** The log's topic; created (one partition, kept forever) when absent. */
  readonly topic?: string;
  readonly clientId?: string;
  /** kafkajs's retry policy for every request (default: kafkajs's own). */
  readonly retry?: RetryOptions;
  /** kafkajs's console logging (default: errors only). */
  readonly logLevel?: logLevel;
  /** Seconds a lagging fold may stand still, with someone waiting on it, before its consumer is replaced (default 15). */
  readonly stallSeconds?: number;
}

interface Waiter {
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

export class KafkaEventLog implements EventLog {
  readonly #replica = new SqliteEventLog(':memory:', { synchronous: 'normal', watchOtherProcesses: false });
  /** The next offset to fold; errors when the topic cannot be folded any further. */
  readonly #position = new BehaviorSubject<number>(0);
  readonly #waiters = new Map<string, Waiter>();
  /** Why the topic cannot be folded any further, once that happened. */
  #failure: Error | undefined;
  #closed = false;
  #consumer: Consumer;
  /** Reads waiting for the fold to reach the partition's end. */
  #catchingUp = 0;
  readonly #watchdog: NodeJS.Timeout;

  private constructor(
    readonly topic: string,
    readonly maxRecordBytes: number,
    private readonly admin: Admin,
    private readonly producer: Producer,
    private readonly newConsumer: () => Consumer,
    stallSeconds: number,
  ) {
    this.#consumer = newConsumer();
    this.#watchdog = this.#watchForStalls(stallSeconds);
  }

  /** Connects, creates or checks the topic, and starts folding it from offset 0. */
  static async open(options: KafkaEventLogOptions): Promise<KafkaEventLog> {
    const topic = options.topic ?? DEFAULT_TOPIC;
    const kafka = new Kafka({
      clientId: options.clientId ?? 'contimg',
      brokers: [...options.brokers],
      logLevel: options.logLevel ?? logLevel.ERROR,
      ...(options.retry && { retry: options.retry }),
    });
    const admin = kafka.admin();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    // A group of its own, never committed: each process folds the whole topic itself.
    const newConsumer = () => kafka.consumer({ groupId: `contimg-log-${randomUUID()}`, allowAutoTopicCreation: false, maxWaitTimeInMs: 500 });
    let log: KafkaEventLog | undefined;
    try {
      await admin.connect();
      const { maxRecordBytes } = await ensureLogTopic(admin, topic);
      await producer.connect();
      log = new KafkaEventLog(topic, maxRecordBytes, admin, producer, newConsumer, options.stallSeconds ?? DEFAULT_STALL_SECONDS);
      await log.#startFolding();
      return log;
    } catch (err) {
      const consumer = log === undefined ? undefined : log.#stop();
      await Promise.allSettled([consumer?.disconnect(), producer.disconnect(), admin.disconnect()]);
      if (err instanceof EventLogError) throw err;
      throw new EventLogOpenError(`cannot open the event log on Kafka topic "${topic}" at ${options.brokers.join(',')}: ${(err as Error).message}`);
    }
  }

  async append(stream: string, events: readonly NewEvent[], expectedVersion: ExpectedVersion): Promise<AppendResult> {
    if (this.#closed) throw new EventLogError('the Kafka event log is closed', 'EVENT_LOG_CLOSED');
    if (this.#failure !== undefined) throw this.#failure;
    const validated = validateBatch(stream, events);
    const value = encodeAppend(stream, expectedVersion, validated);
    if (value.length + RECORD_OVERHEAD_BYTES > this.maxRecordBytes) {
      throw new InvalidEventError(
        `the batch of ${events.length} events for stream "${stream}" is ${value.length} bytes; Kafka topic "${this.topic}" takes at most ${this.maxRecordBytes} per append`,
      );
    }
    const id = randomUUID();
    const verdict = new Promise<AppendResult>((resolve, reject) => this.#waiters.set(id, { resolve, reject }));
    // The verdict may be settled (folded, or the log failed) before send() returns.
    verdict.catch(() => undefined);
    try {
      await this.producer.send({ topic: this.topic, acks: -1, messages: [{ key: stream, value, headers: { [APPEND_HEADER]: id } }] });
    } catch (err) {
      if (!this.#waiters.delete(id)) return verdict;
      throw new EventLogError(
        `Kafka did not acknowledge the append to stream "${stream}" (${(err as Error).message}); it may still have been written: retry with the same event ids to find out`,
        'EVENT_APPEND_UNACKNOWLEDGED',
      );
    }
    return verdict;
  }

  async read(options: ReadOptions): Promise<readonly StoredEvent[]> {
    await this.#catchUp();
    return this.#replica.readSync(options);
  }

  async readStream(stream: string): Promise<readonly StoredEvent[]> {
    await this.#catchUp();
    return this.#replica.readStream(stream);
  }

  async head(): Promise<number> {
    await this.#catchUp();
    return this.#replica.headSync();
  }

  /** The replica's tail; fails with the reason if the topic cannot be folded any further. */
  follow(after: number): Observable<readonly StoredEvent[]> {
    return merge(this.#replica.follow(after), this.#position.pipe(ignoreElements()));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([this.#stop().disconnect(), this.producer.disconnect(), this.admin.disconnect()]);
    this.#settleAll(new EventLogError('the Kafka event log was closed before the append was folded', 'EVENT_LOG_CLOSED'));
    this.#position.complete();
    await this.#replica.close();
  }

  /** Stops the watchdog; returns the consumer to disconnect. */
  #stop(): Consumer {
    clearInterval(this.#watchdog);
    return this.#consumer;
  }

  async #startFolding(): Promise<void> {
    const consumer = this.#consumer;
    const { topic } = this;
    await consumer.connect();
    consumer.on(consumer.events.GROUP_JOIN, () => {
      // After a restart of the consumer (a broker outage) fetching resumes where folding stopped, not at 0.
      if (this.#position.value > 0) consumer.seek({ topic, partition: 0, offset: String(this.#position.value) });
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.#fail(new EventLogError(`the Kafka consumer of topic "${topic}" stopped: ${payload.error.message}`, 'EVENT_LOG_UNAVAILABLE'));
    });
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: ({ batch }) => {
        for (const message of batch.messages) this.#fold(message);
        return Promise.resolve();
      },
    });
  }

  /** Applies one record to the replica by the log's rules, and tells its writer the verdict. */
  #fold(message: KafkaMessage): void {
    const offset = Number(message.offset);
    if (offset < this.#position.value || this.#failure !== undefined) return;
    const waiter = this.#takeWaiter(message);
    const where = `record ${offset} of Kafka topic "${this.topic}"`;
    try {
      const record = decodeAppend(message.value, where);
      const result = this.#replica.appendSync(record.stream, newEventsOf(record), record.expectedVersion);
      waiter?.resolve(result);
    } catch (err) {
      if (!isRefusal(err)) {
        waiter?.reject(err);
        this.#fail(err instanceof EventLogOpenError ? err : new EventLogOpenError(`${where} cannot be folded into the log: ${(err as Error).message}`));
        return;
      }
      waiter?.reject(err);
    }
    this.#position.next(offset + 1);
  }

  #takeWaiter(message: KafkaMessage): Waiter | undefined {
    const id = message.headers?.[APPEND_HEADER]?.toString();
    const waiter = id === undefined ? undefined : this.#waiters.get(id);
    if (id !== undefined) this.#waiters.delete(id);
    return waiter;
  }

  /** Waits until the replica holds everything the partition held when this was called. */
  async #catchUp(): Promise<void> {
    if (this.#closed) throw new EventLogError('the Kafka event log is closed', 'EVENT_LOG_CLOSED');
    this.#catchingUp++;
    try {
      const end = await this.#endOffset();
      await firstValueFrom(this.#position.pipe(filter((next) => next >= end)));
    } finally {
      this.#catchingUp--;
    }
  }

  async #endOffset(): Promise<number> {
    const partitions = await this.admin.fetchTopicOffsets(this.topic);
    return Number(partitions[0]?.offset ?? 0);
  }

  /** Every half `stallSeconds`: replaces the consumer when the fold lags, someone waits, and it has not moved since the last look but one. */
  #watchForStalls(stallSeconds: number): NodeJS.Timeout {
    let seen = -1;
    let stillFor = 0;
    let checking = false;
    const timer = setInterval(() => {
      const position = this.#position.value;
      if (checking || this.#closed || this.#failure !== undefined) return;
      stillFor = position === seen ? stillFor + 1 : 0;
      seen = position;
      if (stillFor < 2 || (this.#waiters.size === 0 && this.#catchingUp === 0)) return;
      checking = true;
      this.#endOffset()
        .then(async (end) => {
          if (end > this.#position.value && this.#position.value === seen && !this.#closed) await this.#replaceConsumer();
        })
        .catch(() => undefined) // the broker is still away; look again next time
        .finally(() => {
          checking = false;
          stillFor = 0;
        });
    }, (stallSeconds * 1000) / 2);
    timer.unref();
    return timer;
  }

  async #replaceConsumer(): Promise<void> {
    const stalled = this.#consumer;
    this.#consumer = this.newConsumer();
    await Promise.allSettled([stalled.disconnect()]);
    await this.#startFolding();
  }

  #fail(error: Error): void {
    if (this.#failure !== undefined || this.#closed) return;
    this.#failure = error;
    this.#settleAll(error);
    this.#position.error(error);
  }

  #settleAll(error: unknown): void {
    for (const waiter of this.#waiters.values()) waiter.reject(error);
    this.#waiters.clear();
  }
}

/** The verdicts that refuse one append and leave the log foldable. */
function isRefusal(err: unknown): boolean {
  return err instanceof ConcurrencyError || (err instanceof EventLogError && err.code === 'EVENT_DUPLICATE_ID');
}

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
 * - **A broker outage is ridden out by starting over.** kafkajs's clients do not always come back
 *   from a broker restart: a consumer can stop fetching without a word (tulios/kafkajs#267, #659),
 *   and a send or an offsets request can wait through nested retries far longer than any caller
 *   will. So every broker call the log waits on has a deadline (`requestTimeoutSeconds`), and so
 *   has waiting for the fold (`foldTimeoutSeconds`); past it the caller gets EVENT_LOG_UNREACHABLE
 *   or, for an append, EVENT_APPEND_UNACKNOWLEDGED. A call that failed, a consumer that crashed,
 *   or a fold that lags and has not moved for `stallSeconds` while someone waits, retires the whole
 *   generation of clients (one `Kafka` instance: admin, producer, consumer); a new one is built,
 *   at the next call or by the watchdog within a second, and resumes the fold at its position.
 *   The new producer has a new producer id, so an append the old one left unacknowledged may
 *   land twice: the event-id rule above refuses the second copy.
 *
 * Projections keep their checkpoint as a `seq` in their own SQLite transaction, as with the SQLite
 * log: `seq` is a deterministic function of the topic's prefix, so it is as good as an offset.
 */
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Kafka, logLevel, Partitioners, type Admin, type Consumer, type ISocketFactory, type KafkaMessage, type logCreator, type Producer, type RetryOptions } from 'kafkajs';
import { BehaviorSubject, filter, firstValueFrom, from, ignoreElements, merge, throwError, timeout, type Observable } from 'rxjs';
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
const DEFAULT_REQUEST_TIMEOUT_SECONDS = 20;
const DEFAULT_FOLD_TIMEOUT_SECONDS = 60;
/**
 * kafkajs's retries once the log is open, about 10 s in all: enough for a leader election or a
 * coordinator loading; a longer outage is the log's to ride out, and a retired generation's retries
 * still under way only hold the process up.
 */
const GENERATION_RETRY: RetryOptions = { retries: 5, initialRetryTime: 300, maxRetryTime: 5000 };
/** How often the watchdog looks at the fold and at the clients. */
const WATCH_INTERVAL_MS = 1000;

export interface KafkaEventLogOptions {
  /** Bootstrap brokers, `host:port`. */
  readonly brokers: readonly string[];
  /** The log's topic; created (one partition, kept forever) when absent. */
  readonly topic?: string;
  readonly clientId?: string;
  /**
   * kafkajs's retry policy while opening (default: kafkajs's own), e.g. longer to wait for a broker
   * that is still starting. Once open, kafkajs retries briefly: the log rides out longer outages itself.
   */
  readonly retry?: RetryOptions;
  /** kafkajs's console logging (default: errors only). */
  readonly logLevel?: logLevel;
  /** Seconds a lagging fold may stand still, with someone waiting on it, before the clients are replaced (default 15). */
  readonly stallSeconds?: number;
  /** Seconds a broker call (connecting, sending an append, asking where the topic ends) may take before the broker counts as unreachable (default 20). */
  readonly requestTimeoutSeconds?: number;
  /** Seconds an append's verdict or a read may wait for the fold before the log counts as unreachable (default 60). */
  readonly foldTimeoutSeconds?: number;
}

interface Waiter {
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

/** One generation of kafkajs clients, over one `Kafka` instance: replaced together, never repaired. */
interface Clients {
  readonly admin: Admin;
  readonly producer: Producer;
  readonly consumer: Consumer;
  /** A call through them failed or the consumer crashed: the next call or look builds new ones. */
  broken: boolean;
  /** Replaced: whatever the consumer still delivers is ignored. */
  retired: boolean;
  /** Closes every connection of these clients, now and whenever they open another. */
  readonly cutOff: () => void;
}

export class KafkaEventLog implements EventLog {
  readonly #replica = new SqliteEventLog(':memory:', { synchronous: 'normal', watchOtherProcesses: false });
  /** The next offset to fold; errors when the topic cannot be folded any further. */
  readonly #position = new BehaviorSubject<number>(0);
  readonly #waiters = new Map<string, Waiter>();
  /** Why the topic cannot be folded any further, once that happened. */
  #failure: Error | undefined;
  #closed = false;
  /** The clients in use; none while a broker outage keeps new ones from connecting. */
  #clients: Clients | undefined;
  #connecting: Promise<Clients> | undefined;
  /** Reads waiting for the fold to reach the partition's end. */
  #catchingUp = 0;
  readonly #watchdog: NodeJS.Timeout;
  readonly #requestTimeoutMs: number;
  readonly #foldTimeoutMs: number;

  private constructor(
    readonly topic: string,
    readonly maxRecordBytes: number,
    private readonly options: KafkaEventLogOptions,
  ) {
    this.#requestTimeoutMs = (options.requestTimeoutSeconds ?? DEFAULT_REQUEST_TIMEOUT_SECONDS) * 1000;
    this.#foldTimeoutMs = (options.foldTimeoutSeconds ?? DEFAULT_FOLD_TIMEOUT_SECONDS) * 1000;
    this.#watchdog = this.#watch((options.stallSeconds ?? DEFAULT_STALL_SECONDS) * 1000);
  }

  /** Connects, creates or checks the topic, and starts folding it from offset 0. */
  static async open(options: KafkaEventLogOptions): Promise<KafkaEventLog> {
    const topic = options.topic ?? DEFAULT_TOPIC;
    const admin = newKafka(options).admin();
    let log: KafkaEventLog | undefined;
    try {
      await admin.connect();
      const { maxRecordBytes } = await ensureLogTopic(admin, topic);
      log = new KafkaEventLog(topic, maxRecordBytes, options);
      await log.#reconnect();
      return log;
    } catch (err) {
      await log?.close();
      if (err instanceof EventLogOpenError) throw err;
      throw new EventLogOpenError(`cannot open the event log on Kafka topic "${topic}" at ${options.brokers.join(',')}: ${(err as Error).message}`);
    } finally {
      await admin.disconnect();
    }
  }

  async append(stream: string, events: readonly NewEvent[], expectedVersion: ExpectedVersion): Promise<AppendResult> {
    this.#assertOpen();
    if (this.#failure !== undefined) throw this.#failure;
    const validated = validateBatch(stream, events);
    const value = encodeAppend(stream, expectedVersion, validated);
    if (value.length + RECORD_OVERHEAD_BYTES > this.maxRecordBytes) {
      throw new InvalidEventError(
        `the batch of ${events.length} events for stream "${stream}" is ${value.length} bytes; Kafka topic "${this.topic}" takes at most ${this.maxRecordBytes} per append`,
      );
    }
    const clients = await this.#usableClients();
    const id = randomUUID();
    const verdict = new Promise<AppendResult>((resolve, reject) => this.#waiters.set(id, { resolve, reject }));
    // The verdict may be settled (folded, or the log failed) before send() returns.
    verdict.catch(() => undefined);
    const unanswered = (what: string) => new EventLogError(`${what}: retry with the same event ids to find out whether it was written`, 'EVENT_APPEND_UNACKNOWLEDGED');
    try {
      await within(clients.producer.send({ topic: this.topic, acks: -1, messages: [{ key: stream, value, headers: { [APPEND_HEADER]: id } }] }), this.#requestTimeoutMs);
    } catch (err) {
      clients.broken = true;
      if (!this.#waiters.delete(id)) return verdict;
      throw unanswered(`Kafka did not acknowledge the append to stream "${stream}" (${(err as Error).message})`);
    }
    try {
      return await within(verdict, this.#foldTimeoutMs);
    } catch (err) {
      if (!this.#waiters.delete(id)) throw err;
      throw unanswered(`Kafka took the append to stream "${stream}", but the log has not folded it to learn its verdict (${(err as Error).message})`);
    }
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
    clearInterval(this.#watchdog);
    if (this.#clients !== undefined) await this.#retire(this.#clients);
    this.#settleAll(new EventLogError('the Kafka event log was closed before the append was folded', 'EVENT_LOG_CLOSED'));
    this.#position.complete();
    await this.#replica.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw closedError();
  }

  /** The clients in use, or new ones when those failed (or an outage left none). */
  #usableClients(): Promise<Clients> {
    const clients = this.#clients;
    return clients !== undefined && !clients.broken ? Promise.resolve(clients) : this.#reconnect();
  }

  /** Retires the clients in use and connects a new generation that folds on from the position; one at a time. */
  #reconnect(): Promise<Clients> {
    this.#connecting ??= this.#connect().finally(() => (this.#connecting = undefined));
    return this.#connecting;
  }

  async #connect(): Promise<Clients> {
    if (this.#clients !== undefined) void this.#retire(this.#clients);
    this.#clients = undefined;
    const sockets = cuttableSockets();
    const kafka = newKafka({ ...this.options, retry: GENERATION_RETRY }, { socketFactory: sockets.factory, logCreator: consoleLogUnless(sockets.isCut) });
    const clients: Clients = {
      admin: kafka.admin(),
      producer: kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner }),
      // A group of its own, never committed: each process folds the whole topic itself. kafkajs
      // does not restart it after a crash: the whole generation is replaced instead.
      consumer: kafka.consumer({
        groupId: `contimg-log-${randomUUID()}`,
        allowAutoTopicCreation: false,
        maxWaitTimeInMs: 500,
        retry: { ...GENERATION_RETRY, restartOnFailure: () => Promise.resolve(false) },
      }),
      broken: false,
      retired: false,
      cutOff: sockets.cutOff,
    };
    const started = this.#start(clients);
    try {
      await within(started, this.#requestTimeoutMs);
    } catch (err) {
      void this.#retire(clients);
      throw new EventLogError(`cannot connect to Kafka at ${this.options.brokers.join(',')} (${(err as Error).message}): is the broker up?`, 'EVENT_LOG_UNREACHABLE');
    }
    if (this.#closed) {
      await this.#retire(clients);
      throw closedError();
    }
    this.#clients = clients;
    return clients;
  }

  async #start(clients: Clients): Promise<void> {
    const { admin, producer, consumer } = clients;
    const { topic } = this;
    const connected = await Promise.allSettled([admin.connect(), producer.connect(), consumer.connect()]);
    for (const outcome of connected) if (outcome.status === 'rejected') throw outcome.reason;
    if (clients.retired) return; // connected, but too late
    consumer.on(consumer.events.GROUP_JOIN, () => {
      // A new generation resumes the fold where the last one stopped, not at 0.
      if (this.#position.value > 0) consumer.seek({ topic, partition: 0, offset: String(this.#position.value) });
    });
    consumer.on(consumer.events.CRASH, () => (clients.broken = true));
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    // Not awaited: run() settles only once the group is joined, which the watchdog watches over.
    consumer
      .run({
        autoCommit: false,
        eachBatch: ({ batch }) => {
          if (!clients.retired) for (const message of batch.messages) this.#fold(message);
          return Promise.resolve();
        },
      })
      .catch(() => (clients.broken = true));
  }

  /**
   * Ignores what the clients still deliver, disconnects them (giving up after the request timeout)
   * and cuts them off: kafkajs retries still under way would otherwise connect them again, and
   * an open connection keeps the process from exiting.
   */
  async #retire(clients: Clients): Promise<void> {
    clients.retired = true;
    await Promise.allSettled([clients.consumer, clients.producer, clients.admin].map((client) => within(client.disconnect(), this.#requestTimeoutMs)));
    clients.cutOff();
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
    this.#assertOpen();
    this.#catchingUp++;
    try {
      const end = await this.#endOffset();
      await within(firstValueFrom(this.#position.pipe(filter((next) => next >= end))), this.#foldTimeoutMs).catch((err: unknown) => {
        if (!(err instanceof TimeoutError)) throw err;
        throw new EventLogError(`the log has not folded Kafka topic "${this.topic}" up to offset ${end} (${err.message}): is the broker up?`, 'EVENT_LOG_UNREACHABLE');
      });
    } finally {
      this.#catchingUp--;
    }
  }

  async #endOffset(): Promise<number> {
    const clients = await this.#usableClients();
    try {
      const partitions = await within(clients.admin.fetchTopicOffsets(this.topic), this.#requestTimeoutMs);
      return Number(partitions[0]?.offset ?? 0);
    } catch (err) {
      clients.broken = true;
      throw new EventLogError(`Kafka did not say where topic "${this.topic}" ends (${(err as Error).message}): is the broker up?`, 'EVENT_LOG_UNREACHABLE');
    }
  }

  /**
   * Every second: replaces broken clients (so the log comes back soon after the broker does, even
   * with no one calling), and replaces working ones whose fold lags the partition and has not
   * moved for `stallMs` while someone waits on it.
   */
  #watch(stallMs: number): NodeJS.Timeout {
    let seen = -1;
    let movedAt = Date.now();
    let busy = false;
    const timer = setInterval(() => {
      if (busy || this.#closed || this.#failure !== undefined) return;
      const position = this.#position.value;
      if (position !== seen) {
        seen = position;
        movedAt = Date.now();
      }
      const broken = this.#clients === undefined || this.#clients.broken;
      const waiting = this.#waiters.size > 0 || this.#catchingUp > 0;
      if (!broken && !(waiting && Date.now() - movedAt >= stallMs)) return;
      busy = true;
      const replaced = broken ? this.#reconnect() : this.#endOffset().then((end) => (end > this.#position.value && this.#position.value === seen ? this.#reconnect() : undefined));
      replaced
        .catch(() => undefined) // the broker is still away: try again at the next look
        .finally(() => {
          busy = false;
          movedAt = Date.now();
        });
    }, WATCH_INTERVAL_MS);
    timer.unref();
    return timer;
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

function newKafka({ brokers, clientId, logLevel: level, retry }: KafkaEventLogOptions, extra: { socketFactory?: ISocketFactory; logCreator?: logCreator } = {}): Kafka {
  return new Kafka({ clientId: clientId ?? 'contimg', brokers: [...brokers], logLevel: level ?? logLevel.ERROR, ...(retry && { retry }), ...extra });
}

/** kafkajs's own console logging, silent once `muted()`: a cut-off generation would only report its connections being cut. */
function consoleLogUnless(muted: () => boolean): logCreator {
  return () =>
    ({ namespace, level, label, log }) => {
      if (muted()) return;
      const line = JSON.stringify({ level: label, ...log, message: `${namespace ? `[${namespace}] ` : ''}${log.message}` });
      if (level === logLevel.ERROR || level === logLevel.WARN) console.error(line);
      else console.log(line);
    };
}

/** kafkajs's plain-TCP socket factory (keep-alive as kafkajs sets it), with a switch that closes its sockets for good. */
function cuttableSockets(): { factory: ISocketFactory; cutOff: () => void; isCut: () => boolean } {
  const open = new Set<Socket>();
  let cut = false;
  const retired = () => new Error('this generation of Kafka clients was replaced');
  return {
    factory: ({ host, port, onConnect }) => {
      const socket = connect({ host, port }, onConnect);
      socket.setKeepAlive(true, 60_000);
      if (cut) return socket.destroy(retired());
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      return socket;
    },
    cutOff: () => {
      cut = true;
      for (const socket of open) socket.destroy(retired());
    },
    isCut: () => cut,
  };
}

/** `work`, or a TimeoutError once it has gone `ms` without settling (it is then left to itself). */
function within<T>(work: Promise<T>, ms: number): Promise<T> {
  return firstValueFrom(from(work).pipe(timeout({ first: ms, with: () => throwError(() => new TimeoutError(`no answer within ${ms / 1000} s`)) })));
}

const closedError = () => new EventLogError('the Kafka event log is closed', 'EVENT_LOG_CLOSED');

class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** The verdicts that refuse one append and leave the log foldable. */
function isRefusal(err: unknown): boolean {
  return err instanceof ConcurrencyError || (err instanceof EventLogError && err.code === 'EVENT_DUPLICATE_ID');
}

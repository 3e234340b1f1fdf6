import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { Subscription } from 'rxjs';
import type { WebSocket } from 'ws';
import type { EventLog } from '../eventlog/eventLog.js';
import type { StoredEvent } from '../eventlog/event.js';
import { LiveQuery } from './schemas.js';

export interface LiveOptions {
  /** A `{ kind: 'heartbeat' }` message goes out this often. */
  readonly heartbeatMs: number;
  /** A client with more than this many bytes unsent is closed as slow (code 1008). */
  readonly maxBufferedBytes: number;
  /** The sessions open now; the server's preClose closes them. */
  readonly sessions: Set<LiveSession>;
}

const REPLAY_PAGE = 500;
/** How long a closing socket may take to finish its close handshake before it is cut. */
const CLOSE_GRACE_MS = 2000;

/** An event and its `{ kind: 'event', event }` message, encoded once for every client. */
interface Frame {
  readonly event: StoredEvent;
  readonly bytes: Buffer;
}

const frameOf = (event: StoredEvent): Frame => ({ event, bytes: Buffer.from(JSON.stringify({ kind: 'event', event })) });

/**
 * `GET /ws?after=&types=&stream=`: the events after `after` (default: the log's head), replayed
 * from the log page by page at the pace the client reads, then the live tail. Messages:
 * `{ kind: 'event', event }`, `{ kind: 'live', seq }` once the replay is done, and
 * `{ kind: 'heartbeat', seq, time }` where `seq` is the last sequence scanned (filtered or not),
 * the value to resume from. One follower of the log serves every client's live tail.
 */
export const liveEvents: FastifyPluginCallbackTypebox<LiveOptions & { log: EventLog }> = (app, { log, sessions, ...options }, done) => {
  const tail = new LiveTail(log);
  app.addHook('onClose', (_app, next) => {
    tail.stop();
    next();
  });
  app.get(
    '/ws',
    {
      websocket: true,
      schema: { querystring: LiveQuery },
    },
    async (socket, request) => {
      const { after, types, stream } = request.query;
      const wanted = types === undefined ? null : new Set(types.split(','));
      const session = new LiveSession(socket, options, (event) => (wanted === null || wanted.has(event.type)) && (stream === undefined || event.stream === stream));
      sessions.add(session);
      socket.on('close', () => {
        session.stop();
        sessions.delete(session);
      });
      await session.run(log, tail, after ?? (await log.head()));
    },
  );
  done();
};

/**
 * The server's one follower of the log: it encodes each new event once and hands the frames to
 * every session that has caught up with it, each of which keeps those its client asked for.
 */
export class LiveTail {
  readonly #sessions = new Set<LiveSession>();
  #subscription: Subscription | null = null;
  #started: Promise<void> | null = null;
  /** The last sequence handed to the sessions. */
  #position = 0;

  constructor(private readonly log: EventLog) {}

  get position(): number {
    return this.#position;
  }

  /** Follows the log from its head, once. */
  start(): Promise<void> {
    return (this.#started ??= this.log.head().then((head) => {
      this.#position = head;
      this.#subscription = this.log.follow(head).subscribe({
        next: (batch) => {
          this.#position = batch[batch.length - 1]?.seq ?? this.#position;
          if (this.#sessions.size === 0) return;
          const frames = batch.map(frameOf);
          for (const session of this.#sessions) session.deliver(frames, this.#position);
        },
        error: () => {
          for (const session of this.#sessions) session.close(1011, 'the event log failed; reconnect later');
        },
      });
    }));
  }

  /** Frames from now on; the session must already have everything up to `position`. */
  join(session: LiveSession): void {
    this.#sessions.add(session);
  }

  leave(session: LiveSession): void {
    this.#sessions.delete(session);
  }

  stop(): void {
    this.#subscription?.unsubscribe();
    this.#subscription = null;
  }
}

export class LiveSession {
  #last = 0;
  #stopped = false;
  #tail: LiveTail | null = null;
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: WebSocket,
    private readonly options: Omit<LiveOptions, 'sessions'>,
    private readonly keep: (event: StoredEvent) => boolean,
  ) {}

  async run(log: EventLog, tail: LiveTail, after: number): Promise<void> {
    if (this.#stopped) return;
    this.#last = after;
    this.#heartbeat = setInterval(() => this.#send(JSON.stringify({ kind: 'heartbeat', seq: this.#last, time: new Date().toISOString() })), this.options.heartbeatMs);
    await tail.start();
    // Replay in pages, each sent only once the previous one (and the ping behind it) left the
    // socket's buffer, so a long replay never piles up in memory; then join the shared tail the
    // moment the replay has reached it (no await in between: nothing can slip past).
    for (;;) {
      const page = await log.read({ after: this.#last, limit: REPLAY_PAGE });
      if (!this.#open()) return;
      if (page.length === 0 && this.#last >= tail.position) break;
      this.#sendBatch(page.filter(this.keep).map(frameOf), page[page.length - 1]?.seq ?? this.#last);
      await new Promise<void>((resolve) => this.socket.ping(undefined, undefined, () => resolve()));
    }
    this.#send(JSON.stringify({ kind: 'live', seq: this.#last }));
    this.#tail = tail;
    tail.join(this);
  }

  /** Frames from the shared tail, up to `position`; those already replayed are skipped. */
  deliver(frames: readonly Frame[], position: number): void {
    if (this.socket.bufferedAmount > this.options.maxBufferedBytes) {
      this.close(1008, `slow client: more than ${this.options.maxBufferedBytes} bytes unread; reconnect with after=${this.#last}`);
      return;
    }
    this.#sendBatch(frames, position);
  }

  /** Stops sending and closes the socket; cuts it if the client does not finish the handshake. */
  close(code: number, reason: string): void {
    this.stop();
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.close(code, reason);
    setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS).unref();
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#heartbeat);
    this.#tail?.leave(this);
    this.#tail = null;
  }

  #sendBatch(frames: readonly Frame[], through: number): void {
    for (const { event, bytes } of frames) if (event.seq > this.#last && this.keep(event)) this.#send(bytes);
    this.#last = Math.max(this.#last, through);
  }

  #send(message: string | Buffer): void {
    // Frames are UTF-8 JSON encoded once for all clients: sent as text, not binary.
    if (this.#open()) this.socket.send(message, { binary: false });
  }

  #open(): boolean {
    return !this.#stopped && this.socket.readyState === this.socket.OPEN;
  }
}

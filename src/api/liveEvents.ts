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

/**
 * `GET /ws?after=&types=&stream=`: the events after `after` (default: the log's head), replayed
 * from the log page by page at the pace the client reads, then the live tail. Messages:
 * `{ kind: 'event', event }`, `{ kind: 'live', seq }` once the replay is done, and
 * `{ kind: 'heartbeat', seq, time }` where `seq` is the last sequence scanned (filtered or not),
 * the value to resume from.
 */
export const liveEvents: FastifyPluginCallbackTypebox<LiveOptions & { log: EventLog }> = (app, { log, sessions, ...options }, done) => {
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
      await session.run(log, after ?? (await log.head()));
    },
  );
  done();
};

export class LiveSession {
  #last = 0;
  #stopped = false;
  #tail: Subscription | null = null;
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: WebSocket,
    private readonly options: Omit<LiveOptions, 'sessions'>,
    private readonly keep: (event: StoredEvent) => boolean,
  ) {}

  async run(log: EventLog, after: number): Promise<void> {
    if (this.#stopped) return;
    this.#last = after;
    this.#heartbeat = setInterval(() => this.#send({ kind: 'heartbeat', seq: this.#last, time: new Date().toISOString() }), this.options.heartbeatMs);
    // Replay in pages, each sent only once the previous one (and the ping behind it) left the
    // socket's buffer, so a long replay never piles up in memory.
    for (;;) {
      const page = await log.read({ after: this.#last, limit: REPLAY_PAGE });
      if (page.length === 0 || !this.#open()) break;
      this.#sendBatch(page);
      await new Promise<void>((resolve) => this.socket.ping(undefined, undefined, () => resolve()));
    }
    if (!this.#open()) return;
    this.#send({ kind: 'live', seq: this.#last });
    this.#tail = log.follow(this.#last).subscribe({
      next: (batch) => {
        if (this.socket.bufferedAmount > this.options.maxBufferedBytes) {
          this.close(1008, `slow client: more than ${this.options.maxBufferedBytes} bytes unread; reconnect with after=${this.#last}`);
          return;
        }
        this.#sendBatch(batch);
      },
      error: () => this.close(1011, 'the event log failed; reconnect later'),
    });
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
    this.#tail?.unsubscribe();
    this.#tail = null;
  }

  #sendBatch(events: readonly StoredEvent[]): void {
    for (const event of events) if (this.keep(event)) this.#send({ kind: 'event', event });
    this.#last = events[events.length - 1]?.seq ?? this.#last;
  }

  #send(message: object): void {
    if (this.#open()) this.socket.send(JSON.stringify(message));
  }

  #open(): boolean {
    return !this.#stopped && this.socket.readyState === this.socket.OPEN;
  }
}

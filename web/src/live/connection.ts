import { signal, type Signal } from '@preact/signals';
import { API } from '../api/client.js';
import type { LiveMessage, StoredEvent } from '../api/types.js';

export type LinkState =
  /** Opening the socket or replaying the gap since the last sequence seen. */
  | { kind: 'connecting' }
  /** Replay done; the live tail flows. */
  | { kind: 'live' }
  /** The socket closed at `downSince`; the next try is at `retryAt` (ms epoch). */
  | { kind: 'reconnecting'; downSince: number; retryAt: number; attempt: number; reason: string };

export interface LiveOptions {
  /** Replay from after this sequence on the first connection. */
  readonly after: number;
  readonly stream?: string;
  /** Called with each run of events as they arrive, in sequence order, never twice for one seq. */
  readonly onEvents: (events: readonly StoredEvent[]) => void;
  /** Called once per (re)connection when its replay is done. */
  readonly onLive?: () => void;
}

const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30_000;
/** The server heartbeats every 15 s; this much silence means the link is dead even if the socket says open. */
const SILENCE_MS = 40_000;
const BATCH_MS = 50;

/**
 * One resumable subscription to `/api/v1/ws`: remembers the last sequence seen (event or heartbeat),
 * reconnects with exponential backoff and jitter, and resumes from that sequence so nothing is lost
 * or repeated. `state` and `asOf` drive the freshness indicator.
 */
export class LiveLink {
  readonly state: Signal<LinkState> = signal({ kind: 'connecting' });
  /** When the data last was known current: when the latest heartbeat or event arrived. */
  readonly asOf = signal<number | null>(null);
  #lastSeq: number;
  #socket: WebSocket | null = null;
  #attempt = 0;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #watchdog: ReturnType<typeof setInterval> | undefined;
  #lastMessageAt = 0;
  #closed = false;
  #pending: StoredEvent[] = [];
  #flushTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: LiveOptions) {
    this.#lastSeq = options.after;
    this.#open();
    this.#watchdog = setInterval(() => {
      if (this.#socket?.readyState === WebSocket.OPEN && Date.now() - this.#lastMessageAt > SILENCE_MS) this.#socket.close(4000, 'no heartbeat');
    }, 5000);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#retry);
    clearTimeout(this.#flushTimer);
    clearInterval(this.#watchdog);
    this.#socket?.close(1000, 'page left');
  }

  #open(): void {
    const params = new URLSearchParams({ after: String(this.#lastSeq), ...(this.options.stream !== undefined && { stream: this.options.stream }) });
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(`${scheme}//${location.host}${API}/ws?${params}`);
    this.#socket = socket;
    this.#lastMessageAt = Date.now();
    socket.onmessage = (message) => this.#receive(JSON.parse(String(message.data)) as LiveMessage);
    socket.onclose = (close) => {
      if (this.#socket !== socket) return;
      this.#flush();
      this.#socket = null;
      if (!this.#closed) this.#scheduleRetry(close.reason || `closed (${close.code})`);
    };
  }

  #receive(message: LiveMessage): void {
    this.#lastMessageAt = Date.now();
    switch (message.kind) {
      case 'event':
        if (message.event.seq <= this.#lastSeq) return;
        this.#lastSeq = message.event.seq;
        this.#pending.push(message.event);
        // Events come in bursts, one message each: hand them over in batches.
        if (this.#pending.length === 1) this.#flushTimer = setTimeout(() => this.#flush(), BATCH_MS);
        this.asOf.value = Date.now();
        return;
      case 'live':
        this.#flush();
        this.#lastSeq = Math.max(this.#lastSeq, message.seq);
        this.#attempt = 0;
        this.state.value = { kind: 'live' };
        this.asOf.value = Date.now();
        this.options.onLive?.();
        return;
      case 'heartbeat':
        this.#flush();
        this.#lastSeq = Math.max(this.#lastSeq, message.seq);
        this.asOf.value = Date.now();
        return;
    }
  }

  #flush(): void {
    clearTimeout(this.#flushTimer);
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    this.options.onEvents(batch);
  }

  #scheduleRetry(reason: string): void {
    const attempt = this.#attempt++;
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt) * (0.75 + Math.random() * 0.5);
    const downSince = this.state.value.kind === 'reconnecting' ? this.state.value.downSince : Date.now();
    this.state.value = { kind: 'reconnecting', downSince, retryAt: Date.now() + delay, attempt: attempt + 1, reason };
    this.#retry = setTimeout(() => this.#open(), delay);
  }
}

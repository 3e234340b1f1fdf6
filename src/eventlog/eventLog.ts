import type { Observable } from 'rxjs';
import type { NewEvent, StoredEvent } from './event.js';

/**
 * The stream's version the caller based its decision on: a number (0 = the stream must not exist
 * yet), or 'any' to skip the check (for streams that only collect independent facts).
 */
export type ExpectedVersion = number | 'any';

export interface AppendResult {
  readonly stream: string;
  /** The stream's version after the append. */
  readonly streamVersion: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly events: readonly StoredEvent[];
}

export interface ReadOptions {
  /** Return events with seq greater than this (0 = from the start). */
  readonly after: number;
  readonly limit: number;
  /** Return no event with seq greater than this. */
  readonly until?: number;
}

/**
 * The append-only log of every state change. The SQLite implementation is the default; a Kafka
 * implementation serves clusters. Both keep these promises.
 */
export interface EventLog {
  /**
   * Appends a batch to one stream atomically: every event is validated first, then all are
   * written or none. Rejects with ConcurrencyError when the stream is not at `expectedVersion`.
   */
  append(stream: string, events: readonly NewEvent[], expectedVersion: ExpectedVersion): Promise<AppendResult>;
  /** Events in global order. */
  read(options: ReadOptions): Promise<readonly StoredEvent[]>;
  /** Every event of one stream, in stream order. */
  readStream(stream: string): Promise<readonly StoredEvent[]>;
  /** The seq of the last event (0 for an empty log). */
  head(): Promise<number>;
  /**
   * The events after `after`, then every new one as it is appended, in batches, in order, without
   * gaps or repeats. Woken by notifications, never by polling.
   */
  follow(after: number): Observable<readonly StoredEvent[]>;
  close(): Promise<void>;
}

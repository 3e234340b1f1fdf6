import type Database from 'better-sqlite3';
import type { StoredEvent } from '../eventlog/event.js';
import type { EventType } from '../eventlog/schema.js';

export interface ProjectionTable {
  readonly name: string;
  /** The ORDER BY that lists its rows canonically (its primary key), for checksums. */
  readonly orderBy: string;
}

/**
 * A read model folded from the log. `apply` is synchronous: it runs inside the transaction that
 * also moves the projection's checkpoint. It must depend only on the events (never on the clock),
 * so a replay rebuilds the same rows.
 */
export interface Projection {
  readonly name: string;
  /** Bump when the tables or the folding change: the projection is then rebuilt from the log. */
  readonly version: number;
  readonly tables: readonly ProjectionTable[];
  readonly eventTypes: readonly EventType[];
  /** DDL creating its tables and indexes (idempotent: IF NOT EXISTS). */
  readonly ddl: string;
  /**
   * Prepares statements once and returns the function that applies a batch of events, in seq
   * order: only events of its `eventTypes` that it has not seen yet. It runs inside the batch's
   * transaction, so state kept between events of one call is rolled back with it on failure.
   */
  bind(db: Database.Database): (events: readonly StoredEvent[]) => void;
}

/** Lifts a function applying one event into a batch function for `Projection.bind`. */
export function eachEvent(apply: (event: StoredEvent) => void): (events: readonly StoredEvent[]) => void {
  return (events) => {
    for (const event of events) apply(event);
  };
}

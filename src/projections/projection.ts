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
  /** Prepares statements once and returns the function that applies one event. */
  bind(db: Database.Database): (event: StoredEvent) => void;
}

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { map, type Observable } from 'rxjs';
import type { EventLog } from '../eventlog/eventLog.js';
import type { StoredEvent } from '../eventlog/event.js';
import type { EventType } from '../eventlog/schema.js';
import type { Projection } from './projection.js';

/** 'CIMR': marks a SQLite file as contimg read models. */
const APPLICATION_ID = 0x43494d52;
const CATCH_UP_PAGE = 10_000;

interface Bound {
  readonly projection: Projection;
  readonly handles: ReadonlySet<EventType>;
  readonly apply: (events: readonly StoredEvent[]) => void;
}

/**
 * The read-model database and the runner that folds the log into it. Each batch of events is
 * applied inside one transaction that also moves every projection's checkpoint (compare-and-set),
 * so a crash can neither apply an event twice nor skip one, and two runners cannot collide.
 */
export class ReadModelStore {
  readonly db: Database.Database;
  readonly #bound: readonly Bound[];
  readonly #statements;

  constructor(
    readonly path: string,
    readonly projections: readonly Projection[],
  ) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path, { timeout: 10_000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    const applicationId = this.db.pragma('application_id', { simple: true }) as number;
    const objects = (this.db.prepare('SELECT COUNT(*) AS n FROM sqlite_master').get() as { n: number }).n;
    if (applicationId !== APPLICATION_ID && (applicationId !== 0 || objects > 0)) {
      this.db.close();
      throw new Error(`${path} is not a contimg read-model database (application_id ${applicationId})`);
    }
    this.db.exec(`CREATE TABLE IF NOT EXISTS projection_checkpoints (
      name TEXT PRIMARY KEY, version INTEGER NOT NULL, last_seq INTEGER NOT NULL) STRICT`);
    this.db.pragma(`application_id = ${APPLICATION_ID}`);
    this.#statements = {
      get: this.db.prepare<[string], { version: number; last_seq: number }>(
        'SELECT version, last_seq FROM projection_checkpoints WHERE name = ?',
      ),
      reset: this.db.prepare<[string, number]>('INSERT OR REPLACE INTO projection_checkpoints (name, version, last_seq) VALUES (?, ?, 0)'),
      advance: this.db.prepare<[number, string, number]>('UPDATE projection_checkpoints SET last_seq = ? WHERE name = ? AND last_seq = ?'),
    };
    this.db.transaction(() => projections.forEach((p) => this.#ensure(p))).immediate();
    this.#bound = projections.map((projection) => ({
      projection,
      handles: new Set(projection.eventTypes),
      apply: projection.bind(this.db),
    }));
  }

  checkpoint(name: string): number {
    return this.#statements.get.get(name)?.last_seq ?? 0;
  }

  /** The seq every projection has reached. */
  position(): number {
    return Math.min(...this.projections.map((p) => this.checkpoint(p.name)));
  }

  /** Applies one batch of consecutive events to every projection that has not seen them. */
  applyBatch(events: readonly StoredEvent[]): void {
    if (events.length === 0) return;
    this.db
      .transaction(() => {
        for (const { projection, handles, apply } of this.#bound) {
          const from = this.checkpoint(projection.name);
          if (events[0]!.seq > from + 1) {
            throw new Error(`projection ${projection.name} is at seq ${from} but the batch starts at ${events[0]!.seq}: refusing to skip events`);
          }
          const unseen = events[0]!.seq > from ? events : events.filter((event) => event.seq > from);
          if (unseen.length === 0) continue;
          const mine = unseen.filter((event) => handles.has(event.type));
          if (mine.length > 0) apply(mine);
          const last = unseen[unseen.length - 1]!.seq;
          if (last !== from && this.#statements.advance.run(last, projection.name, from).changes !== 1) {
            throw new Error(`projection ${projection.name} checkpoint moved under us`);
          }
        }
      })
      .immediate();
  }

  /** Applies every event after the store's position (up to `until`), page by page. */
  async catchUp(log: EventLog, until?: number): Promise<number> {
    for (;;) {
      const after = this.position();
      const events = await log.read({ after, limit: CATCH_UP_PAGE, ...(until === undefined ? {} : { until }) });
      if (events.length === 0) return after;
      this.applyBatch(events);
    }
  }

  /** Follows the log's live tail, emitting each batch once it is applied. */
  follow(log: EventLog): Observable<readonly StoredEvent[]> {
    return log.follow(this.position()).pipe(
      map((events) => {
        this.applyBatch(events);
        return events;
      }),
    );
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Creates a projection's tables; drops and recreates them when its version changed. */
  #ensure(projection: Projection): void {
    const stored = this.#statements.get.get(projection.name);
    if (stored && stored.version !== projection.version) {
      for (const table of projection.tables) this.db.exec(`DROP TABLE IF EXISTS ${table.name}`);
    }
    this.db.exec(projection.ddl);
    if (!stored || stored.version !== projection.version) this.#statements.reset.run(projection.name, projection.version);
  }
}

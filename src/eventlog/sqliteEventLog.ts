import { mkdirSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import Database from 'better-sqlite3';
import { debounceTime, defer, merge, Observable, of, share, Subject } from 'rxjs';
import { ConcurrencyError, EventLogError, EventLogOpenError } from './errors.js';
import { assertKnownStored, validateBatch, type NewEvent, type StoredEvent } from './event.js';
import type { AppendResult, EventLog, ExpectedVersion, ReadOptions } from './eventLog.js';
import { followLog } from './followLog.js';

/** 'CIMG': marks a SQLite file as a contimg event log. */
const APPLICATION_ID = 0x43494d47;
const SCHEMA_VERSION = 1;
const FOLLOW_PAGE = 2000;
/** Events appended between forced WAL truncations, so the WAL cannot grow without bound. */
const CHECKPOINT_EVERY = 10_000;

const SCHEMA = `
CREATE TABLE events (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  stream TEXT NOT NULL,
  stream_version INTEGER NOT NULL,
  type TEXT NOT NULL,
  version INTEGER NOT NULL,
  time TEXT NOT NULL,
  causation_id TEXT,
  correlation_id TEXT,
  payload TEXT NOT NULL,
  UNIQUE (stream, stream_version)
) STRICT;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'the event log is append-only: UPDATE refused'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'the event log is append-only: DELETE refused'); END;
CREATE TRIGGER events_seq_gapless BEFORE INSERT ON events
  WHEN NEW.seq IS NOT (SELECT IFNULL(MAX(seq), 0) + 1 FROM events)
  BEGIN SELECT RAISE(ABORT, 'event seq must follow the last seq'); END;
CREATE TRIGGER events_stream_version_gapless BEFORE INSERT ON events
  WHEN NEW.stream_version IS NOT (SELECT IFNULL(MAX(stream_version), 0) + 1 FROM events WHERE stream = NEW.stream)
  BEGIN SELECT RAISE(ABORT, 'stream version must follow the stream''s last version'); END;
`;

export interface SqliteEventLogOptions {
  /** 'full' syncs every commit to disk (survives power loss); 'normal' survives a process crash only. */
  readonly synchronous?: 'full' | 'normal';
  /** Wake followers on appends made by other processes (watches the database's directory). */
  readonly watchOtherProcesses?: boolean;
}

interface EventRow {
  seq: number;
  id: string;
  stream: string;
  stream_version: number;
  type: string;
  version: number;
  time: string;
  causation_id: string | null;
  correlation_id: string | null;
  payload: string;
}

const COLUMNS = 'seq, id, stream, stream_version, type, version, time, causation_id, correlation_id, payload';

export class SqliteEventLog implements EventLog {
  readonly #db: Database.Database;
  readonly #appended = new Subject<number>();
  readonly #wakeups: Observable<unknown>;
  readonly #statements;
  #sinceCheckpoint = 0;

  constructor(
    readonly path: string,
    options: SqliteEventLogOptions = {},
  ) {
    this.#db = openLogDatabase(path);
    this.#db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    this.#db.pragma('journal_size_limit = 67108864');
    this.#statements = {
      head: this.#db.prepare<[], { head: number }>('SELECT IFNULL(MAX(seq), 0) AS head FROM events'),
      streamVersion: this.#db.prepare<[string], { version: number }>(
        'SELECT IFNULL(MAX(stream_version), 0) AS version FROM events WHERE stream = ?',
      ),
      insert: this.#db.prepare<[EventRow]>(
        `INSERT INTO events (${COLUMNS}) VALUES (@seq, @id, @stream, @stream_version, @type, @version, @time, @causation_id, @correlation_id, @payload)`,
      ),
      read: this.#db.prepare<[number, number, number], EventRow>(
        `SELECT ${COLUMNS} FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?`,
      ),
      readStream: this.#db.prepare<[string], EventRow>(
        `SELECT ${COLUMNS} FROM events WHERE stream = ? ORDER BY stream_version`,
      ),
    };
    const others = options.watchOtherProcesses === false ? [] : [watchDatabaseFiles(path)];
    this.#wakeups = merge(this.#appended, ...others).pipe(share());
  }

  append(stream: string, events: readonly NewEvent[], expectedVersion: ExpectedVersion): Promise<AppendResult> {
    return new Promise((resolve) => resolve(this.appendSync(stream, events, expectedVersion)));
  }

  /** The synchronous form of `append`, for callers already inside synchronous code. */
  appendSync(stream: string, events: readonly NewEvent[], expectedVersion: ExpectedVersion): AppendResult {
    const validated = validateBatch(stream, events);
    const rows = this.#db.transaction(() => {
      const current = this.#statements.streamVersion.get(stream)!.version;
      if (expectedVersion !== 'any' && current !== expectedVersion) {
        throw new ConcurrencyError(stream, expectedVersion, current);
      }
      const head = this.#statements.head.get()!.head;
      return validated.map((event, i): EventRow => {
        const row: EventRow = {
          seq: head + i + 1,
          id: event.id,
          stream,
          stream_version: current + i + 1,
          type: event.type,
          version: event.version,
          time: event.time,
          causation_id: event.causationId,
          correlation_id: event.correlationId,
          payload: JSON.stringify(event.payload),
        };
        this.#statements.insert.run(row);
        return row;
      });
    });
    let written: EventRow[];
    try {
      written = rows.immediate();
    } catch (err) {
      throw translateWriteError(err, stream);
    }
    const stored = written.map(toStoredEvent);
    const last = stored[stored.length - 1]!;
    this.#checkpointWhenDue(stored.length);
    this.#appended.next(last.seq);
    return { stream, streamVersion: last.streamVersion, firstSeq: stored[0]!.seq, lastSeq: last.seq, events: stored };
  }

  read(options: ReadOptions): Promise<readonly StoredEvent[]> {
    return new Promise((resolve) => resolve(this.readSync(options)));
  }

  readSync({ after, limit, until = Number.MAX_SAFE_INTEGER }: ReadOptions): StoredEvent[] {
    return this.#statements.read.all(after, until, limit).map(toStoredEvent);
  }

  readStream(stream: string): Promise<readonly StoredEvent[]> {
    return new Promise((resolve) => resolve(this.#statements.readStream.all(stream).map(toStoredEvent)));
  }

  head(): Promise<number> {
    return new Promise((resolve) => resolve(this.headSync()));
  }

  headSync(): number {
    return this.#statements.head.get()!.head;
  }

  follow(after: number): Observable<readonly StoredEvent[]> {
    return followLog(this.#wakeups, (from) => defer(() => of(this.readSync({ after: from, limit: FOLLOW_PAGE }))), after);
  }

  close(): Promise<void> {
    this.#appended.complete();
    if (this.#db.open) {
      this.#db.pragma('wal_checkpoint(TRUNCATE)');
      this.#db.close();
    }
    return Promise.resolve();
  }

  #checkpointWhenDue(appended: number): void {
    this.#sinceCheckpoint += appended;
    if (this.#sinceCheckpoint < CHECKPOINT_EVERY) return;
    this.#sinceCheckpoint = 0;
    this.#db.pragma('wal_checkpoint(TRUNCATE)');
  }
}

function toStoredEvent(row: EventRow): StoredEvent {
  assertKnownStored(row.type, row.version);
  return {
    seq: row.seq,
    id: row.id,
    stream: row.stream,
    streamVersion: row.stream_version,
    type: row.type,
    version: row.version,
    time: row.time,
    causationId: row.causation_id,
    correlationId: row.correlation_id,
    payload: JSON.parse(row.payload) as never,
  } as StoredEvent;
}

function translateWriteError(err: unknown, stream: string): unknown {
  if (err instanceof Database.SqliteError && err.code === 'SQLITE_CONSTRAINT_UNIQUE' && err.message.includes('events.id')) {
    return new EventLogError(`an event with the same id is already in the log (stream "${stream}"): not appended again`, 'EVENT_DUPLICATE_ID');
  }
  return err;
}

/** Opens (creating if new) a contimg event log, refusing corrupt, foreign or newer files with a clear reason. */
function openLogDatabase(path: string): Database.Database {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: 10_000 });
  try {
    db.pragma('journal_mode = WAL');
    const applicationId = db.pragma('application_id', { simple: true }) as number;
    const objects = (db.prepare('SELECT COUNT(*) AS n FROM sqlite_master').get() as { n: number }).n;
    if (applicationId === 0 && objects === 0) {
      db.transaction(() => {
        db.exec(SCHEMA);
        db.pragma(`application_id = ${APPLICATION_ID}`);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }).immediate();
    } else if (applicationId !== APPLICATION_ID) {
      throw new EventLogOpenError(`${path} is a SQLite database but not a contimg event log (application_id ${applicationId})`);
    }
    const schemaVersion = db.pragma('user_version', { simple: true }) as number;
    if (schemaVersion > SCHEMA_VERSION) {
      throw new EventLogOpenError(`${path} was written by a newer contimg (log schema ${schemaVersion}; this build reads ${SCHEMA_VERSION})`);
    }
    const problems = (db.pragma('quick_check') as { quick_check: string }[]).map((r) => r.quick_check);
    if (problems.join() !== 'ok') {
      throw new EventLogOpenError(`${path} is corrupt (SQLite quick_check: ${problems.slice(0, 3).join('; ')})`);
    }
    return db;
  } catch (err) {
    db.close();
    if (err instanceof EventLogOpenError) throw err;
    if (err instanceof Database.SqliteError && ['SQLITE_NOTADB', 'SQLITE_CORRUPT'].includes(err.code)) {
      throw new EventLogOpenError(`${path} is not a contimg event log: it is corrupt or not a SQLite database (${err.message})`);
    }
    throw err;
  }
}

/**
 * Emits when another process may have appended: on any change to the database or its WAL, and
 * once more 50 ms after the last change of a burst. SQLite makes a commit visible by updating
 * the memory-mapped -shm index, which raises no file event: a read woken by the WAL write can
 * run just before the commit shows, and only the trailing wake-up would see it.
 */
function watchDatabaseFiles(path: string): Observable<unknown> {
  const name = basename(path);
  const changes = new Observable<void>((subscriber) => {
    const watcher = watch(dirname(path), (_event, file) => {
      if (file === null || file.startsWith(name)) subscriber.next();
    });
    watcher.on('error', (err) => subscriber.error(err));
    return () => watcher.close();
  }).pipe(share());
  return merge(changes, changes.pipe(debounceTime(50)));
}

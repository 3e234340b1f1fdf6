import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { EventLog } from '../eventlog/eventLog.js';
import type { Projection } from './projection.js';
import { ReadModelStore } from './readModelStore.js';

export interface TableChecksum {
  readonly table: string;
  readonly rows: number;
  readonly sha256: string;
}

export interface ProjectionChecksum {
  readonly name: string;
  readonly throughSeq: number;
  readonly tables: readonly TableChecksum[];
}

/** A content checksum of every table of every projection, with the seq each has reached. */
export function checksums(store: ReadModelStore): ProjectionChecksum[] {
  return store.db
    .transaction(() =>
      store.projections.map((p) => ({
        name: p.name,
        throughSeq: store.checkpoint(p.name),
        tables: p.tables.map((t) => tableChecksum(store.db, t.name, t.orderBy)),
      })),
    )
    .deferred();
}

function tableChecksum(db: Database.Database, table: string, orderBy: string): TableChecksum {
  const hash = createHash('sha256');
  let rows = 0;
  for (const row of db.prepare(`SELECT * FROM ${table} ORDER BY ${orderBy}`).raw().iterate()) {
    hash.update(JSON.stringify(row));
    hash.update('\n');
    rows++;
  }
  return { table, rows, sha256: hash.digest('hex') };
}

/** Builds the projections from seq 0 into a fresh database at `path` (replacing any file there). */
export async function rebuild(log: EventLog, projections: readonly Projection[], path: string, until?: number): Promise<ReadModelStore> {
  removeDatabase(path);
  const fresh = new ReadModelStore(path, projections);
  await fresh.catchUp(log, until);
  return fresh;
}

export interface Difference {
  readonly projection: string;
  readonly table: string;
  readonly live: TableChecksum;
  readonly replayed: TableChecksum;
}

export interface VerifyReport {
  readonly projections: readonly ProjectionChecksum[];
  readonly differences: readonly Difference[];
}

/**
 * Rebuilds every projection from the log up to the seq the live one has reached and compares
 * table checksums. The live tables are read once, in one snapshot.
 */
export async function verify(log: EventLog, live: ReadModelStore, scratchPath: string): Promise<VerifyReport> {
  const liveSums = checksums(live);
  const differences: Difference[] = [];
  for (const until of new Set(liveSums.map((p) => p.throughSeq))) {
    const names = new Set(liveSums.filter((p) => p.throughSeq === until).map((p) => p.name));
    const fresh = await rebuild(log, live.projections.filter((p) => names.has(p.name)), scratchPath, until);
    try {
      for (const replayed of checksums(fresh)) {
        const mine = liveSums.find((p) => p.name === replayed.name)!;
        replayed.tables.forEach((table, i) => {
          const liveTable = mine.tables[i]!;
          if (liveTable.sha256 !== table.sha256) differences.push({ projection: mine.name, table: table.table, live: liveTable, replayed: table });
        });
      }
    } finally {
      fresh.close();
      removeDatabase(scratchPath);
    }
  }
  return { projections: liveSums, differences };
}

/**
 * Rebuilds every projection from seq 0 into a scratch database, then swaps the rebuilt rows into
 * the live tables in one transaction, so readers see either the old or the new tables.
 */
export async function replay(log: EventLog, live: ReadModelStore, scratchPath: string): Promise<ProjectionChecksum[]> {
  const fresh = await rebuild(log, live.projections, scratchPath);
  const sums = checksums(fresh);
  fresh.close();
  try {
    live.db.prepare('ATTACH DATABASE ? AS replayed').run(scratchPath);
    try {
      live.db
        .transaction(() => {
          for (const p of live.projections) {
            for (const { name } of p.tables) {
              live.db.exec(`DELETE FROM main.${name}; INSERT INTO main.${name} SELECT * FROM replayed.${name};`);
            }
          }
          live.db.exec('DELETE FROM main.projection_checkpoints; INSERT INTO main.projection_checkpoints SELECT * FROM replayed.projection_checkpoints;');
        })
        .immediate();
    } finally {
      live.db.exec('DETACH DATABASE replayed');
    }
  } finally {
    removeDatabase(scratchPath);
  }
  return sums;
}

function removeDatabase(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
}

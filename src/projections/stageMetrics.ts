import type Database from 'better-sqlite3';
import { eachEvent, type Projection } from './projection.js';

/** Run counts and timings per stage, for the real-time budget. */
export const stageMetrics: Projection = {
  name: 'stage_metrics',
  version: 1,
  tables: [{ name: 'stage_metrics', orderBy: 'stage' }],
  eventTypes: ['StageCompleted', 'StageFailed'],
  ddl: `CREATE TABLE IF NOT EXISTS stage_metrics (
    stage TEXT PRIMARY KEY,
    runs INTEGER NOT NULL,
    failures INTEGER NOT NULL,
    total_ms REAL NOT NULL,
    min_ms REAL,
    max_ms REAL,
    last_ms REAL,
    last_at TEXT NOT NULL
  ) STRICT`,
  bind(db) {
    const completed = db.prepare(
      `INSERT INTO stage_metrics (stage, runs, failures, total_ms, min_ms, max_ms, last_ms, last_at) VALUES (@stage, 1, 0, @ms, @ms, @ms, @ms, @at)
       ON CONFLICT (stage) DO UPDATE SET runs = runs + 1, total_ms = total_ms + @ms, min_ms = MIN(IFNULL(min_ms, @ms), @ms),
         max_ms = MAX(IFNULL(max_ms, @ms), @ms), last_ms = @ms, last_at = @at`,
    );
    const failed = db.prepare(
      `INSERT INTO stage_metrics (stage, runs, failures, total_ms, last_at) VALUES (?, 0, 1, 0, ?)
       ON CONFLICT (stage) DO UPDATE SET failures = failures + 1, last_at = excluded.last_at`,
    );
    return eachEvent((event) => {
      if (event.type === 'StageCompleted') completed.run({ stage: event.payload.stage, ms: event.payload.durationMs, at: event.time });
      else if (event.type === 'StageFailed') failed.run(event.payload.stage, event.time);
    });
  },
};

export interface StageTiming {
  readonly stage: string;
  readonly runs: number;
  readonly failures: number;
  readonly meanMs: number | null;
  readonly minMs: number | null;
  readonly maxMs: number | null;
  readonly lastMs: number | null;
}

export function stageTimings(db: Database.Database): StageTiming[] {
  return db
    .prepare<[], StageTiming>(
      `SELECT stage, runs, failures, CASE WHEN runs > 0 THEN total_ms / runs END AS meanMs, min_ms AS minMs, max_ms AS maxMs,
         last_ms AS lastMs FROM stage_metrics ORDER BY stage`,
    )
    .all();
}

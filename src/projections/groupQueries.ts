import type Database from 'better-sqlite3';
import type { GroupStatus } from '../domain/groupLifecycle.js';

export interface GroupOverview {
  readonly groupId: string;
  readonly status: GroupStatus;
  readonly subbandCount: number;
  readonly expectedSubbands: number;
  readonly missingSubbands: readonly number[];
  readonly openedAt: string;
  readonly updatedAt: string;
  readonly lastError: string | null;
}

export interface GroupPage {
  readonly groups: readonly GroupOverview[];
  /** The cursor for the next (older) page, or null when this was the last. */
  readonly next: string | null;
}

interface OverviewRow {
  group_id: string;
  status: GroupStatus;
  subband_count: number;
  expected_subbands: number;
  missing_subbands: string;
  opened_at: string;
  updated_at: string;
  last_error: string | null;
}

/** Groups newest first, optionally of one state, strictly older than the `before` group id. */
export function listGroups(db: Database.Database, query: { state?: GroupStatus; before?: string; limit: number }): GroupPage {
  // Two statements rather than "@state IS NULL OR status = @state", which no index can serve.
  const where = [query.state !== undefined && 'status = @state', query.before !== undefined && 'group_id < @before'].filter(Boolean);
  const rows = db
    .prepare<[{ state?: string; before?: string; limit: number }], OverviewRow>(
      `SELECT group_id, status, subband_count, expected_subbands, missing_subbands, opened_at, updated_at, last_error
       FROM groups ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY group_id DESC LIMIT @limit`,
    )
    .all({ ...(query.state !== undefined && { state: query.state }), ...(query.before !== undefined && { before: query.before }), limit: query.limit + 1 });
  const page = rows.slice(0, query.limit).map((row) => ({
    groupId: row.group_id,
    status: row.status,
    subbandCount: row.subband_count,
    expectedSubbands: row.expected_subbands,
    missingSubbands: JSON.parse(row.missing_subbands) as number[],
    openedAt: row.opened_at,
    updatedAt: row.updated_at,
    lastError: row.last_error,
  }));
  return { groups: page, next: rows.length > query.limit ? (page[page.length - 1]?.groupId ?? null) : null };
}

export interface SubbandFile {
  readonly subband: number;
  readonly path: string;
  readonly sizeBytes: number;
  readonly mtime: string;
  readonly arrivedAt: string;
}

export function subbandFilesOf(db: Database.Database, groupId: string): SubbandFile[] {
  return db
    .prepare<[string], SubbandFile>(
      `SELECT subband, path, size_bytes AS sizeBytes, mtime, arrived_at AS arrivedAt FROM subband_files WHERE group_id = ? ORDER BY subband`,
    )
    .all(groupId);
}

export interface StageRun {
  readonly stage: string;
  readonly status: string;
  readonly attempt: number;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
  readonly fraction: number;
  readonly message: string | null;
  readonly error: string | null;
}

/** The latest run of each stage of one group, in start order. */
export function stageRunsOf(db: Database.Database, groupId: string): StageRun[] {
  return db
    .prepare<[string], StageRun>(
      `SELECT stage, status, attempt, started_at AS startedAt, finished_at AS finishedAt, duration_ms AS durationMs, fraction, message, error
       FROM stage_status WHERE group_id = ? ORDER BY started_at, stage`,
    )
    .all(groupId);
}

/** Every recorded subband file: path → size and modification time. */
export function recordedFiles(db: Database.Database): Map<string, { sizeBytes: number; mtime: string }> {
  const rows = db.prepare<[], { path: string; sizeBytes: number; mtime: string }>('SELECT path, size_bytes AS sizeBytes, mtime FROM subband_files').all();
  return new Map(rows.map(({ path, ...record }) => [path, record]));
}

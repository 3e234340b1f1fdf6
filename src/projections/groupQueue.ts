import type Database from 'better-sqlite3';
import {
  evolveGroup,
  GROUP_EVENT_TYPES,
  GROUP_STATUSES,
  isGroupEventType,
  type Group,
  type GroupEvent,
  type GroupStatus,
} from '../domain/groupLifecycle.js';
import type { Stage } from '../eventlog/schema.js';
import type { Projection } from './projection.js';

interface GroupRow {
  group_id: string;
  status: string;
  expected_subbands: number;
  subband_count: number;
  subbands: string;
  missing_subbands: string;
  opened_at: string;
  collect_deadline: string;
  ready_at: string | null;
  attempts: number;
  lease_worker: string | null;
  lease_expires_at: string | null;
  current_stage: string | null;
  last_completed_stage: string | null;
  resume_from: string | null;
  not_before: string | null;
  last_error: string | null;
  retryable: number;
  updated_at: string;
  last_seq: number;
}

const COLUMNS = [
  'group_id', 'status', 'expected_subbands', 'subband_count', 'subbands', 'missing_subbands', 'opened_at',
  'collect_deadline', 'ready_at', 'attempts', 'lease_worker', 'lease_expires_at', 'current_stage',
  'last_completed_stage', 'resume_from', 'not_before', 'last_error', 'retryable', 'updated_at', 'last_seq',
] as const;

/** The ingest and processing queue: one row per group with its state, subbands, lease and retries. */
export const groupQueue: Projection = {
  name: 'group_queue',
  version: 1,
  tables: [{ name: 'groups', orderBy: 'group_id' }],
  eventTypes: GROUP_EVENT_TYPES,
  ddl: `CREATE TABLE IF NOT EXISTS groups (
    group_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    expected_subbands INTEGER NOT NULL,
    subband_count INTEGER NOT NULL,
    subbands TEXT NOT NULL,
    missing_subbands TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    collect_deadline TEXT NOT NULL,
    ready_at TEXT,
    attempts INTEGER NOT NULL,
    lease_worker TEXT,
    lease_expires_at TEXT,
    current_stage TEXT,
    last_completed_stage TEXT,
    resume_from TEXT,
    not_before TEXT,
    last_error TEXT,
    retryable INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    last_seq INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS groups_by_status ON groups (status, group_id);
  CREATE INDEX IF NOT EXISTS groups_by_ready ON groups (ready_at);
  CREATE INDEX IF NOT EXISTS groups_by_status_updated ON groups (status, updated_at)`,
  bind(db) {
    const select = db.prepare<[string], GroupRow>('SELECT * FROM groups WHERE group_id = ?');
    const upsert = db.prepare<[GroupRow]>(
      `INSERT OR REPLACE INTO groups (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})`,
    );
    // Folds the batch in memory and writes each touched group once: one read and one write per
    // group per batch instead of per event.
    return (events) => {
      const touched = new Map<string, { group: Group; seq: number }>();
      for (const event of events) {
        if (!isGroupEventType(event.type)) continue;
        const groupEvent = event as GroupEvent;
        const { groupId } = groupEvent.payload;
        let before = touched.get(groupId)?.group;
        if (before === undefined) {
          const row = select.get(groupId);
          before = row && fromRow(row);
        }
        touched.set(groupId, { group: evolveGroup(before, groupEvent), seq: event.seq });
      }
      for (const { group, seq } of touched.values()) upsert.run(toRow(group, seq));
    };
  },
};

function toRow(group: Group, seq: number): GroupRow {
  const missing = Array.from({ length: group.expectedSubbands }, (_, i) => i).filter((i) => !group.subbands.includes(i));
  return {
    group_id: group.groupId,
    status: group.status,
    expected_subbands: group.expectedSubbands,
    subband_count: group.subbands.length,
    subbands: JSON.stringify(group.subbands),
    missing_subbands: JSON.stringify(missing),
    opened_at: group.openedAt,
    collect_deadline: group.collectDeadline,
    ready_at: group.readyAt,
    attempts: group.attempts,
    lease_worker: group.lease?.workerId ?? null,
    lease_expires_at: group.lease?.expiresAt ?? null,
    current_stage: group.currentStage,
    last_completed_stage: group.lastCompletedStage,
    resume_from: group.resumeFrom,
    not_before: group.notBefore,
    last_error: group.lastError,
    retryable: group.retryable ? 1 : 0,
    updated_at: group.updatedAt,
    last_seq: seq,
  };
}

function fromRow(row: GroupRow): Group {
  return {
    groupId: row.group_id,
    status: row.status as GroupStatus,
    expectedSubbands: row.expected_subbands,
    subbands: JSON.parse(row.subbands) as number[],
    openedAt: row.opened_at,
    collectDeadline: row.collect_deadline,
    readyAt: row.ready_at,
    attempts: row.attempts,
    lease: row.lease_worker && row.lease_expires_at ? { workerId: row.lease_worker, expiresAt: row.lease_expires_at } : null,
    currentStage: row.current_stage as Stage | null,
    lastCompletedStage: row.last_completed_stage as Stage | null,
    resumeFrom: row.resume_from as Stage | null,
    notBefore: row.not_before,
    lastError: row.last_error,
    retryable: row.retryable === 1,
    updatedAt: row.updated_at,
  };
}

export interface QueueSummary {
  readonly counts: Record<GroupStatus, number>;
  readonly total: number;
  /** Groups waiting for or under processing. */
  readonly backlog: number;
  readonly oldestPending: string | null;
}

export function queueSummary(db: Database.Database): QueueSummary {
  const counts = Object.fromEntries(GROUP_STATUSES.map((s) => [s, 0])) as Record<GroupStatus, number>;
  for (const { status, n } of db.prepare<[], { status: GroupStatus; n: number }>('SELECT status, COUNT(*) AS n FROM groups GROUP BY status').all()) {
    counts[status] = n;
  }
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const backlog = counts.pending + counts.in_progress + counts.processing_fresh + counts.resuming;
  const oldest = db.prepare<[], { group_id: string }>("SELECT group_id FROM groups WHERE status = 'pending' ORDER BY group_id LIMIT 1").get();
  return { counts, total, backlog, oldestPending: oldest?.group_id ?? null };
}

/** The group's state as the projection holds it. */
export function groupState(db: Database.Database, groupId: string): Group | undefined {
  const row = db.prepare<[string], GroupRow>('SELECT * FROM groups WHERE group_id = ?').get(groupId);
  return row && fromRow(row);
}

/** Every group with its collection deadline while it is still collecting: what ingest needs after a restart. */
export function knownGroups(db: Database.Database): { groupId: string; collectDeadline: string | null }[] {
  return db
    .prepare<[], { groupId: string; collectDeadline: string | null }>(
      "SELECT group_id AS groupId, CASE WHEN status = 'collecting' THEN collect_deadline END AS collectDeadline FROM groups ORDER BY group_id",
    )
    .all();
}

/** Pending groups whose retry time has come, oldest first: what a processing slot may claim. */
export function claimableGroups(db: Database.Database, now: Date, limit: number): string[] {
  return db
    .prepare<[string, number], { group_id: string }>(
      "SELECT group_id FROM groups WHERE status = 'pending' AND (not_before IS NULL OR not_before <= ?) ORDER BY group_id LIMIT ?",
    )
    .all(now.toISOString(), limit)
    .map((r) => r.group_id);
}

/** Groups a worker holds a lease on. */
export function leasedGroups(db: Database.Database): string[] {
  return db.prepare<[], { group_id: string }>('SELECT group_id FROM groups WHERE lease_worker IS NOT NULL ORDER BY group_id').all().map((r) => r.group_id);
}

/**
 * The calibration registry: every accepted calibration table (a rejected solve registers nothing)
 * with its validity window, and the choice of the set that calibrates a target at a given time.
 * A set is the tables one calibrator group's solve registered; it is usable when it has both a
 * bandpass and gains (a delay table is optional). It also follows the calibrator groups' solves, so
 * that a target can wait for one that is running (with the MeasurementSet index, `ms_index`, for
 * their times).
 */
import type Database from 'better-sqlite3';
import { eachEvent, type Projection } from './projection.js';

/** Sets are chosen from up to this far away when none covers the target. */
export const MAX_SEPARATION_HOURS = 12;
/** A set further away than this is still used, with a warning. */
export const WARN_SEPARATION_HOURS = 6;

export const calibrationRegistry: Projection = {
  name: 'calibration_registry',
  version: 4,
  tables: [
    { name: 'caltables', orderBy: 'caltable_id' },
    { name: 'calibration_deferred', orderBy: 'group_id' },
    { name: 'calibrator_solves', orderBy: 'group_id' },
  ],
  eventTypes: ['CaltableRegistered', 'CalibrationDeferred', 'CalibrationApplied', 'CalibratorSelected', 'StageStarted', 'StageCompleted', 'StageFailed'],
  ddl: `CREATE TABLE IF NOT EXISTS caltables (
    caltable_id TEXT PRIMARY KEY,
    group_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    path TEXT NOT NULL,
    valid_from_mjd REAL NOT NULL,
    valid_to_mjd REAL NOT NULL,
    ref_antenna TEXT NOT NULL,
    median_snr REAL NOT NULL,
    flagged_fraction REAL NOT NULL,
    registered_at TEXT NOT NULL,
    seq INTEGER NOT NULL,
    artifacts TEXT NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS caltables_by_window ON caltables (valid_from_mjd, valid_to_mjd);
  CREATE TABLE IF NOT EXISTS calibration_deferred (
    group_id TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    deferred_at TEXT NOT NULL,
    seq INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS calibrator_solves (
    group_id TEXT PRIMARY KEY,
    running INTEGER NOT NULL,
    seq INTEGER NOT NULL
  ) STRICT`,
  bind(db) {
    const upsert = db.prepare(
      `INSERT OR REPLACE INTO caltables VALUES (@caltableId, @groupId, @kind, @path, @validFromMjd, @validToMjd, @refAntenna, @medianSnr, @flaggedFraction, @time, @seq, @artifacts)`,
    );
    const defer = db.prepare('INSERT OR REPLACE INTO calibration_deferred VALUES (?, ?, ?, ?)');
    const applied = db.prepare('DELETE FROM calibration_deferred WHERE group_id = ?');
    const calibratorGroup = db.prepare('INSERT OR IGNORE INTO calibrator_solves VALUES (?, 0, ?)');
    const solveRunning = db.prepare('UPDATE calibrator_solves SET running = ?, seq = ? WHERE group_id = ?');
    return eachEvent((event) => {
      if (event.type === 'CalibratorSelected') calibratorGroup.run(event.payload.groupId, event.seq);
      else if ((event.type === 'StageStarted' || event.type === 'StageCompleted' || event.type === 'StageFailed') && event.payload.stage === 'solve') {
        solveRunning.run(event.type === 'StageStarted' ? 1 : 0, event.seq, event.payload.groupId);
      }
      else if (event.type === 'CaltableRegistered') upsert.run({ ...event.payload, time: event.time, seq: event.seq, artifacts: JSON.stringify(event.payload.artifacts ?? {}) });
      else if (event.type === 'CalibrationDeferred') defer.run(event.payload.groupId, event.payload.reason, event.time, event.seq);
      else if (event.type === 'CalibrationApplied') applied.run(event.payload.groupId);
    });
  },
};

export interface Caltable {
  readonly caltableId: string;
  readonly groupId: string;
  readonly kind: 'K' | 'BP' | 'G';
  readonly path: string;
  readonly validFromMjd: number;
  readonly validToMjd: number;
  readonly refAntenna: string;
  readonly medianSnr: number;
  readonly flaggedFraction: number;
  readonly registeredAt: string;
  /** QA plots by key (`bandpass-amplitude`, `bandpass-phase`, `gain-amplitude`, `gain-phase`): file paths. */
  readonly artifacts: Readonly<Record<string, string>>;
}

export interface CalibrationChoice {
  /** The calibrator group whose solve made the set. */
  readonly groupId: string;
  readonly tables: readonly Caltable[];
  /** Hours between the target and the set's validity window (0 when it covers the target). */
  readonly separationHours: number;
  readonly warning: string | null;
}

const COLUMNS = `caltable_id AS caltableId, group_id AS groupId, kind, path, valid_from_mjd AS validFromMjd, valid_to_mjd AS validToMjd,
  ref_antenna AS refAntenna, median_snr AS medianSnr, flagged_fraction AS flaggedFraction, registered_at AS registeredAt, artifacts`;

type CaltableRow = Omit<Caltable, 'artifacts'> & { readonly artifacts: string };

const caltableOf = (row: CaltableRow): Caltable => ({ ...row, artifacts: JSON.parse(row.artifacts) as Record<string, string> });

/**
 * The set to apply to a target observed at `mjd`: one whose window covers it (the newest
 * registered wins), else the nearest within ±12 h in either direction; none beyond that.
 */
export function selectCalibration(db: Database.Database, mjd: number): CalibrationChoice | null {
  const maxDays = MAX_SEPARATION_HOURS / 24;
  const best = db
    .prepare<[{ mjd: number; maxDays: number }], { groupId: string; separation: number }>(
      `SELECT group_id AS groupId,
         MAX(0, MIN(valid_from_mjd) - @mjd, @mjd - MAX(valid_to_mjd)) AS separation, MAX(seq) AS newest
       FROM caltables GROUP BY group_id
       HAVING SUM(kind = 'BP') > 0 AND SUM(kind = 'G') > 0 AND separation <= @maxDays
       ORDER BY separation, newest DESC LIMIT 1`,
    )
    .get({ mjd, maxDays });
  if (!best) return null;
  // in apply order: delays, bandpass, then each gain table as solved
  const tables = db
    .prepare<[string], CaltableRow>(`SELECT ${COLUMNS} FROM caltables WHERE group_id = ? ORDER BY CASE kind WHEN 'K' THEN 0 WHEN 'BP' THEN 1 ELSE 2 END, seq`)
    .all(best.groupId)
    .map(caltableOf);
  const separationHours = best.separation * 24;
  const warning =
    separationHours > WARN_SEPARATION_HOURS
      ? `the nearest calibration (group ${best.groupId}) is ${separationHours.toFixed(1)} h from the target, beyond ${WARN_SEPARATION_HOURS} h`
      : null;
  return { groupId: best.groupId, tables, separationHours, warning };
}

export interface RunningSolve {
  /** The calibrator group whose solve is running. */
  readonly groupId: string;
  /** Hours between the target and that group's mid-time. */
  readonly separationHours: number;
}

/**
 * A calibrator group's solve that is running now (started, neither completed nor failed) and whose
 * set would calibrate a target at `mjd` better than the set selectable now: its observation is
 * within 12 h of the target and nearer than the current choice (which a covering set never is).
 * Null when there is none: the target need not wait. The target's own group is left out.
 */
export function runningSolveFor(db: Database.Database, mjd: number, targetGroupId: string): RunningSolve | null {
  const running = db
    .prepare<[{ mjd: number; target: string; maxDays: number }], { groupId: string; separation: number }>(
      `SELECT s.group_id AS groupId, ABS(m.mid_mjd - @mjd) AS separation FROM calibrator_solves s JOIN ms_index m ON m.group_id = s.group_id
       WHERE s.running = 1 AND s.group_id != @target AND ABS(m.mid_mjd - @mjd) <= @maxDays ORDER BY separation, s.group_id LIMIT 1`,
    )
    .get({ mjd, target: targetGroupId, maxDays: MAX_SEPARATION_HOURS / 24 });
  if (!running) return null;
  const separationHours = running.separation * 24;
  const current = selectCalibration(db, mjd);
  return current && current.separationHours <= separationHours ? null : { groupId: running.groupId, separationHours };
}

/** Every registered table in time order: the validity timeline. */
export function listCaltables(db: Database.Database, range: { fromMjd?: number; toMjd?: number } = {}): Caltable[] {
  return db
    .prepare<[{ from: number | null; to: number | null }], CaltableRow>(
      `SELECT ${COLUMNS} FROM caltables WHERE (@from IS NULL OR valid_to_mjd >= @from) AND (@to IS NULL OR valid_from_mjd <= @to)
       ORDER BY valid_from_mjd, kind`,
    )
    .all({ from: range.fromMjd ?? null, to: range.toMjd ?? null })
    .map(caltableOf);
}

/**
 * Groups that went on uncalibrated and have finished, for which a calibration set is now
 * available (the observation's mid-time from its MeasurementSet): they are due to be re-applied.
 */
export function deferredGroupsNowCalibratable(db: Database.Database): { groupId: string; calibrationGroupId: string }[] {
  const candidates = db
    .prepare<[], { groupId: string; midMjd: number }>(
      `SELECT d.group_id AS groupId, m.mid_mjd AS midMjd FROM calibration_deferred d
       JOIN groups g ON g.group_id = d.group_id JOIN ms_index m ON m.group_id = d.group_id
       WHERE g.status = 'completed' ORDER BY d.group_id`,
    )
    .all();
  return candidates.flatMap(({ groupId, midMjd }) => {
    const choice = selectCalibration(db, midMjd);
    return choice ? [{ groupId, calibrationGroupId: choice.groupId }] : [];
  });
}

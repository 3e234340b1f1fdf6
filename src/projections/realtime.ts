/**
 * Is the pipeline keeping up with the telescope? Groups that became complete and groups that
 * finished processing over the last hour, and the stage times against the cadence: with one group
 * per stage at a time, the slowest stage sets the throughput, the sum of the stages the latency.
 */
import type Database from 'better-sqlite3';
import { stageTimings } from './stageMetrics.js';

export interface RealtimeGauge {
  /** Groups that became complete (pending) in the last hour. */
  readonly groupsInLastHour: number;
  /** Groups processed to completion in the last hour. */
  readonly groupsOutLastHour: number;
  readonly budgetSeconds: number;
  readonly slowestStage: { readonly stage: string; readonly meanSeconds: number } | null;
  /** Mean seconds from the first stage to the last, summed over stages. */
  readonly meanSecondsPerGroup: number;
  /** The slowest stage fits in the cadence (null before any stage has run). */
  readonly keepingUp: boolean | null;
}

export function realtimeGauge(db: Database.Database, now: Date, budgetSeconds: number): RealtimeGauge {
  const hourAgo = new Date(now.getTime() - 3600_000).toISOString();
  const count = (sql: string) => db.prepare<[string], { n: number }>(sql).get(hourAgo)!.n;
  const groupsInLastHour = count('SELECT COUNT(*) AS n FROM groups WHERE ready_at >= ?');
  const groupsOutLastHour = count("SELECT COUNT(*) AS n FROM groups WHERE status = 'completed' AND updated_at >= ?");
  const means = stageTimings(db).flatMap((s) => (s.meanMs === null ? [] : [{ stage: s.stage, meanSeconds: s.meanMs / 1000 }]));
  const slowestStage = means.reduce<RealtimeGauge['slowestStage']>((a, b) => (a === null || b.meanSeconds > a.meanSeconds ? b : a), null);
  return {
    groupsInLastHour,
    groupsOutLastHour,
    budgetSeconds,
    slowestStage,
    meanSecondsPerGroup: means.reduce((sum, s) => sum + s.meanSeconds, 0),
    keepingUp: slowestStage === null ? null : slowestStage.meanSeconds < budgetSeconds,
  };
}

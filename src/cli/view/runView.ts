/**
 * The live terminal view of `contimg run`: the queue, the stages against the real-time budget,
 * the latest groups with their running stage, and the latest warnings, redrawn in place every
 * second. The full JSON log goes to a file meanwhile (its path is shown).
 */
import { Writable } from 'node:stream';
import type Database from 'better-sqlite3';
import { createLogUpdate } from 'log-update';
import { STAGES } from '../../eventlog/schema.js';
import { listGroups, stageRunsOf } from '../../projections/groupQueries.js';
import { queueSummary, type QueueSummary } from '../../projections/groupQueue.js';
import { realtimeGauge, type RealtimeGauge } from '../../projections/realtime.js';
import { stageTimings, type StageTiming } from '../../projections/stageMetrics.js';
import { GROUP_CADENCE_S } from '../../science/simulate/layout.js';

const REDRAW_MS = 1000;
const LATEST_GROUPS = 6;
const LATEST_WARNINGS = 4;

export interface RunSnapshot {
  readonly now: Date;
  readonly incoming: string;
  readonly logFile: string;
  readonly queue: QueueSummary;
  readonly stages: readonly StageTiming[];
  readonly realtime: RealtimeGauge;
  readonly groups: readonly { readonly groupId: string; readonly status: string; readonly detail: string }[];
  readonly warnings: readonly string[];
}

const pad = (text: string | number, width: number) => String(text).padEnd(width);
const num = (value: number | null, digits = 1) => (value === null ? '–' : value.toFixed(digits));

/** The view as text: pure, so a test can read it. */
export function renderRunView(s: RunSnapshot): string {
  const { counts } = s.queue;
  const processing = counts.in_progress + counts.processing_fresh + counts.resuming;
  const gauge = s.realtime;
  const keeping = gauge.keepingUp === null ? 'no stage has run yet' : gauge.keepingUp ? 'keeping up' : 'FALLING BEHIND';
  const stageOrder = (t: StageTiming) => STAGES.indexOf(t.stage as (typeof STAGES)[number]);
  const lines = [
    `contimg run   ${s.now.toISOString().slice(0, 19)}Z   watching ${s.incoming}`,
    '',
    `groups   collecting ${counts.collecting}   pending ${counts.pending}   processing ${processing}   completed ${counts.completed}   failed ${counts.failed}   dead-lettered ${counts.dead_lettered}`,
    `real time   in ${gauge.groupsInLastHour}/h   out ${gauge.groupsOutLastHour}/h   slowest stage ${gauge.slowestStage ? `${gauge.slowestStage.stage} ${num(gauge.slowestStage.meanSeconds)} s` : '–'} of ${num(gauge.budgetSeconds)} s: ${keeping}`,
    '',
    `${pad('stage', 12)}${pad('runs', 6)}${pad('failed', 8)}${pad('mean s', 9)}${pad('last s', 9)}`,
    ...[...s.stages].sort((a, b) => stageOrder(a) - stageOrder(b)).map((t) =>
      `${pad(t.stage, 12)}${pad(t.runs, 6)}${pad(t.failures, 8)}${pad(num(t.meanMs && t.meanMs / 1000), 9)}${pad(num(t.lastMs && t.lastMs / 1000), 9)}`,
    ),
    '',
    'latest groups',
    ...(s.groups.length === 0 ? ['  none yet'] : s.groups.map((g) => `  ${g.groupId}  ${pad(g.status, 16)}${g.detail}`)),
    '',
    ...(s.warnings.length === 0 ? [] : ['latest warnings', ...s.warnings.map((w) => `  ${w}`), '']),
    `full log: ${s.logFile}   (Ctrl-C stops after releasing running groups)`,
  ];
  return lines.join('\n');
}

/** What a group is doing now: its running stage and progress, its subbands, or its error. */
function detailOf(db: Database.Database, group: ReturnType<typeof listGroups>['groups'][number]): string {
  if (group.status === 'collecting') return `${group.subbandCount}/${group.expectedSubbands} subbands`;
  if (group.lastError && (group.status === 'failed' || group.status === 'dead_lettered')) return group.lastError.slice(0, 100);
  const running = stageRunsOf(db, group.groupId).find((r) => r.status === 'running');
  return running ? `${running.stage} ${Math.round(running.fraction * 100)}%` : '';
}

export function runSnapshot(db: Database.Database, now: Date, context: Pick<RunSnapshot, 'incoming' | 'logFile' | 'warnings'>): RunSnapshot {
  const groups = listGroups(db, { limit: LATEST_GROUPS }).groups.map((g) => ({ groupId: g.groupId, status: g.status, detail: detailOf(db, g) }));
  return { now, queue: queueSummary(db), stages: stageTimings(db), realtime: realtimeGauge(db, now, GROUP_CADENCE_S), groups, ...context };
}

/** A log destination (pino JSON lines) that keeps the latest messages for the view. */
export class RecentMessages extends Writable {
  readonly latest: string[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      const { msg, time } = JSON.parse(line) as { msg?: string; time?: number };
      this.latest.push(`${new Date(time ?? Date.now()).toISOString().slice(11, 19)}  ${msg ?? line}`);
    }
    this.latest.splice(0, Math.max(0, this.latest.length - LATEST_WARNINGS));
    done();
  }
}

/** Draws the view on `terminal` every second until stopped. */
export function startRunView(db: Database.Database, terminal: NodeJS.WriteStream, context: Pick<RunSnapshot, 'incoming' | 'logFile'> & { recent: RecentMessages }) {
  const draw = createLogUpdate(terminal);
  const redraw = () => draw(renderRunView(runSnapshot(db, new Date(), { incoming: context.incoming, logFile: context.logFile, warnings: context.recent.latest })));
  redraw();
  const timer = setInterval(redraw, REDRAW_MS);
  return {
    stop() {
      clearInterval(timer);
      redraw();
      draw.done();
    },
  };
}

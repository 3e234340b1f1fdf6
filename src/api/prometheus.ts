import type { StatusSnapshot } from './schemas.js';

/** The status snapshot in the Prometheus text exposition format (version 0.0.4). */
export function prometheusText(status: StatusSnapshot): string {
  const lines: string[] = [];
  const metric = (name: string, type: 'gauge' | 'counter', help: string, samples: [labels: string, value: number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples.map(([labels, value]) => `${name}${labels} ${value}`));
  };
  const byStage = (value: (s: StatusSnapshot['stages'][number]) => number | null): [string, number][] =>
    status.stages.flatMap((s) => {
      const v = value(s);
      return v === null ? [] : [[`{stage="${s.stage}"}`, v]];
    });
  metric('contimg_groups', 'gauge', 'Groups by state.', Object.entries(status.queue.counts as Record<string, number>).map(([state, n]) => [`{state="${state}"}`, n]));
  metric('contimg_backlog_groups', 'gauge', 'Groups waiting for or under processing.', [['', status.queue.backlog]]);
  metric('contimg_events_total', 'counter', 'Events in the log.', [['', status.head]]);
  metric('contimg_projection_lag_events', 'gauge', 'Events appended but not yet in the read models.', [['', status.projectionLag]]);
  metric('contimg_stage_runs_total', 'counter', 'Completed stage runs.', byStage((s) => s.runs));
  metric('contimg_stage_failures_total', 'counter', 'Failed stage runs.', byStage((s) => s.failures));
  metric('contimg_stage_mean_seconds', 'gauge', 'Mean duration of completed stage runs.', byStage((s) => (s.meanMs === null ? null : s.meanMs / 1000)));
  const { realtime } = status;
  metric('contimg_groups_in_last_hour', 'gauge', 'Groups that became complete in the last hour.', [['', realtime.groupsInLastHour]]);
  metric('contimg_groups_out_last_hour', 'gauge', 'Groups processed to completion in the last hour.', [['', realtime.groupsOutLastHour]]);
  metric('contimg_realtime_budget_seconds', 'gauge', 'The cadence every stage must keep within.', [['', realtime.budgetSeconds]]);
  metric('contimg_group_mean_seconds', 'gauge', 'Mean processing seconds per group, all stages.', [['', realtime.meanSecondsPerGroup]]);
  return `${lines.join('\n')}\n`;
}

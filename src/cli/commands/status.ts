import type { Config } from '../../config/config.js';
import { STAGES } from '../../eventlog/schema.js';
import { listGroups } from '../../projections/groupQueries.js';
import { queueSummary } from '../../projections/groupQueue.js';
import { stageTimings } from '../../projections/stageMetrics.js';
import { openState } from '../state.js';

export async function statusCommand(config: Config, json: boolean, groupLimit: number): Promise<void> {
  const state = openState(config);
  try {
    const head = state.log.headSync();
    const projectedThrough = state.readModels.position();
    const queue = queueSummary(state.readModels.db);
    const { groups } = listGroups(state.readModels.db, { limit: groupLimit });
    const stages = stageTimings(state.readModels.db).sort((a, b) => STAGES.indexOf(a.stage as never) - STAGES.indexOf(b.stage as never));
    if (json) {
      process.stdout.write(`${JSON.stringify({ dataDir: state.paths.root, head, projectedThrough, queue, stages, groups }, null, 2)}\n`);
      return;
    }
    const out: string[] = [
      `data: ${state.paths.root}`,
      `event log: ${head} events; read models through seq ${projectedThrough}${projectedThrough < head ? ' (behind: run the pipeline or `contimg replay`)' : ''}`,
      `groups: ${queue.total} (backlog ${queue.backlog}${queue.oldestPending ? `, oldest pending ${queue.oldestPending}` : ''})`,
      ...Object.entries(queue.counts).map(([status, n]) => `  ${status.padEnd(17)}${n}`),
    ];
    if (stages.length > 0) {
      out.push('stages:            runs  failed   mean s    max s');
      for (const s of stages) {
        const secs = (ms: number | null) => (ms === null ? '-' : (ms / 1000).toFixed(1)).padStart(9);
        out.push(`  ${s.stage.padEnd(14)}${String(s.runs).padStart(7)}${String(s.failures).padStart(8)}${secs(s.meanMs)}${secs(s.maxMs)}`);
      }
    }
    if (groups.length > 0) {
      out.push(`latest ${groups.length} groups:`, '  group                state             subbands  age      missing / error');
      const now = Date.now();
      for (const g of groups) {
        const detail = g.lastError ?? (g.missingSubbands.length > 0 && g.status === 'collecting' ? g.missingSubbands.join(',') : '');
        out.push(`  ${g.groupId}  ${g.status.padEnd(16)}  ${`${g.subbandCount}/${g.expectedSubbands}`.padStart(8)}  ${age(now - Date.parse(g.openedAt)).padStart(7)}  ${detail}`);
      }
    }
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await state.close();
  }
}

/** "42 s", "17 min", "5.2 h", "3.1 d". */
function age(ms: number): string {
  const s = ms / 1000;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} d`;
}

import type { Config } from '../../config/config.js';
import { STAGES } from '../../eventlog/schema.js';
import { queueSummary } from '../../projections/groupQueue.js';
import { stageTimings } from '../../projections/stageMetrics.js';
import { openState } from '../state.js';

export async function statusCommand(config: Config, json: boolean): Promise<void> {
  const state = openState(config);
  try {
    const head = state.log.headSync();
    const projectedThrough = state.readModels.position();
    const queue = queueSummary(state.readModels.db);
    const stages = stageTimings(state.readModels.db).sort((a, b) => STAGES.indexOf(a.stage as never) - STAGES.indexOf(b.stage as never));
    if (json) {
      process.stdout.write(`${JSON.stringify({ dataDir: state.paths.root, head, projectedThrough, queue, stages }, null, 2)}\n`);
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
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await state.close();
  }
}

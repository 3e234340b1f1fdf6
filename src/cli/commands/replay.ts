import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import type { EventLog } from '../../eventlog/eventLog.js';
import { replay, verify } from '../../projections/replay.js';
import { openState } from '../state.js';

/**
 * Rebuilds (or, with verify, checks) every read model from the log; resolves to the exit code.
 * `eventLog` replaces the data directory's SQLite log (`--from-kafka`).
 */
export async function replayCommand(config: Config, log: Logger, options: { verify: boolean; json: boolean; eventLog?: EventLog }): Promise<number> {
  const state = openState(config);
  const events = options.eventLog ?? state.log;
  try {
    const started = performance.now();
    if (options.verify) {
      const report = await verify(events, state.readModels, state.paths.replayScratch);
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      for (const d of report.differences) {
        log.error({ projection: d.projection, table: d.table, live: d.live, replayed: d.replayed }, 'read model differs from a replay of the log');
      }
      const tables = report.projections.flatMap((p) => p.tables);
      if (!options.json) {
        process.stdout.write(
          report.differences.length === 0
            ? `verified: ${tables.length} tables of ${report.projections.length} projections equal a replay of the log (${seconds} s)\n`
            : `DIFFERENT: ${report.differences.map((d) => d.table).join(', ')} differ from a replay of the log\n`,
        );
      }
      return report.differences.length === 0 ? 0 : 1;
    }
    const sums = await replay(events, state.readModels, state.paths.replayScratch);
    const throughSeq = Math.min(...sums.map((p) => p.throughSeq));
    await events.append(
      'operator',
      [
        {
          type: 'ReadModelsRebuilt',
          time: new Date().toISOString(),
          payload: { throughSeq, projections: sums.map((p) => ({ name: p.name, checksum: p.tables.map((t) => t.sha256).join(',') })) },
        },
      ],
      'any',
    );
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    if (options.json) process.stdout.write(`${JSON.stringify(sums, null, 2)}\n`);
    else process.stdout.write(`rebuilt ${sums.length} projections from ${throughSeq} events in ${seconds} s\n`);
    log.info({ throughSeq, seconds }, 'read models rebuilt');
    return 0;
  } finally {
    await state.close();
  }
}

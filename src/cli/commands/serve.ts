import type { Logger } from 'pino';
import { retry, timer } from 'rxjs';
import { buildApi } from '../../api/buildApi.js';
import type { Config } from '../../config/config.js';
import { dataPaths } from '../../config/paths.js';
import { SqliteEventLog } from '../../eventlog/sqliteEventLog.js';
import { ALL_PROJECTIONS } from '../../projections/index.js';
import { ReadModelStore } from '../../projections/readModelStore.js';

/** `contimg serve`: the API over the data directory's state until SIGINT or SIGTERM. */
export async function serveCommand(config: Config, logger: Logger): Promise<void> {
  const paths = dataPaths(config.dataDir);
  // Unlike openState, the server must wake on appends made by `contimg run` in another process.
  const log = new SqliteEventLog(paths.eventLog, { synchronous: config['eventLog.synchronous'], watchOtherProcesses: true });
  const readModels = new ReadModelStore(paths.readModels, ALL_PROJECTIONS);
  // A running pipeline folds the same log; when both apply a batch, the loser re-follows from the new position.
  const projecting = readModels
    .follow(log)
    .pipe(
      retry({
        delay: (err: Error) => {
          logger.warn({ err }, 'read models: following the log again');
          return timer(1000);
        },
      }),
    )
    .subscribe({ error: (err: Error) => logger.error({ err }, 'read models stopped following the log') });
  const app = buildApi({ log, readModels, config, logger });
  const url = await app.listen({ host: config['api.host'], port: config['api.port'] });
  logger.info({ url, docs: `${url}/docs`, writes: config['api.token'] === null ? 'disabled (no api.token)' : 'enabled' }, 'contimg API listening');
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info({ signal }, 'stopping');
  await app.close();
  projecting.unsubscribe();
  readModels.close();
  await log.close();
}

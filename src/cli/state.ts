import type { Config } from '../config/config.js';
import { dataPaths } from '../config/paths.js';
import { SqliteEventLog } from '../eventlog/sqliteEventLog.js';
import { ALL_PROJECTIONS } from '../projections/index.js';
import { ReadModelStore } from '../projections/readModelStore.js';

/** The event log and read models under the configured data directory. */
export function openState(config: Config) {
  const paths = dataPaths(config.dataDir);
  const log = new SqliteEventLog(paths.eventLog, { synchronous: config['eventLog.synchronous'], watchOtherProcesses: false });
  const readModels = new ReadModelStore(paths.readModels, ALL_PROJECTIONS);
  return {
    paths,
    log,
    readModels,
    async close() {
      readModels.close();
      await log.close();
    },
  };
}

import { dirname, join } from 'node:path';
import type { Config } from '../config/config.js';
import { dataPaths, type DataPaths } from '../config/paths.js';
import type { EventLog } from '../eventlog/eventLog.js';
import { SqliteEventLog } from '../eventlog/sqliteEventLog.js';
import { ALL_PROJECTIONS } from '../projections/index.js';
import { ReadModelStore } from '../projections/readModelStore.js';
import { openKafkaLog } from './commands/cluster.js';

/** The embedded SQLite event log and the read models under the configured data directory. */
export function openState(config: Config) {
  const paths = dataPaths(config.dataDir);
  const log = new SqliteEventLog(paths.eventLog, { synchronous: config['eventLog.synchronous'], watchOtherProcesses: false });
  return stateOver(paths, log, paths.readModels);
}

/**
 * The configured event log (Kafka when `eventLog.brokers` is set, else SQLite) and its read
 * models; the read models of a Kafka topic are kept apart from the SQLite log's, shared by every
 * process of this data directory.
 */
export async function openLogState(config: Config) {
  const brokers = config['eventLog.brokers'];
  if (brokers === null) return openState(config);
  const paths = dataPaths(config.dataDir);
  const topic = config['eventLog.topic'];
  // Waits for a broker that is still starting (a minute and more of retries); once open, the log rides out outages itself.
  const log = await openKafkaLog({ brokers, topic, retry: { retries: 12, initialRetryTime: 300, maxRetryTime: 10_000 } });
  return stateOver(paths, log, join(dirname(paths.readModels), `readmodels-kafka-${topic}.sqlite`));
}

function stateOver<L extends EventLog>(paths: DataPaths, log: L, readModelsPath: string) {
  const readModels = new ReadModelStore(readModelsPath, ALL_PROJECTIONS);
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

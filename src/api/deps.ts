import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { EventLog } from '../eventlog/eventLog.js';
import type { ReadModelStore } from '../projections/readModelStore.js';

/** What the API's plugins read from and append to. */
export interface ApiDeps {
  readonly log: EventLog;
  readonly readModels: ReadModelStore;
  readonly config: Config;
  readonly logger: Logger;
}

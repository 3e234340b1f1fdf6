/**
 * A child process for the crash test: appends groups batch by batch and projects after each
 * batch (mode "append"), or replays the read models over and over (mode "replay"), until killed.
 * Prints "ready" once it is working.
 */
import { join } from 'node:path';
import { SqliteEventLog } from '../../src/eventlog/sqliteEventLog.js';
import { ALL_PROJECTIONS } from '../../src/projections/index.js';
import { ReadModelStore } from '../../src/projections/readModelStore.js';
import { replay } from '../../src/projections/replay.js';
import { groupBatches, groupId } from '../support/groupEvents.js';

const [dir, mode] = process.argv.slice(2) as [string, 'append' | 'replay'];
const log = new SqliteEventLog(join(dir, 'events.sqlite'), { watchOtherProcesses: false });
const store = new ReadModelStore(join(dir, 'readmodels.sqlite'), ALL_PROJECTIONS);

process.stdout.write('ready\n');
for (let round = 0; ; round++) {
  if (mode === 'replay') {
    await replay(log, store, join(dir, 'scratch.sqlite'));
    continue;
  }
  // the head only grows, so it names a group no earlier run (even a killed one) has used
  const id = groupId(log.headSync());
  let version = 0;
  for (const batch of groupBatches(id, new Date(Date.UTC(2026, 10, 24) + round * 1000).toISOString(), `pid-${process.pid}`)) {
    version = log.appendSync(id, batch, version).streamVersion;
    await store.catchUp(log);
  }
}

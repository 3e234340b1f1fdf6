/**
 * Re-applies calibration to groups that went on uncalibrated: whenever a calibration set is
 * registered or a group finishes, each finished group with a CalibrationDeferred and a set now
 * within reach is sent back to the apply stage (a ReprocessRequested by the pipeline itself).
 */
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { concatMap, filter, type Observable } from 'rxjs';
import { decideForGroup } from '../../domain/groupCommands.js';
import type { EventLog } from '../../eventlog/eventLog.js';
import type { StoredEvent } from '../../eventlog/event.js';
import { deferredGroupsNowCalibratable } from '../../projections/calibrationRegistry.js';

const TRIGGERS = new Set<string>(['CaltableRegistered', 'GroupProcessed']);

export function recalibrateDeferred(projected$: Observable<readonly StoredEvent[]>, { log, readModels, logger, now = () => new Date() }: {
  log: EventLog;
  readModels: Database.Database;
  logger: Logger;
  now?: () => Date;
}): Observable<string> {
  return projected$.pipe(
    filter((batch) => batch.some((e) => TRIGGERS.has(e.type))),
    concatMap(async function* () {
      for (const { groupId, calibrationGroupId } of deferredGroupsNowCalibratable(readModels)) {
        const reason = `calibration registered by group ${calibrationGroupId}: re-applying`;
        const requested = await decideForGroup(log, groupId, (group) =>
          group?.status === 'completed' ? [{ type: 'ReprocessRequested', time: now().toISOString(), payload: { groupId, fromStage: 'apply', operator: 'pipeline', reason } }] : [],
        );
        if (requested) {
          logger.info({ groupId, calibrationGroupId }, 'uncalibrated group sent back to the apply stage');
          yield groupId;
        }
      }
    }),
  );
}

import type Database from 'better-sqlite3';
import { runningSolveFor, selectCalibration } from '../../projections/calibrationRegistry.js';
import { tablesOfLatestSolve, type CaltableSelector } from '../../stages/apply.js';
import { lastOfType, type StageContext } from '../../stages/stage.js';

/**
 * A calibrator group applies the tables its own solve registered; any other group the set the
 * registry selects for its mid-time (covering it, else the nearest within 12 h), after waiting for a
 * running calibrator solve that would give it a better one.
 */
export function registrySelector(readModels: Database.Database): CaltableSelector {
  const runningSolve = (context: StageContext) => {
    if (tablesOfLatestSolve(context.history).length > 0) return undefined;
    const ms = lastOfType(context.history, 'MsWritten');
    return ms && runningSolveFor(readModels, ms.payload.midMjd, context.groupId)?.groupId;
  };
  const select: CaltableSelector = (context) => {
    const own = tablesOfLatestSolve(context.history);
    if (own.length > 0) return Promise.resolve(own);
    const ms = lastOfType(context.history, 'MsWritten');
    const choice = ms && selectCalibration(readModels, ms.payload.midMjd);
    if (!choice) return Promise.resolve([]);
    if (choice.warning) context.logger.warn({ groupId: context.groupId, calibrationGroupId: choice.groupId }, choice.warning);
    return Promise.resolve(choice.tables.map(({ caltableId, path, kind }) => ({ caltableId, path, kind })));
  };
  return Object.assign(select, { runningSolve });
}

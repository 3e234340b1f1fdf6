import type Database from 'better-sqlite3';
import { selectCalibration } from '../../projections/calibrationRegistry.js';
import { tablesOfLatestSolve, type CaltableSelector } from '../../stages/apply.js';
import { lastOfType } from '../../stages/stage.js';

/**
 * A calibrator group applies the tables its own solve registered; any other group the set the
 * registry selects for its mid-time (covering it, else the nearest within 12 h).
 */
export function registrySelector(readModels: Database.Database): CaltableSelector {
  return (context) => {
    const own = tablesOfLatestSolve(context.history);
    if (own.length > 0) return Promise.resolve(own);
    const ms = lastOfType(context.history, 'MsWritten');
    const choice = ms && selectCalibration(readModels, ms.payload.midMjd);
    if (!choice) return Promise.resolve([]);
    if (choice.warning) context.logger.warn({ groupId: context.groupId, calibrationGroupId: choice.groupId }, choice.warning);
    return Promise.resolve(choice.tables.flatMap(({ caltableId, path, kind }) => (kind === 'K' ? [] : [{ caltableId, path, kind }])));
  };
}

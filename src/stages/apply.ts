/**
 * Stage 4c: CORRECTED_DATA from the calibration tables selected for the group, verified finite
 * and non-zero (CalibrationApplied). Which tables apply is the selector's decision: by default the
 * ones this group's own solve registered; the caltable registry supplies them for other groups.
 * With none yet, the group goes on uncalibrated (CalibrationDeferred) and is re-applied later.
 */
import type { StoredEvent } from '../eventlog/event.js';
import { applyCalibration, CalibrationError, type CaltableKind } from '../science/calibrate/index.js';
import { lastOfType, StageError, type StageContext, type StageDefinition } from './stage.js';

export interface SelectedCaltable {
  readonly caltableId: string;
  readonly path: string;
  readonly kind: CaltableKind;
}

/** Chooses the tables to apply to a group, in apply order; empty when there are none yet. */
export type CaltableSelector = (context: StageContext) => Promise<readonly SelectedCaltable[]>;

/** The tables registered by the group's latest solve (those after its last StageStarted of 'solve'), in registration order. */
export const ownSolveTables: CaltableSelector = (context) => Promise.resolve(tablesOfLatestSolve(context.history));

export function tablesOfLatestSolve(history: readonly StoredEvent[]): SelectedCaltable[] {
  let start = 0;
  history.forEach((event, i) => {
    if (event.type === 'StageStarted' && event.payload.stage === 'solve') start = i;
  });
  return history.slice(start).flatMap((event) => {
    if (event.type !== 'CaltableRegistered' || event.payload.kind === 'K') return [];
    return [{ caltableId: event.payload.caltableId, path: event.payload.path, kind: event.payload.kind }];
  });
}

export function applyStage(select: CaltableSelector = ownSolveTables): StageDefinition {
  return {
    stage: 'apply',
    async run(context) {
      const { groupId, history } = context;
      const written = lastOfType(history, 'MsWritten');
      if (written === undefined) throw new StageError(`group ${groupId} has no MeasurementSet (no MsWritten event)`, 'no-ms', false);
      const tables = await select(context);
      if (tables.length === 0) {
        // The pipeline goes on uncalibrated (CORRECTED_DATA = DATA); the group is re-applied once a set lands.
        const reason = 'no accepted calibration set within 12 h of this observation yet: imaged uncalibrated, re-applied when one is registered';
        context.logger.warn({ groupId }, reason);
        return [{ type: 'CalibrationDeferred', payload: { groupId, msPath: written.payload.msPath, reason } }];
      }
      try {
        const outcome = await applyCalibration(written.payload.msPath, tables);
        return [
          {
            type: 'CalibrationApplied',
            payload: { groupId, msPath: written.payload.msPath, caltableIds: tables.map((t) => t.caltableId), correctedNonZeroFraction: outcome.correctedNonZeroFraction },
          },
        ];
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const code = error instanceof CalibrationError ? error.code : 'apply-failed';
        throw new StageError(message, code, code !== 'corrected-invalid', { cause: error });
      }
    },
  };
}

/** The apply stage with the tables of the group's own solve (calibrator groups). */
export const calibrationApplyStage = applyStage();

/**
 * Stage 4c: CORRECTED_DATA from the calibration tables selected for the group, verified finite
 * and non-zero (CalibrationApplied). Which tables apply is the selector's decision: by default the
 * ones this group's own solve registered; the caltable registry supplies them for other groups.
 * With none yet, the group goes on uncalibrated (CalibrationDeferred) and is re-applied later.
 * When a calibrator's solve is running that would calibrate the group better than what is there
 * now, the stage first waits for it, polling, up to `calibrate.solveWaitSeconds`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { StoredEvent } from '../eventlog/event.js';
import { applyCalibration, CalibrationError, type CaltableKind } from '../science/calibrate/index.js';
import { lastOfType, StageError, type StageContext, type StageDefinition } from './stage.js';

export interface SelectedCaltable {
  readonly caltableId: string;
  readonly path: string;
  readonly kind: CaltableKind;
}

/**
 * Chooses the tables to apply to a group, in apply order; empty when there are none yet.
 * `runningSolve`, when given, names the calibrator group whose running solve the group should
 * wait for (one that would give it a better set), or undefined when there is none.
 */
export interface CaltableSelector {
  (context: StageContext): Promise<readonly SelectedCaltable[]>;
  readonly runningSolve?: (context: StageContext) => string | undefined;
}

/** How often a waiting target looks at the read model again. */
export const SOLVE_POLL_MS = 1000;

/** The tables registered by the group's latest solve (those after its last StageStarted of 'solve'), in registration order. */
export const ownSolveTables: CaltableSelector = (context) => Promise.resolve(tablesOfLatestSolve(context.history));

export function tablesOfLatestSolve(history: readonly StoredEvent[]): SelectedCaltable[] {
  let start = 0;
  history.forEach((event, i) => {
    if (event.type === 'StageStarted' && event.payload.stage === 'solve') start = i;
  });
  return history.slice(start).flatMap((event) => {
    if (event.type !== 'CaltableRegistered') return [];
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
      await waitForRunningSolve(select, context);
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

/** Waits (bounded, abortable) while the selector reports a running solve worth waiting for. */
async function waitForRunningSolve(select: CaltableSelector, context: StageContext): Promise<void> {
  const probe = select.runningSolve;
  if (probe === undefined) return;
  const deadline = performance.now() + context.config['calibrate.solveWaitSeconds'] * 1000;
  let waitingFor = probe(context);
  if (waitingFor === undefined) return;
  context.logger.info({ groupId: context.groupId, calibrationGroupId: waitingFor }, 'waiting for a running calibrator solve');
  while (waitingFor !== undefined && performance.now() < deadline) {
    context.progress(0, `waiting for the solve of ${waitingFor}`);
    await sleep(Math.min(SOLVE_POLL_MS, Math.max(0, deadline - performance.now())), undefined, { signal: context.signal });
    waitingFor = probe(context);
  }
  if (waitingFor !== undefined) context.logger.warn({ groupId: context.groupId, calibrationGroupId: waitingFor }, 'gave up waiting for a running calibrator solve');
}

/** The apply stage with the tables of the group's own solve (calibrator groups). */
export const calibrationApplyStage = applyStage();

/**
 * Stage 4a: flag the group's MeasurementSet in place (AOFlagger with `flag.strategy`, zeros,
 * autocorrelations) and record the flag fractions. Flagging starts from cleared flags, so a rerun
 * gives the same result.
 *
 * It also decides whether the group is a calibrator group, from the MS phase centre (the J2000
 * meridian pointing at mid-time) and the VLA calibrators (the imported catalog, else the list
 * file), and records CalibratorSelected when it is, so that the solve stage finds it.
 */
import type { DomainEvent } from '../eventlog/event.js';
import { calibratorCandidates } from '../catalogs/calibratorCandidates.js';
import { selectCalibrator } from '../science/catalogs/calibratorSelection.js';
import { flagMeasurementSet, FlagStrategyError } from '../science/flag/flagMs.js';
import { lastOfType, StageError, type StageContext, type StageDefinition } from './stage.js';

const DEG = 180 / Math.PI;

async function calibratorChoice(context: StageContext, phaseCentre: { raDeg: number; decDeg: number }): Promise<DomainEvent[]> {
  const { candidates, source } = await calibratorCandidates(context.paths.catalogs, phaseCentre);
  const selection = selectCalibrator(candidates, phaseCentre);
  context.logger.info({ groupId: context.groupId, calibrator: selection.calibrator?.name, reason: selection.reason, candidatesFrom: source }, 'calibrator choice');
  const chosen = selection.calibrator;
  if (!chosen) return [];
  return [{ type: 'CalibratorSelected', payload: { groupId: context.groupId, calibrator: chosen.name, fluxJy: chosen.fluxJy, separationDeg: chosen.separationDeg, reason: selection.reason } }];
}

export const flagStage: StageDefinition = {
  stage: 'flag',
  async run(context) {
    const { groupId, logger, config } = context;
    const ms = lastOfType(context.history, 'MsWritten');
    if (!ms) throw new StageError(`group ${groupId} has no MeasurementSet (no MsWritten event): convert it first`, 'missing-ms', false);
    try {
      const strategy = config['flag.strategy'];
      const summary = await flagMeasurementSet(ms.payload.msPath, { ...(strategy !== null && { strategy }), threads: config['flag.threads'] });
      logger.info({ groupId, flaggedFraction: summary.flaggedFraction, seconds: summary.seconds }, 'flagged');
      const flags: DomainEvent = {
        type: 'FlagsComputed',
        payload: { groupId, msPath: summary.msPath, flaggedFraction: summary.flaggedFraction, perAntenna: [...summary.perAntenna], perChannel: [...summary.perChannel], antennas: [...summary.antennas] },
      };
      return [flags, ...(await calibratorChoice(context, { raDeg: ms.payload.phaseCenterRaRad * DEG, decDeg: ms.payload.phaseCenterDecRad * DEG }))];
    } catch (error) {
      if (error instanceof StageError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      // A missing strategy file stays missing; anything else (I/O, memory) may pass.
      throw new StageError(message, (error as { code?: string }).code ?? 'flag-failed', !(error instanceof FlagStrategyError), { cause: error });
    }
  },
};

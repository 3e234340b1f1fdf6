/**
 * Stage 4b: on a calibrator group (one with a CalibratorSelected event), model the calibrator
 * (with the brightest catalog sources in the beam, when a catalog database exists), solve bandpass and gains, and register each accepted table (CaltableRegistered); a solve that
 * fails its checks or cannot run on this data is recorded as CalibrationRejected, never as a
 * table. Other groups pass through with no events. Tables go to `caltables/<groupId>/`, replacing
 * what an earlier attempt left there.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CATALOG_DB_FILE, CatalogDb } from '../catalogs/catalogDb.js';
import type { DomainEvent } from '../eventlog/event.js';
import { calibrate, type CatalogLookup, CalibrationError } from '../science/calibrate/index.js';
import { lastOfType, StageError, type StageDefinition } from './stage.js';

/** Errors that say the data cannot calibrate (a rejection), not that the attempt broke (a retry). */
const REJECTIONS = new Set(['no-calibrator', 'model-zero', 'solve-failed']);

/** Cone searches of every imported catalog, when there is a catalog database. */
function catalogLookup(catalogsDir: string): CatalogLookup | undefined {
  if (!existsSync(join(catalogsDir, CATALOG_DB_FILE))) return undefined;
  return (raDeg, decDeg, radiusDeg) => CatalogDb.read(catalogsDir, (db) => db.coneSearch(raDeg, decDeg, radiusDeg)) ?? [];
}

export const solveStage: StageDefinition = {
  stage: 'solve',
  async run(context) {
    const { groupId, history } = context;
    const selected = lastOfType(history, 'CalibratorSelected');
    if (selected === undefined) return [];
    const written = lastOfType(history, 'MsWritten');
    if (written === undefined) throw new StageError(`group ${groupId} has no MeasurementSet (no MsWritten event)`, 'no-ms', false);
    const msPath = written.payload.msPath;
    try {
      const outcome = await calibrate(msPath, {
        calibrator: selected.payload.calibrator,
        catalog: catalogLookup(context.paths.catalogs),
        solveDelay: context.config['calibrate.solveDelay'],
        outDir: join(context.paths.caltables, groupId),
        onProgress: (fraction, message) => context.progress(fraction, message),
      });
      if (!outcome.accepted) {
        context.logger.warn({ groupId, reason: outcome.rejection }, 'calibration rejected');
        return [{ type: 'CalibrationRejected', payload: { groupId, msPath, reason: outcome.rejection!, code: 'quality' } }];
      }
      return outcome.tables.map(
        (table): DomainEvent => ({
          type: 'CaltableRegistered',
          payload: {
            groupId,
            caltableId: basename(table.path),
            kind: table.kind,
            path: table.path,
            validFromMjd: outcome.validFromMjd,
            validToMjd: outcome.validToMjd,
            refAntenna: outcome.refAntenna,
            medianSnr: table.medianSnr,
            flaggedFraction: table.flaggedFraction,
            phaseRmsDeg: table.phaseRmsDeg,
            antennasSolved: table.antennasSolved,
            artifacts: table.artifacts,
          },
        }),
      );
    } catch (error) {
      if (error instanceof CalibrationError && REJECTIONS.has(error.code)) {
        return [{ type: 'CalibrationRejected', payload: { groupId, msPath, reason: error.message, code: error.code } }];
      }
      const message = error instanceof Error ? error.message : String(error);
      throw new StageError(message, (error as { code?: string }).code ?? 'solve-failed', true, { cause: error });
    }
  },
};

/**
 * Stage 8, forced photometry: every source of the configured catalogs (`photometry.catalogs`,
 * at least `photometry.minFluxJy`) in the field of the group's latest image is measured on the
 * primary-beam-corrected image at its catalog position. The measurements become one
 * PhotometryMeasured event, from which the photometry projection builds the light curves and
 * variability. An image graded bad by image QA is not measured, and without a catalog database
 * the stage says so and records nothing.
 */
import { join } from 'node:path';
import { CATALOG_DB_FILE, CatalogDb } from '../catalogs/catalogDb.js';
import { forcedPhotometry, loadPhotometryImage, type PhotometryTarget } from '../science/photometry/index.js';
import { stageErrorOf } from './image.js';
import { lastOfType, StageError, type StageDefinition } from './stage.js';

/** The catalog sources in a cone, as photometry targets (`catalog:name`); undefined without a catalog database. */
function catalogTargets(catalogsDir: string, field: { raDeg: number; decDeg: number; radiusDeg: number }, catalogs: readonly string[], minFluxJy: number): PhotometryTarget[] | undefined {
  return CatalogDb.read(catalogsDir, (db) =>
    db.coneSearch(field.raDeg, field.decDeg, field.radiusDeg, { catalogs, minFluxJy }).map((s) => ({ sourceId: `${s.catalog}:${s.name}`, raDeg: s.raDeg, decDeg: s.decDeg })),
  );
}

export const photometryStage: StageDefinition = {
  stage: 'photometry',
  async run(context) {
    const { groupId, config, logger, paths } = context;
    const image = lastOfType(context.history, 'ImageWritten');
    const ms = lastOfType(context.history, 'MsWritten');
    if (!image || !ms) throw new StageError(`group ${groupId} has no image to measure (no ImageWritten or MsWritten event)`, 'missing-image', false);
    const imagePath = image.payload.products['pbcor'] ?? image.payload.products['image'];
    if (!imagePath) throw new StageError(`image ${image.payload.imageId} lists no 'pbcor' or 'image' product`, 'missing-image', false);
    const qa = lastOfType(context.history, 'ImageQaMeasured');
    if (qa?.payload.imageId === image.payload.imageId && qa.payload.grade === 'bad') {
      // a bad image (low dynamic range, noise far above thermal) would put false variability into the light curves
      logger.warn({ groupId, issues: qa.payload.issues }, `image ${image.payload.imageId} is graded bad: no forced photometry`);
      return [];
    }
    const catalogs = config['photometry.catalogs'].split(',');
    try {
      const loaded = await loadPhotometryImage(imagePath);
      const targets = catalogTargets(paths.catalogs, loaded.field, catalogs, config['photometry.minFluxJy']);
      if (targets === undefined) {
        logger.warn({ groupId }, `no catalog database at ${join(paths.catalogs, CATALOG_DB_FILE)}: forced photometry skipped (import one with \`contimg catalog import\`)`);
        return [];
      }
      if (targets.length === 0) logger.warn({ groupId, catalogs }, `no source of catalog(s) ${catalogs.join(', ')} in the field of ${imagePath}: is the catalog imported?`);
      const { measured, skipped } = await forcedPhotometry(loaded, targets);
      return [
        {
          type: 'PhotometryMeasured',
          payload: {
            groupId,
            imageId: image.payload.imageId,
            imagePath,
            mjd: ms.payload.midMjd,
            catalogs,
            skipped,
            measurements: measured.map((m) => ({
              sourceId: m.target.sourceId,
              raDeg: m.target.raDeg,
              decDeg: m.target.decDeg,
              fluxJy: m.fluxJy,
              errorJy: m.errorJy,
              peakJy: m.peakJy,
              rmsJy: m.rmsJy,
              method: m.method,
            })),
          },
        },
      ];
    } catch (error) {
      throw stageErrorOf(error, 'photometry-failed');
    }
  },
};

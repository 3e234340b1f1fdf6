/**
 * Stage 7, source finding and cross-match: finds the sources of the group's latest image (the
 * primary-beam-corrected one when there is one, so fluxes compare with catalogs), records them
 * (SourcesFound), and matches them against each imported catalog (CrossMatchCompleted with
 * offsets, flux scale, completeness and issues). Without a catalog database, or with no catalog
 * in it, the stage records why (CrossMatchSkipped) and succeeds.
 */
import { join } from 'node:path';
import { CATALOG_DB_FILE, CatalogDb, type ConeMatch } from '../catalogs/catalogDb.js';
import type { Config } from '../config/config.js';
import type { DomainEvent } from '../eventlog/event.js';
import { crossMatch, findSources, imageCone, rmsAt, SourceFinderError, type CrossMatchThresholds, type SourceFinderOptions, type SourceFinding } from '../science/sources/index.js';
import { stageErrorOf } from './image.js';
import { lastOfType, StageError, type StageDefinition } from './stage.js';

export function sourceFinderOptions(config: Config): Required<Pick<SourceFinderOptions, 'seedSigma' | 'floodSigma'>> {
  return { seedSigma: config['sources.seedSigma'], floodSigma: Math.min(config['sources.floodSigma'], config['sources.seedSigma']) };
}

export function crossMatchThresholds(config: Config): CrossMatchThresholds {
  return {
    radiusArcsec: config['crossmatch.radiusArcsec'],
    maxFluxRatioOffset: config['crossmatch.maxFluxRatioOffset'],
    maxAstrometricRmsArcsec: config['crossmatch.maxAstrometricRmsArcsec'],
    maxSystematicArcsec: config['crossmatch.maxSystematicArcsec'],
    minCompleteness: config['crossmatch.minCompleteness'],
    completenessSigma: config['crossmatch.completenessSigma'],
    minMatches: config['crossmatch.minMatches'],
  };
}

type CatalogField = { readonly catalog: string; readonly sources: readonly ConeMatch[] } | { readonly skipped: string };

/** Each wanted catalog's sources in the image's cone, or why there are none to match. */
function catalogFields(catalogsDir: string, cone: { raDeg: number; decDeg: number; radiusDeg: number }, wanted: readonly string[]): CatalogField[] {
  const path = join(catalogsDir, CATALOG_DB_FILE);
  const fields = CatalogDb.read(catalogsDir, (db): CatalogField[] => {
    const imported = db.catalogs();
    const catalogs = wanted.length > 0 ? wanted : imported;
    if (catalogs.length === 0) return [{ skipped: `the catalog database ${path} holds no catalog: import one with \`contimg catalog import\`` }];
    return catalogs.map((catalog) =>
      imported.includes(catalog) ? { catalog, sources: db.coneSearch(cone.raDeg, cone.decDeg, cone.radiusDeg, { catalogs: [catalog] }) } : { skipped: `catalog ${catalog} (crossmatch.catalogs) is not imported in ${path}` },
    );
  });
  return fields ?? [{ skipped: `no catalog database at ${path}: import one with \`contimg catalog import\`` }];
}

async function crossMatchEvents(finding: SourceFinding, field: CatalogField, ids: { groupId: string; imageId: string }, thresholds: CrossMatchThresholds): Promise<DomainEvent> {
  if ('skipped' in field) return { type: 'CrossMatchSkipped', payload: { ...ids, reason: field.skipped } };
  const rms = await rmsAt(finding, field.sources);
  const inField = field.sources.flatMap((s, i) => (Number.isFinite(rms[i]) ? [{ name: s.name, raDeg: s.raDeg, decDeg: s.decDeg, fluxJy: s.fluxJy, localRmsJy: rms[i]! }] : []));
  const result = crossMatch(finding.sources, inField, thresholds);
  return {
    type: 'CrossMatchCompleted',
    payload: {
      ...ids,
      imagePath: finding.image,
      catalog: field.catalog,
      radiusArcsec: result.radiusArcsec,
      detected: finding.sources.length,
      candidates: result.candidates,
      matched: result.matches.length,
      expected: result.expected,
      recovered: result.recovered,
      ...(result.completeness !== undefined && { completeness: result.completeness }),
      ...(result.raOffsetArcsec && { raOffsetArcsec: result.raOffsetArcsec }),
      ...(result.decOffsetArcsec && { decOffsetArcsec: result.decOffsetArcsec }),
      ...(result.rmsOffsetArcsec !== undefined && { rmsOffsetArcsec: result.rmsOffsetArcsec }),
      ...(result.fluxRatio && { fluxRatio: result.fluxRatio }),
      issues: [...result.issues],
      matches: [...result.matches],
    },
  };
}

export const crossmatchStage: StageDefinition = {
  stage: 'crossmatch',
  async run(context) {
    const { groupId, config, logger, paths } = context;
    const image = lastOfType(context.history, 'ImageWritten');
    if (!image) throw new StageError(`group ${groupId} has no image to search (no ImageWritten event)`, 'missing-image', false);
    const imagePath = image.payload.products['pbcor'] ?? image.payload.products['image'];
    if (!imagePath) throw new StageError(`image ${image.payload.imageId} lists no 'pbcor' or 'image' product`, 'missing-image', false);
    const ids = { groupId, imageId: image.payload.imageId };
    try {
      const options = sourceFinderOptions(config);
      const finding = await findSources(imagePath, options);
      context.progress(0.8, `${finding.sources.length} sources found`);
      const wanted = config['crossmatch.catalogs'].split(',').filter((c) => c !== '');
      const fields = catalogFields(paths.catalogs, await imageCone(finding), wanted);
      const matched = await Promise.all(fields.map((field) => crossMatchEvents(finding, field, ids, crossMatchThresholds(config))));
      for (const event of matched) if (event.type === 'CrossMatchSkipped') logger.warn({ groupId }, `cross-match skipped: ${event.payload.reason}`);
      const found: DomainEvent = {
        type: 'SourcesFound',
        payload: { ...ids, imagePath, seedSigma: options.seedSigma, floodSigma: options.floodSigma, islands: finding.islands, sources: [...finding.sources] },
      };
      return [found, ...matched];
    } catch (error) {
      if (error instanceof SourceFinderError) throw new StageError(error.message, error.code, false, { cause: error });
      throw stageErrorOf(error, 'crossmatch-failed');
    }
  },
};

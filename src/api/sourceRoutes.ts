import type { Static } from '@sinclair/typebox';
import type Database from 'better-sqlite3';
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { lightCurveOf, listSources, sourceVariability, variabilityCandidates, variabilityThresholds, type Cone } from '../projections/photometry.js';
import type { ApiDeps } from './deps.js';
import { ApiError } from './errors.js';
import { cacheReplies } from './replyCache.js';
import {
  CandidateList,
  CandidatesQuery,
  errorReplies,
  ImageParams,
  ImageSources,
  LightCurve,
  MosaicList,
  MosaicsQuery,
  SourceEntry,
  SourcePage,
  SourceParams,
  SourcesQuery,
} from './schemas.js';

/** The cone of the query, or none; a partial cone is a mistake worth naming. */
function coneOf(ra?: number, dec?: number, radius?: number): Cone | undefined {
  const given = [ra, dec, radius].filter((v) => v !== undefined).length;
  if (given === 0) return undefined;
  if (ra === undefined || dec === undefined || radius === undefined) throw new ApiError(400, 'INVALID_REQUEST', 'a cone search needs all of ra, dec and radius (degrees)');
  return { raDeg: ra, decDeg: dec, radiusDeg: radius };
}

interface DetectedRow {
  source: number;
  raDeg: number;
  decDeg: number;
  peakJy: number;
  intFluxJy: number;
  intFluxErrJy: number;
  snr: number;
}
interface MatchRow {
  source: number;
  catalog: string;
  catalogName: string;
  separationArcsec: number;
  fluxRatio: number;
}
type CrossmatchRow = Omit<Static<typeof ImageSources>['crossmatch'][number], 'issues'> & { issues: string };

/** An image's detected sources with their catalog counterparts, and its cross-match per catalog; undefined when it has neither. */
function imageSources(db: Database.Database, imageId: string): Static<typeof ImageSources> | undefined {
  const detected = db
    .prepare<[string], DetectedRow>(
      `SELECT source, ra_deg AS raDeg, dec_deg AS decDeg, peak_jy AS peakJy, int_flux_jy AS intFluxJy, int_flux_err_jy AS intFluxErrJy, snr
       FROM detected_sources WHERE image_id = ? ORDER BY int_flux_jy DESC, source`,
    )
    .all(imageId);
  const matches = db
    .prepare<[string], MatchRow>(
      `SELECT source, catalog, catalog_name AS catalogName, separation_arcsec AS separationArcsec, flux_ratio AS fluxRatio
       FROM crossmatch_matches WHERE image_id = ? ORDER BY catalog`,
    )
    .all(imageId);
  const results = db
    .prepare<[string], CrossmatchRow>(
      `SELECT catalog, skipped_reason AS skippedReason, matched, detected, completeness, rms_offset_arcsec AS rmsOffsetArcsec, flux_ratio_median AS fluxRatioMedian, issues
       FROM crossmatch_results WHERE image_id = ? ORDER BY catalog`,
    )
    .all(imageId);
  if (detected.length === 0 && results.length === 0) return undefined;
  const matchesOf = new Map<number, Omit<MatchRow, 'source'>[]>();
  for (const { source, ...match } of matches) matchesOf.set(source, [...(matchesOf.get(source) ?? []), match]);
  return {
    imageId,
    sources: detected.map((d) => ({ ...d, matches: matchesOf.get(d.source) ?? [] })),
    crossmatch: results.map((r) => ({ ...r, issues: JSON.parse(r.issues) as string[] })),
  };
}

interface MosaicRow extends Omit<Static<typeof MosaicList>['mosaics'][number], 'tiles' | 'products'> {
  tiles: string;
  products: string;
}

function listMosaics(db: Database.Database, { strip, offset, limit }: Static<typeof MosaicsQuery>): Static<typeof MosaicList> {
  const where = 'WHERE @strip IS NULL OR strip = @strip';
  const params = { strip: strip ?? null, offset, limit };
  const rows = db
    .prepare<[typeof params], MosaicRow>(
      `SELECT mosaic_id AS mosaicId, strip, window_index AS windowIndex, tiles, products, width_px AS widthPx, height_px AS heightPx, cell_arcsec AS cellArcsec,
         center_ra_deg AS centerRaDeg, center_dec_deg AS centerDecDeg, rms_jy AS rmsJy, peak_jy AS peakJy, coverage, area_deg2 AS areaDeg2, written_at AS writtenAt
       FROM mosaics ${where} ORDER BY seq DESC LIMIT @limit OFFSET @offset`,
    )
    .all(params);
  const total = db.prepare<[{ strip: string | null }], number>(`SELECT count(*) FROM mosaics ${where}`).pluck().get({ strip: params.strip }) ?? 0;
  return { mosaics: rows.map((r) => ({ ...r, tiles: JSON.parse(r.tiles) as { imageId: string; groupId: string }[], products: JSON.parse(r.products) as Record<string, string> })), total };
}

/**
 * Sources measured by forced photometry, their light curves and variability, the variability
 * candidates, each image's detected sources and cross-match, and the mosaics. The variability
 * flags follow the configured thresholds at query time (the read model filters on them in SQL).
 */
export const sourceRoutes: FastifyPluginCallbackTypebox<ApiDeps> = (app, { readModels, config }, done) => {
  const thresholds = variabilityThresholds(config);
  const db = readModels.db;
  cacheReplies(app, readModels, config['api.replyCacheMs']);

  app.get('/sources', { schema: { querystring: SourcesQuery, response: { 200: SourcePage, 400: errorReplies[400] } } }, (request) => {
    const { ra, dec, radius, ...query } = request.query;
    const cone = coneOf(ra, dec, radius);
    return listSources(db, thresholds, { ...query, ...(cone && { cone }) });
  });

  app.get('/sources/:id', { schema: { params: SourceParams, response: { 200: SourceEntry, 400: errorReplies[400], 404: errorReplies[404] } } }, (request) => {
    const [source] = sourceVariability(db, thresholds, request.params.id);
    if (!source) throw new ApiError(404, 'SOURCE_NOT_FOUND', `no photometry of source ${request.params.id}`);
    return source;
  });

  app.get('/sources/:id/lightcurve', { schema: { params: SourceParams, response: { 200: LightCurve, 400: errorReplies[400], 404: errorReplies[404] } } }, (request) => {
    const points = lightCurveOf(db, request.params.id);
    if (points.length === 0) throw new ApiError(404, 'SOURCE_NOT_FOUND', `no photometry of source ${request.params.id}`);
    return { sourceId: request.params.id, points };
  });

  app.get('/variability/candidates', { schema: { querystring: CandidatesQuery, response: { 200: CandidateList, 400: errorReplies[400] } } }, (request) => {
    const { kind, limit } = request.query;
    return { candidates: variabilityCandidates(db, thresholds, kind, limit) };
  });

  app.get('/images/:id/sources', { schema: { params: ImageParams, response: { 200: ImageSources, 400: errorReplies[400], 404: errorReplies[404] } } }, (request) => {
    const found = imageSources(db, request.params.id);
    if (!found) throw new ApiError(404, 'NO_SOURCES', `no source finding or cross-match recorded for image ${request.params.id}`);
    return found;
  });

  app.get('/mosaics', { schema: { querystring: MosaicsQuery, response: { 200: MosaicList, 400: errorReplies[400] } } }, (request) => listMosaics(db, request.query));
  done();
};

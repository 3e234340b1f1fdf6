/**
 * Detected sources and cross-match results, folded from SourcesFound, CrossMatchCompleted and
 * CrossMatchSkipped:
 * - `detected_sources`: every fitted Gaussian of every image (position, fluxes, shape, errors);
 * - `crossmatch_results`: per image and catalog, the offsets, flux scale, completeness and
 *   issues, or (catalog '') why the image was not cross-matched;
 * - `crossmatch_matches`: each detected source's catalog counterpart.
 * The stage records SourcesFound before an image's cross-match events, so a SourcesFound for an
 * image (a reprocessed group) clears that image's earlier rows.
 */
import type { PayloadOf } from '../eventlog/schema.js';
import { eachEvent, type Projection } from './projection.js';

type Completed = PayloadOf<'CrossMatchCompleted'>;

export const sources: Projection = {
  name: 'sources',
  version: 1,
  tables: [
    { name: 'detected_sources', orderBy: 'image_id, source' },
    { name: 'crossmatch_results', orderBy: 'image_id, catalog' },
    { name: 'crossmatch_matches', orderBy: 'image_id, catalog, source' },
  ],
  eventTypes: ['SourcesFound', 'CrossMatchCompleted', 'CrossMatchSkipped'],
  ddl: `CREATE TABLE IF NOT EXISTS detected_sources (
    image_id TEXT NOT NULL,
    source INTEGER NOT NULL,
    group_id TEXT NOT NULL,
    ra_deg REAL NOT NULL, dec_deg REAL NOT NULL, ra_err_arcsec REAL NOT NULL, dec_err_arcsec REAL NOT NULL,
    peak_jy REAL NOT NULL, peak_err_jy REAL NOT NULL, int_flux_jy REAL NOT NULL, int_flux_err_jy REAL NOT NULL,
    major_arcsec REAL NOT NULL, minor_arcsec REAL NOT NULL, pa_deg REAL NOT NULL,
    major_err_arcsec REAL NOT NULL, minor_err_arcsec REAL NOT NULL, pa_err_deg REAL NOT NULL,
    x REAL NOT NULL, y REAL NOT NULL, local_rms_jy REAL NOT NULL, snr REAL NOT NULL,
    island INTEGER NOT NULL, fitted INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (image_id, source)
  ) STRICT;
  CREATE INDEX IF NOT EXISTS detected_sources_by_group ON detected_sources (group_id);
  CREATE INDEX IF NOT EXISTS detected_sources_by_dec ON detected_sources (dec_deg);
  CREATE TABLE IF NOT EXISTS crossmatch_results (
    image_id TEXT NOT NULL,
    catalog TEXT NOT NULL,
    group_id TEXT NOT NULL,
    skipped_reason TEXT,
    radius_arcsec REAL, detected INTEGER, candidates INTEGER, matched INTEGER, expected INTEGER, recovered INTEGER,
    completeness REAL,
    ra_offset_median_arcsec REAL, ra_offset_mad_arcsec REAL, dec_offset_median_arcsec REAL, dec_offset_mad_arcsec REAL,
    rms_offset_arcsec REAL, flux_ratio_median REAL, flux_ratio_mad REAL,
    issues TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (image_id, catalog)
  ) STRICT;
  CREATE INDEX IF NOT EXISTS crossmatch_results_by_group ON crossmatch_results (group_id);
  CREATE TABLE IF NOT EXISTS crossmatch_matches (
    image_id TEXT NOT NULL,
    catalog TEXT NOT NULL,
    source INTEGER NOT NULL,
    catalog_name TEXT NOT NULL,
    separation_arcsec REAL NOT NULL, dra_arcsec REAL NOT NULL, ddec_arcsec REAL NOT NULL,
    detected_flux_jy REAL NOT NULL, catalog_flux_jy REAL NOT NULL, flux_ratio REAL NOT NULL,
    PRIMARY KEY (image_id, catalog, source)
  ) STRICT`,
  bind(db) {
    const clear = ['detected_sources', 'crossmatch_results', 'crossmatch_matches'].map((table) => db.prepare(`DELETE FROM ${table} WHERE image_id = ?`));
    const insertSource = db.prepare(
      `INSERT INTO detected_sources VALUES (@imageId, @source, @groupId, @raDeg, @decDeg, @raErrArcsec, @decErrArcsec, @peakJy, @peakErrJy, @intFluxJy, @intFluxErrJy,
        @majorArcsec, @minorArcsec, @paDeg, @majorErrArcsec, @minorErrArcsec, @paErrDeg, @x, @y, @localRmsJy, @snr, @island, @fitted, @seq)`,
    );
    const upsertResult = db.prepare(
      `INSERT OR REPLACE INTO crossmatch_results VALUES (@imageId, @catalog, @groupId, @skippedReason, @radiusArcsec, @detected, @candidates, @matched, @expected, @recovered,
        @completeness, @raMedian, @raMad, @decMedian, @decMad, @rmsOffset, @fluxMedian, @fluxMad, @issues, @seq)`,
    );
    const clearMatches = db.prepare('DELETE FROM crossmatch_matches WHERE image_id = ? AND catalog = ?');
    const insertMatch = db.prepare(
      'INSERT INTO crossmatch_matches VALUES (@imageId, @catalog, @source, @catalogName, @separationArcsec, @dRaArcsec, @dDecArcsec, @detectedFluxJy, @catalogFluxJy, @fluxRatio)',
    );
    const emptyResult = { radiusArcsec: null, detected: null, candidates: null, matched: null, expected: null, recovered: null, completeness: null, raMedian: null, raMad: null, decMedian: null, decMad: null, rmsOffset: null, fluxMedian: null, fluxMad: null };
    const resultOf = (p: Completed) => ({
      radiusArcsec: p.radiusArcsec,
      detected: p.detected,
      candidates: p.candidates,
      matched: p.matched,
      expected: p.expected,
      recovered: p.recovered,
      completeness: p.completeness ?? null,
      raMedian: p.raOffsetArcsec?.median ?? null,
      raMad: p.raOffsetArcsec?.mad ?? null,
      decMedian: p.decOffsetArcsec?.median ?? null,
      decMad: p.decOffsetArcsec?.mad ?? null,
      rmsOffset: p.rmsOffsetArcsec ?? null,
      fluxMedian: p.fluxRatio?.median ?? null,
      fluxMad: p.fluxRatio?.mad ?? null,
    });
    return eachEvent((event) => {
      switch (event.type) {
        case 'SourcesFound': {
          const p = event.payload;
          for (const statement of clear) statement.run(p.imageId);
          p.sources.forEach((s, source) => insertSource.run({ ...s, fitted: s.fitted ? 1 : 0, imageId: p.imageId, groupId: p.groupId, source, seq: event.seq }));
          break;
        }
        case 'CrossMatchCompleted': {
          const p = event.payload;
          upsertResult.run({ imageId: p.imageId, catalog: p.catalog, groupId: p.groupId, skippedReason: null, ...resultOf(p), issues: JSON.stringify(p.issues), seq: event.seq });
          clearMatches.run(p.imageId, p.catalog);
          for (const m of p.matches) insertMatch.run({ ...m, imageId: p.imageId, catalog: p.catalog });
          break;
        }
        case 'CrossMatchSkipped': {
          const p = event.payload;
          upsertResult.run({ imageId: p.imageId, catalog: '', groupId: p.groupId, skippedReason: p.reason, ...emptyResult, issues: JSON.stringify([p.reason]), seq: event.seq });
          break;
        }
        default:
          break;
      }
    });
  },
};

/**
 * Forced photometry as light curves, and each source's variability, folded from
 * PhotometryMeasured events so a replay rebuilds them:
 * - `photometry`: one row per source per group (epoch), raw and ensemble-normalised flux; a
 *   reprocessed group's newer measurements replace the older ones;
 * - `source_variability`: per source, its epochs and (from 3 epochs on) η, V, Vs, m, χ² and the
 *   σ-deviation of its normalised light curve. The `variable` and `ese_candidate` flags are not
 *   stored: they follow from configurable thresholds at query time (`sourceVariability`), so a
 *   threshold change needs no replay.
 * Normalisation (src/science/photometry/ensemble.ts): in each image, references are sources
 * measured at S/N ≥ 50 whose baseline (median of their first 10 epochs, at least 3) scatters by
 * at most 10 %; each target's correction uses the nearest 20 within 1.5°. When a reference's
 * baseline moves (a new or reprocessed epoch among its first 10), the groups of its first epochs
 * are normalised again, so early epochs end up corrected against the settled baselines. A
 * measurement without 3 references in reach keeps its raw flux (correction NULL).
 */
import type Database from 'better-sqlite3';
import type { Config } from '../config/config.js';
import { baselineOf, ensembleCorrector, normalise, type ReferenceRatio } from '../science/photometry/ensemble.js';
import { angularSeparationDeg, raRangesOfCone } from '../science/catalogs/skyGeometry.js';
import { variabilityStats, type VariabilityThresholds } from '../science/variability/statistics.js';
import { listReader, type Params } from './paging.js';
import { eachEvent, type Projection } from './projection.js';

const REFERENCE_MIN_SNR = 50;
const BASELINE_EPOCHS = 10;
const REFERENCE_MAX_SCATTER = 0.1;

interface GroupRow {
  readonly sourceId: string;
  readonly raDeg: number;
  readonly decDeg: number;
  readonly fluxJy: number;
  readonly errorJy: number;
}

export const photometry: Projection = {
  name: 'photometry',
  version: 1,
  tables: [
    { name: 'photometry', orderBy: 'source_id, group_id' },
    { name: 'source_variability', orderBy: 'source_id' },
  ],
  eventTypes: ['PhotometryMeasured'],
  ddl: `CREATE TABLE IF NOT EXISTS photometry (
    source_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    image_id TEXT NOT NULL,
    mjd REAL NOT NULL,
    ra_deg REAL NOT NULL,
    dec_deg REAL NOT NULL,
    flux_jy REAL NOT NULL,
    error_jy REAL NOT NULL,
    peak_jy REAL NOT NULL,
    rms_jy REAL NOT NULL,
    method TEXT NOT NULL,
    correction REAL,
    correction_error REAL,
    reference_count INTEGER NOT NULL,
    normalized_flux_jy REAL NOT NULL,
    normalized_error_jy REAL NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (source_id, group_id)
  ) STRICT;
  CREATE INDEX IF NOT EXISTS photometry_by_source_mjd ON photometry (source_id, mjd);
  CREATE INDEX IF NOT EXISTS photometry_by_group ON photometry (group_id);
  CREATE TABLE IF NOT EXISTS source_variability (
    source_id TEXT PRIMARY KEY,
    ra_deg REAL NOT NULL,
    dec_deg REAL NOT NULL,
    epochs INTEGER NOT NULL,
    first_mjd REAL NOT NULL,
    last_mjd REAL NOT NULL,
    mean_flux_jy REAL,
    weighted_mean_flux_jy REAL,
    std_flux_jy REAL,
    min_flux_jy REAL,
    max_flux_jy REAL,
    eta REAL,
    v REAL,
    vs REAL,
    m REAL,
    chi2 REAL,
    sigma_deviation REAL,
    seq INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS source_variability_by_eta ON source_variability (eta);
  CREATE INDEX IF NOT EXISTS source_variability_by_v ON source_variability (v, source_id);
  CREATE INDEX IF NOT EXISTS source_variability_by_flux ON source_variability (weighted_mean_flux_jy, source_id);
  CREATE INDEX IF NOT EXISTS source_variability_by_epochs ON source_variability (epochs, source_id);
  CREATE INDEX IF NOT EXISTS source_variability_by_dec ON source_variability (dec_deg);
  CREATE INDEX IF NOT EXISTS source_variability_by_ra ON source_variability (ra_deg)`,
  bind(db) {
    const removeGroup = db.prepare<[string], string>('DELETE FROM photometry WHERE group_id = ? RETURNING source_id').pluck();
    const insert = db.prepare(
      `INSERT INTO photometry VALUES (@sourceId, @groupId, @imageId, @mjd, @raDeg, @decDeg, @fluxJy, @errorJy, @peakJy, @rmsJy, @method,
         NULL, NULL, 0, @fluxJy, @errorJy, @seq)`,
    );
    const firstEpochs = db.prepare<[string, number], { groupId: string; fluxJy: number }>(
      'SELECT group_id AS groupId, flux_jy AS fluxJy FROM photometry WHERE source_id = ? ORDER BY mjd, group_id LIMIT ?',
    );
    const groupRows = db.prepare<[string], GroupRow>('SELECT source_id AS sourceId, ra_deg AS raDeg, dec_deg AS decDeg, flux_jy AS fluxJy, error_jy AS errorJy FROM photometry WHERE group_id = ?');
    const normalised = db.prepare(
      `UPDATE photometry SET correction = @factor, correction_error = @error, reference_count = @references, normalized_flux_jy = @fluxJy, normalized_error_jy = @errorJy
       WHERE source_id = @sourceId AND group_id = @groupId`,
    );
    const lightCurve = db.prepare<[string], { fluxJy: number; errorJy: number; raDeg: number; decDeg: number; mjd: number }>(
      `SELECT normalized_flux_jy AS fluxJy, normalized_error_jy AS errorJy, ra_deg AS raDeg, dec_deg AS decDeg, mjd FROM photometry WHERE source_id = ? ORDER BY mjd, group_id`,
    );
    const upsertStats = db.prepare(
      `INSERT OR REPLACE INTO source_variability VALUES (@sourceId, @raDeg, @decDeg, @epochs, @firstMjd, @lastMjd, @meanJy, @weightedMeanJy, @stdJy, @minJy, @maxJy,
         @eta, @v, @vs, @m, @chi2, @sigmaDeviation, @seq)`,
    );
    const removeStats = db.prepare('DELETE FROM source_variability WHERE source_id = ?');

    /** The reference's baseline when it is bright enough in this image and steady enough so far. */
    const baselineFor = (row: GroupRow) => {
      if (row.fluxJy / row.errorJy < REFERENCE_MIN_SNR) return undefined;
      const baseline = baselineOf(firstEpochs.all(row.sourceId, BASELINE_EPOCHS).map((e) => e.fluxJy));
      return baseline && baseline.scatter <= REFERENCE_MAX_SCATTER ? baseline : undefined;
    };

    /** (Re)normalises every measurement of a group against its references' current baselines; returns its sources. */
    const normaliseGroup = (groupId: string): string[] => {
      const rows = groupRows.all(groupId);
      const references: ReferenceRatio[] = rows.flatMap((row) => {
        const baseline = baselineFor(row);
        return baseline ? [{ sourceId: row.sourceId, raDeg: row.raDeg, decDeg: row.decDeg, ratio: row.fluxJy / baseline.fluxJy }] : [];
      });
      const correctionFor = ensembleCorrector(references);
      for (const row of rows) {
        const correction = correctionFor(row);
        const values = correction ? { ...correction, ...normalise(row.fluxJy, row.errorJy, correction) } : { factor: null, error: null, references: 0, fluxJy: row.fluxJy, errorJy: row.errorJy };
        normalised.run({ ...values, sourceId: row.sourceId, groupId });
      }
      return rows.map((row) => row.sourceId);
    };

    /**
     * The groups to normalise after `groupId` changed: itself, and every group among the first
     * epochs of a source whose baseline may have moved: one measured in it among its first
     * epochs, or one it no longer holds (reprocessed without it).
     */
    const groupsToNormalise = (groupId: string, measured: Iterable<string>, gone: readonly string[]): Set<string> => {
      const groups = new Set([groupId]);
      for (const sourceId of measured) {
        const first = firstEpochs.all(sourceId, BASELINE_EPOCHS).map((e) => e.groupId);
        if (first.includes(groupId)) for (const g of first) groups.add(g);
      }
      for (const sourceId of gone) for (const e of firstEpochs.all(sourceId, BASELINE_EPOCHS)) groups.add(e.groupId);
      return groups;
    };

    const refreshStats = (sourceId: string, seq: number) => {
      const points = lightCurve.all(sourceId);
      const last = points.at(-1);
      if (!last) {
        removeStats.run(sourceId);
        return;
      }
      const stats = variabilityStats(points);
      const empty = { meanJy: null, weightedMeanJy: null, stdJy: null, minJy: null, maxJy: null, eta: null, v: null, vs: null, m: null, chi2: null, sigmaDeviation: null };
      upsertStats.run({ ...empty, ...stats, sourceId, raDeg: last.raDeg, decDeg: last.decDeg, epochs: points.length, firstMjd: points[0]!.mjd, lastMjd: last.mjd, seq });
    };

    return eachEvent((event) => {
      if (event.type !== 'PhotometryMeasured') return;
      const { groupId, imageId, mjd, measurements } = event.payload;
      const removed = removeGroup.all(groupId);
      for (const m of measurements) insert.run({ ...m, groupId, imageId, mjd, seq: event.seq });
      const measured = new Set(measurements.map((m) => m.sourceId));
      const gone = removed.filter((sourceId) => !measured.has(sourceId));
      const affected = new Set(gone);
      for (const group of groupsToNormalise(groupId, measured, gone)) for (const sourceId of normaliseGroup(group)) affected.add(sourceId);
      for (const sourceId of affected) refreshStats(sourceId, event.seq);
    });
  },
};

export interface LightCurvePoint {
  readonly groupId: string;
  readonly imageId: string;
  readonly mjd: number;
  readonly fluxJy: number;
  readonly errorJy: number;
  readonly peakJy: number;
  readonly rmsJy: number;
  readonly method: string;
  /** null before any reference had a baseline (then the normalised flux is the raw one). */
  readonly correction: number | null;
  readonly referenceCount: number;
  readonly normalizedFluxJy: number;
  readonly normalizedErrorJy: number;
}

const LIGHT_CURVE = `SELECT group_id AS groupId, image_id AS imageId, mjd, flux_jy AS fluxJy, error_jy AS errorJy, peak_jy AS peakJy, rms_jy AS rmsJy, method,
    correction, reference_count AS referenceCount, normalized_flux_jy AS normalizedFluxJy, normalized_error_jy AS normalizedErrorJy
  FROM photometry WHERE source_id = @sourceId ORDER BY mjd, group_id`;

/** A source's light curve, oldest first. */
export function lightCurveOf(db: Database.Database, sourceId: string): LightCurvePoint[] {
  return listReader(db).statement(LIGHT_CURVE).all({ sourceId }) as LightCurvePoint[];
}

export interface SourceVariability {
  readonly sourceId: string;
  readonly raDeg: number;
  readonly decDeg: number;
  readonly epochs: number;
  readonly firstMjd: number;
  readonly lastMjd: number;
  /** The statistics: null with fewer than 3 epochs. */
  readonly meanFluxJy: number | null;
  readonly weightedMeanFluxJy: number | null;
  readonly stdFluxJy: number | null;
  readonly eta: number | null;
  readonly v: number | null;
  readonly vs: number | null;
  readonly m: number | null;
  readonly chi2: number | null;
  readonly sigmaDeviation: number | null;
  readonly variable: boolean;
  readonly eseCandidate: boolean;
}

type VariabilityRow = Omit<SourceVariability, 'variable' | 'eseCandidate'> & { variable: 0 | 1; eseCandidate: 0 | 1 };

/** `variabilityFlags` in SQL, over the thresholds' named parameters (NULL, i.e. false, without statistics). */
const VARIABLE = '(eta > @etaThreshold AND v > @vThreshold)';
const ESE_CANDIDATE = `(${VARIABLE} AND sigma_deviation > @eseSigma)`;
const VARIABILITY_COLUMNS = `source_id AS sourceId, ra_deg AS raDeg, dec_deg AS decDeg, epochs, first_mjd AS firstMjd, last_mjd AS lastMjd, mean_flux_jy AS meanFluxJy,
  weighted_mean_flux_jy AS weightedMeanFluxJy, std_flux_jy AS stdFluxJy, eta, v, vs, m, chi2, sigma_deviation AS sigmaDeviation,
  coalesce(${VARIABLE}, 0) AS variable, coalesce(${ESE_CANDIDATE}, 0) AS eseCandidate`;

/** Sortable columns of the source list: the API's names → SQL; all but id and epochs are NULL with fewer than 3 epochs. */
const SOURCE_SORTS = { id: 'source_id', eta: 'eta', v: 'v', flux: 'weighted_mean_flux_jy', epochs: 'epochs' } as const;
const NOT_NULL_SORTS: ReadonlySet<string> = new Set(['id', 'epochs']);

export interface Cone {
  readonly raDeg: number;
  readonly decDeg: number;
  readonly radiusDeg: number;
}

export interface SourceQuery {
  /** Sources within the great-circle radius of the centre, degrees. */
  readonly cone?: Cone;
  readonly minEpochs: number;
  /** true: only sources flagged variable (false or absent: no filter); the same for ese. */
  readonly variable?: boolean;
  readonly ese?: boolean;
  /** Sources without the statistic come last in either order. */
  readonly sort: keyof typeof SOURCE_SORTS;
  readonly order: 'asc' | 'desc';
  readonly offset: number;
  readonly limit: number;
}

const SEPARATION_FUNCTION = 'contimg_separation_deg';
const withSeparation = new WeakSet<Database.Database>();

/**
 * The cone as SQL conditions: the declination band and the RA extent of the small circle (each
 * with its index: the planner reads along the narrower, RA in a drift scan's declination strip),
 * then the exact great-circle test, the same as the catalog database's.
 */
function coneConditions(db: Database.Database, { raDeg, decDeg, radiusDeg }: Cone): { where: string[]; params: Params } {
  if (!withSeparation.has(db)) {
    db.function(SEPARATION_FUNCTION, { deterministic: true }, angularSeparationDeg);
    withSeparation.add(db);
  }
  const ranges = raRangesOfCone(raDeg, decDeg, radiusDeg);
  const params: Record<string, number> = { coneRa: raDeg, coneDec: decDeg, coneRadius: radiusDeg, decLow: decDeg - radiusDeg, decHigh: decDeg + radiusDeg };
  ranges.forEach(([low, high], i) => Object.assign(params, { [`raLow${i}`]: low, [`raHigh${i}`]: high }));
  return {
    where: [
      'dec_deg BETWEEN @decLow AND @decHigh',
      `(${ranges.map((_, i) => `ra_deg BETWEEN @raLow${i} AND @raHigh${i}`).join(' OR ')})`,
      `${SEPARATION_FUNCTION}(@coneRa, @coneDec, ra_deg, dec_deg) <= @coneRadius`,
    ],
    params,
  };
}

const thresholdParams = (t: VariabilityThresholds) => ({ etaThreshold: t.eta, vThreshold: t.v, eseSigma: t.eseSigma });
const toVariability = ({ variable, eseCandidate, ...row }: VariabilityRow): SourceVariability => ({ ...row, variable: variable === 1, eseCandidate: eseCandidate === 1 });
const variabilityList = (sortColumn: string, nullable: boolean, order: 'asc' | 'desc', where: readonly string[]) =>
  ({ projection: 'photometry', table: 'source_variability', columns: VARIABILITY_COLUMNS, where, sortColumn, nullable, tieBreak: 'source_id', order }) as const;

/** Sources filtered, sorted and paged in SQL, flagged with `thresholds`; with the number matching. */
export function listSources(db: Database.Database, thresholds: VariabilityThresholds, q: SourceQuery): { sources: SourceVariability[]; total: number } {
  const cone = q.cone && coneConditions(db, q.cone);
  const where = ['epochs >= @minEpochs', ...(q.variable === true ? [VARIABLE] : []), ...(q.ese === true ? [ESE_CANDIDATE] : []), ...(cone?.where ?? [])];
  const params = { ...thresholdParams(thresholds), minEpochs: q.minEpochs, ...cone?.params };
  const shape = variabilityList(SOURCE_SORTS[q.sort], !NOT_NULL_SORTS.has(q.sort), q.order, where);
  const { rows, total } = listReader(db).page<VariabilityRow>(shape, params, q.offset, q.limit);
  return { sources: rows.map(toVariability), total };
}

/** The flagged sources (`variable` also counts ESE candidates, which are variable too), largest η first. */
export function variabilityCandidates(db: Database.Database, thresholds: VariabilityThresholds, kind: 'any' | 'variable' | 'ese', limit: number): SourceVariability[] {
  const shape = variabilityList('eta', false, 'desc', [kind === 'ese' ? ESE_CANDIDATE : VARIABLE]);
  return listReader(db).page<VariabilityRow>(shape, thresholdParams(thresholds), 0, limit).rows.map(toVariability);
}

/** The thresholds of the `variable` and `ese_candidate` flags from the configuration. */
export function variabilityThresholds(config: Pick<Config, 'variability.etaThreshold' | 'variability.vThreshold' | 'variability.eseSigma'>): VariabilityThresholds {
  return { eta: config['variability.etaThreshold'], v: config['variability.vThreshold'], eseSigma: config['variability.eseSigma'] };
}

/** Every source's variability (or one source's), ordered by source id, flagged with `thresholds`. */
export function sourceVariability(db: Database.Database, thresholds: VariabilityThresholds, sourceId?: string): SourceVariability[] {
  const where = sourceId === undefined ? '' : 'WHERE source_id = @sourceId';
  const rows = listReader(db)
    .statement(`SELECT ${VARIABILITY_COLUMNS} FROM source_variability ${where} ORDER BY source_id`)
    .all({ ...thresholdParams(thresholds), ...(sourceId !== undefined && { sourceId }) }) as VariabilityRow[];
  return rows.map(toVariability);
}

/**
 * The hourly mosaics (`mosaics`): one row per mosaic id (declination strip and time window), with
 * its tiles, products and QA. A mosaic written again (a reprocessed tile) replaces its row.
 */
import type Database from 'better-sqlite3';
import { eachEvent, type Projection } from './projection.js';

export const mosaicCatalog: Projection = {
  name: 'mosaics',
  version: 1,
  tables: [{ name: 'mosaics', orderBy: 'mosaic_id' }],
  eventTypes: ['MosaicWritten'],
  ddl: `CREATE TABLE IF NOT EXISTS mosaics (
    mosaic_id TEXT PRIMARY KEY,
    strip TEXT NOT NULL,
    window_index INTEGER NOT NULL,
    group_id TEXT NOT NULL,
    tiles TEXT NOT NULL,
    products TEXT NOT NULL,
    width_px INTEGER NOT NULL,
    height_px INTEGER NOT NULL,
    cell_arcsec REAL NOT NULL,
    center_ra_deg REAL NOT NULL,
    center_dec_deg REAL NOT NULL,
    rms_jy REAL NOT NULL,
    peak_jy REAL NOT NULL,
    coverage REAL NOT NULL,
    area_deg2 REAL NOT NULL,
    written_at TEXT NOT NULL,
    seq INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS mosaics_by_strip ON mosaics (strip, window_index)`,
  bind(db) {
    const upsert = db.prepare(
      `INSERT OR REPLACE INTO mosaics VALUES (@mosaicId, @strip, @windowIndex, @groupId, @tiles, @products, @widthPx, @heightPx, @cellArcsec,
         @centerRaDeg, @centerDecDeg, @rmsJy, @peakJy, @coverage, @areaDeg2, @time, @seq)`,
    );
    return eachEvent((event) => {
      if (event.type !== 'MosaicWritten') return;
      const { tiles, products, ...p } = event.payload;
      upsert.run({ ...p, tiles: JSON.stringify(tiles), products: JSON.stringify(products), time: event.time, seq: event.seq });
    });
  },
};

/** Those of `mosaicIds` already written. */
export function writtenMosaics(db: Database.Database, mosaicIds: readonly string[]): Set<string> {
  if (mosaicIds.length === 0) return new Set();
  const rows = db.prepare<string[], { mosaic_id: string }>(`SELECT mosaic_id FROM mosaics WHERE mosaic_id IN (${mosaicIds.map(() => '?').join(',')})`).all(...mosaicIds);
  return new Set(rows.map((r) => r.mosaic_id));
}

export interface TileRow {
  readonly imageId: string;
  readonly groupId: string;
  readonly decDeg: number;
  readonly products: Record<string, string>;
}

/**
 * Images that can be mosaic tiles between two group ids (inclusive) within a declination range:
 * assessed and not graded bad, in log order (a group's later image last).
 */
export function mosaicTileCandidates(db: Database.Database, q: { fromGroup: string; toGroup: string; minDecDeg: number; maxDecDeg: number }): TileRow[] {
  const rows = db
    .prepare<[typeof q], { imageId: string; groupId: string; decDeg: number; products: string }>(
      `SELECT i.image_id AS imageId, i.group_id AS groupId, m.dec_deg AS decDeg, i.products AS products
         FROM images i JOIN ms_index m ON m.group_id = i.group_id
        WHERE i.group_id BETWEEN @fromGroup AND @toGroup AND m.dec_deg BETWEEN @minDecDeg AND @maxDecDeg
          AND i.grade IS NOT NULL AND i.grade <> 'bad'
        ORDER BY i.seq`,
    )
    .all(q);
  return rows.map((r) => ({ ...r, products: JSON.parse(r.products) as Record<string, string> }));
}

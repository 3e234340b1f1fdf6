/**
 * The products of the pipeline as the archive sees them: one MeasurementSet per group
 * (`ms_index`) and every image with its quality assessment (`images`). A reprocessed group's
 * newer product replaces the row of the older one.
 */
import type Database from 'better-sqlite3';
import { listReader } from './paging.js';
import { eachEvent, type Projection } from './projection.js';

const DEG = 180 / Math.PI;

export const msIndex: Projection = {
  name: 'ms_index',
  version: 1,
  tables: [{ name: 'ms_index', orderBy: 'group_id' }],
  eventTypes: ['MsWritten'],
  ddl: `CREATE TABLE IF NOT EXISTS ms_index (
    group_id TEXT PRIMARY KEY,
    ms_path TEXT NOT NULL,
    rows INTEGER NOT NULL,
    spectral_windows INTEGER NOT NULL,
    channels INTEGER NOT NULL,
    antennas INTEGER NOT NULL,
    integrations INTEGER NOT NULL,
    size_bytes INTEGER NOT NULL,
    ra_deg REAL NOT NULL,
    dec_deg REAL NOT NULL,
    mid_mjd REAL NOT NULL,
    written_at TEXT NOT NULL,
    seq INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS ms_index_by_dec ON ms_index (dec_deg)`,
  bind(db) {
    const upsert = db.prepare(
      `INSERT OR REPLACE INTO ms_index VALUES (@groupId, @msPath, @rows, @spectralWindows, @channels, @antennas, @integrations, @sizeBytes, @ra, @dec, @midMjd, @time, @seq)`,
    );
    return eachEvent((event) => {
      if (event.type !== 'MsWritten') return;
      const p = event.payload;
      upsert.run({ ...p, ra: p.phaseCenterRaRad * DEG, dec: p.phaseCenterDecRad * DEG, time: event.time, seq: event.seq });
    });
  },
};

export const imageCatalog: Projection = {
  name: 'images',
  version: 2,
  tables: [{ name: 'images', orderBy: 'image_id' }],
  eventTypes: ['ImageWritten', 'ImageQaMeasured'],
  ddl: `CREATE TABLE IF NOT EXISTS images (
    image_id TEXT PRIMARY KEY,
    group_id TEXT NOT NULL,
    mode TEXT NOT NULL,
    products TEXT NOT NULL,
    size_px INTEGER NOT NULL,
    cell_arcsec REAL NOT NULL,
    beam_major_arcsec REAL NOT NULL,
    beam_minor_arcsec REAL NOT NULL,
    beam_pa_deg REAL NOT NULL,
    written_at TEXT NOT NULL,
    rms_jy REAL,
    peak_jy REAL,
    dynamic_range REAL,
    source_count INTEGER,
    grade TEXT,
    issues TEXT,
    assessed_at TEXT,
    seq INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS images_by_group ON images (group_id);
  CREATE INDEX IF NOT EXISTS images_by_grade ON images (grade, group_id);
  CREATE INDEX IF NOT EXISTS images_by_rms ON images (rms_jy, image_id);
  CREATE INDEX IF NOT EXISTS images_by_dynamic_range ON images (dynamic_range, image_id);
  CREATE INDEX IF NOT EXISTS images_by_source_count ON images (source_count, image_id);
  CREATE INDEX IF NOT EXISTS images_by_grade_rms ON images (grade, rms_jy, image_id);
  CREATE INDEX IF NOT EXISTS images_by_grade_dynamic_range ON images (grade, dynamic_range, image_id);
  CREATE INDEX IF NOT EXISTS images_by_grade_source_count ON images (grade, source_count, image_id)`,
  bind(db) {
    const written = db.prepare(
      `INSERT OR REPLACE INTO images (image_id, group_id, mode, products, size_px, cell_arcsec, beam_major_arcsec, beam_minor_arcsec, beam_pa_deg, written_at, seq)
       VALUES (@imageId, @groupId, @mode, @products, @sizePx, @cellArcsec, @major, @minor, @pa, @time, @seq)`,
    );
    const assessed = db.prepare(
      `UPDATE images SET rms_jy = @rmsJy, peak_jy = @peakJy, dynamic_range = @dynamicRange, source_count = @sourceCount, grade = @grade,
         issues = @issues, products = json_patch(products, @artifacts), assessed_at = @time, seq = @seq WHERE image_id = @imageId`,
    );
    return eachEvent((event) => {
      if (event.type === 'ImageWritten') {
        const { beam, products, ...p } = event.payload;
        written.run({ ...p, products: JSON.stringify(products), major: beam.majorArcsec, minor: beam.minorArcsec, pa: beam.paDeg, time: event.time, seq: event.seq });
      } else if (event.type === 'ImageQaMeasured') {
        // the assessment's files (thumbnail, QA JSON) are served as the image's products too
        const { imageId, rmsJy, peakJy, dynamicRange, sourceCount, grade, issues, artifacts = {} } = event.payload;
        assessed.run({ imageId, rmsJy, peakJy, dynamicRange, sourceCount, grade, issues: JSON.stringify(issues), artifacts: JSON.stringify(artifacts), time: event.time, seq: event.seq });
      }
    });
  },
};

export interface MsEntry {
  readonly groupId: string;
  readonly msPath: string;
  readonly rows: number;
  readonly spectralWindows: number;
  readonly channels: number;
  readonly antennas: number;
  readonly integrations: number;
  readonly sizeBytes: number;
  readonly raDeg: number;
  readonly decDeg: number;
  readonly midMjd: number;
  readonly writtenAt: string;
}

const MS_COLUMNS = `group_id AS groupId, ms_path AS msPath, rows, spectral_windows AS spectralWindows, channels, antennas, integrations,
  size_bytes AS sizeBytes, ra_deg AS raDeg, dec_deg AS decDeg, mid_mjd AS midMjd, written_at AS writtenAt`;

/** MeasurementSets newest first, strictly older than the `before` group id. */
export function listMs(db: Database.Database, query: { before?: string; limit: number }): { ms: MsEntry[]; next: string | null } {
  const rows = db
    .prepare<[{ before: string | null; limit: number }], MsEntry>(
      `SELECT ${MS_COLUMNS} FROM ms_index WHERE (@before IS NULL OR group_id < @before) ORDER BY group_id DESC LIMIT @limit`,
    )
    .all({ before: query.before ?? null, limit: query.limit + 1 });
  const page = rows.slice(0, query.limit);
  return { ms: page, next: rows.length > query.limit ? page[page.length - 1]!.groupId : null };
}

export function msOf(db: Database.Database, groupId: string): MsEntry | undefined {
  return db.prepare<[string], MsEntry>(`SELECT ${MS_COLUMNS} FROM ms_index WHERE group_id = ?`).get(groupId);
}

export interface ImageEntry {
  readonly imageId: string;
  readonly groupId: string;
  readonly mode: string;
  readonly products: Record<string, string>;
  readonly sizePx: number;
  readonly cellArcsec: number;
  readonly beam: { readonly majorArcsec: number; readonly minorArcsec: number; readonly paDeg: number };
  readonly writtenAt: string;
  readonly qa: {
    readonly rmsJy: number;
    readonly peakJy: number;
    readonly dynamicRange: number;
    readonly sourceCount: number;
    readonly grade: string;
    readonly issues: string[];
    readonly assessedAt: string;
  } | null;
}

interface ImageRow {
  image_id: string;
  group_id: string;
  mode: string;
  products: string;
  size_px: number;
  cell_arcsec: number;
  beam_major_arcsec: number;
  beam_minor_arcsec: number;
  beam_pa_deg: number;
  written_at: string;
  rms_jy: number | null;
  peak_jy: number | null;
  dynamic_range: number | null;
  source_count: number | null;
  grade: string | null;
  issues: string | null;
  assessed_at: string | null;
}

const toImage = (r: ImageRow): ImageEntry => ({
  imageId: r.image_id,
  groupId: r.group_id,
  mode: r.mode,
  products: JSON.parse(r.products) as Record<string, string>,
  sizePx: r.size_px,
  cellArcsec: r.cell_arcsec,
  beam: { majorArcsec: r.beam_major_arcsec, minorArcsec: r.beam_minor_arcsec, paDeg: r.beam_pa_deg },
  writtenAt: r.written_at,
  qa:
    r.assessed_at === null
      ? null
      : { rmsJy: r.rms_jy!, peakJy: r.peak_jy!, dynamicRange: r.dynamic_range!, sourceCount: r.source_count!, grade: r.grade!, issues: JSON.parse(r.issues!) as string[], assessedAt: r.assessed_at },
});

/** Sortable columns of the image list: the API's names → SQL. */
export const IMAGE_SORTS = { time: 'group_id', rms: 'rms_jy', dynamicRange: 'dynamic_range', sources: 'source_count' } as const;

export interface ImageQuery {
  readonly grade?: string;
  readonly mode?: string;
  /** Group ids (UTC times) from/until, inclusive. */
  readonly since?: string;
  readonly until?: string;
  readonly sort: keyof typeof IMAGE_SORTS;
  readonly order: 'asc' | 'desc';
  readonly offset: number;
  readonly limit: number;
}

/**
 * One page of images, filtered and sorted; images not yet assessed last whatever the order, and
 * image_id breaking ties so that pages are stable. Only the filters given become conditions, so
 * that an index can serve them.
 */
export function listImages(db: Database.Database, q: ImageQuery): { images: ImageEntry[]; total: number } {
  const filters = { grade: 'grade = @grade', mode: 'mode = @mode', since: 'group_id >= @since', until: 'group_id <= @until' } as const;
  const given = (Object.keys(filters) as (keyof typeof filters)[]).filter((key) => q[key] !== undefined);
  const params = Object.fromEntries(given.map((key) => [key, q[key]!]));
  const shape = { projection: 'images', table: 'images', columns: '*', where: given.map((key) => filters[key]), sortColumn: IMAGE_SORTS[q.sort], nullable: q.sort !== 'time', tieBreak: 'image_id', order: q.order } as const;
  const { rows, total } = listReader(db).page<ImageRow>(shape, params, q.offset, q.limit);
  return { images: rows.map(toImage), total };
}

export function imageOf(db: Database.Database, imageId: string): ImageEntry | undefined {
  const row = db.prepare<[string], ImageRow>('SELECT * FROM images WHERE image_id = ?').get(imageId);
  return row && toImage(row);
}

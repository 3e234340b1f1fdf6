/**
 * The catalog database (`DATA/catalogs/catalogs.sqlite`): every imported catalog's sources,
 * clustered by catalog, declination strip and RA, so that a cone search reads a few contiguous
 * ranges per strip, then keeps what lies within the radius on the great circle.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { CatalogSource, ConeMatch } from '../science/catalogs/catalogSource.js';

export type { ConeMatch } from '../science/catalogs/catalogSource.js';
import { angularSeparationDeg, raRangesOfCone, unitVector } from '../science/catalogs/skyGeometry.js';

export const CATALOG_DB_FILE = 'catalogs.sqlite';

/** Declination strips of this height, degrees: a beam-sized cone touches a handful. */
export const STRIP_HEIGHT_DEG = 0.5;
const STRIPS = Math.round(180 / STRIP_HEIGHT_DEG);

export const stripOf = (decDeg: number) => Math.min(STRIPS - 1, Math.max(0, Math.floor((decDeg + 90) / STRIP_HEIGHT_DEG)));

const CATALOG_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS imports (
  catalog TEXT NOT NULL, sha256 TEXT NOT NULL, format TEXT NOT NULL, source_file TEXT NOT NULL,
  rows INTEGER NOT NULL, skipped INTEGER NOT NULL, imported_at TEXT NOT NULL, current INTEGER NOT NULL,
  PRIMARY KEY (catalog, sha256));
CREATE TABLE IF NOT EXISTS sources (
  catalog TEXT NOT NULL, strip INTEGER NOT NULL, ra_deg REAL NOT NULL, id INTEGER NOT NULL,
  dec_deg REAL NOT NULL, x REAL NOT NULL, y REAL NOT NULL, z REAL NOT NULL,
  name TEXT NOT NULL, flux_jy REAL NOT NULL, flux_err_jy REAL, major_arcsec REAL, minor_arcsec REAL,
  spectral_index REAL, extra TEXT,
  PRIMARY KEY (catalog, strip, ra_deg, id)) WITHOUT ROWID;`;

export interface CatalogImport {
  readonly catalog: string;
  readonly format: string;
  readonly sourceFile: string;
  readonly sha256: string;
  readonly rows: number;
  readonly skipped: number;
}

export interface ConeSearchOptions {
  /** Only sources at least this bright at 1.4 GHz. */
  readonly minFluxJy?: number;
  /** Only these catalogs (default: every imported one). */
  readonly catalogs?: readonly string[];
}

/** A row as the cone search selects it, in column order (raw arrays: no object per row from SQLite). */
type SourceRow = [raDeg: number, decDeg: number, name: string, fluxJy: number, fluxErrJy: number | null, majorArcsec: number | null, minorArcsec: number | null, spectralIndex: number | null, extra: string | null];

export class CatalogDb {
  readonly #db: Database.Database;

  private constructor(readonly path: string, readonly: boolean) {
    if (!readonly) mkdirSync(dirname(path), { recursive: true });
    this.#db = new Database(path, { readonly, fileMustExist: readonly });
    // Cone searches touch a few pages per strip all over the file: map it rather than copy pages.
    this.#db.pragma('mmap_size = 1073741824');
    this.#db.pragma('cache_size = -65536');
    if (!readonly) {
      this.#db.pragma('journal_mode = WAL');
      this.#db.exec(SCHEMA);
    }
  }

  /** The database of a data directory's `catalogs/` folder; `readonly` requires it to exist. */
  static open(catalogsDir: string, options: { readonly?: boolean } = {}): CatalogDb {
    return new CatalogDb(join(catalogsDir, CATALOG_DB_FILE), options.readonly === true);
  }

  /** `read` over the catalog database in `catalogsDir`, opened read-only; undefined when none has been imported. */
  static read<T>(catalogsDir: string, read: (db: CatalogDb) => T): T | undefined {
    if (!existsSync(join(catalogsDir, CATALOG_DB_FILE))) return undefined;
    const db = CatalogDb.open(catalogsDir, { readonly: true });
    try {
      return read(db);
    } finally {
      db.close();
    }
  }

  /** The import a file with this content already made into `catalog`, if any. */
  findImport(catalog: string, sha256: string): CatalogImport | undefined {
    const row = this.#db.prepare('SELECT catalog, format, source_file, sha256, rows, skipped FROM imports WHERE catalog = ? AND sha256 = ? AND current = 1').get(catalog, sha256) as
      | { catalog: string; format: string; source_file: string; sha256: string; rows: number; skipped: number }
      | undefined;
    return row && { catalog: row.catalog, format: row.format, sourceFile: row.source_file, sha256: row.sha256, rows: row.rows, skipped: row.skipped };
  }

  /** Catalogs with sources, by name. */
  catalogs(): string[] {
    return (this.#db.prepare('SELECT DISTINCT catalog FROM imports WHERE current = 1 ORDER BY catalog').all() as { catalog: string }[]).map((r) => r.catalog);
  }

  /** Replaces `record.catalog`'s sources with `sources`, atomically. */
  replaceCatalog(record: CatalogImport, sources: readonly CatalogSource[], importedAt: string): void {
    if (!CATALOG_NAME.test(record.catalog)) throw new RangeError(`catalog name ${JSON.stringify(record.catalog)}: letters, digits and ._- only, at most 64 characters`);
    const insert = this.#db.prepare(
      'INSERT INTO sources (catalog, strip, ra_deg, id, dec_deg, x, y, z, name, flux_jy, flux_err_jy, major_arcsec, minor_arcsec, spectral_index, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM sources WHERE catalog = ?').run(record.catalog);
      this.#db.prepare('UPDATE imports SET current = 0 WHERE catalog = ?').run(record.catalog);
      // In primary-key order, so that the B-tree grows at its end rather than splitting pages everywhere.
      const order = sources.map((s, id) => ({ s, id, strip: stripOf(s.decDeg) })).sort((a, b) => a.strip - b.strip || a.s.raDeg - b.s.raDeg || a.id - b.id);
      for (const { s, id, strip } of order) {
        const [x, y, z] = unitVector(s.raDeg, s.decDeg);
        insert.run(record.catalog, strip, s.raDeg, id, s.decDeg, x, y, z, s.name, s.fluxJy, s.fluxErrJy ?? null, s.majorArcsec ?? null, s.minorArcsec ?? null, s.spectralIndex ?? null, s.extra ? JSON.stringify(s.extra) : null);
      }
      this.#db
        .prepare('INSERT OR REPLACE INTO imports (catalog, sha256, format, source_file, rows, skipped, imported_at, current) VALUES (?, ?, ?, ?, ?, ?, ?, 1)')
        .run(record.catalog, record.sha256, record.format, record.sourceFile, record.rows, record.skipped, importedAt);
    })();
  }

  /** Every source within `radiusDeg` (great circle) of (raDeg, decDeg), nearest first. */
  coneSearch(raDeg: number, decDeg: number, radiusDeg: number, options: ConeSearchOptions = {}): ConeMatch[] {
    if (![raDeg, decDeg, radiusDeg].every(Number.isFinite) || decDeg < -90 || decDeg > 90 || radiusDeg < 0 || radiusDeg > 180) {
      throw new RangeError(`cone (${raDeg}, ${decDeg}) radius ${radiusDeg}: RA and Dec in degrees (|Dec| ≤ 90), radius in [0, 180]`);
    }
    const [cx, cy, cz] = unitVector(raDeg, decDeg);
    // The dot-product bound only prunes (with a margin for rounding); the exact test is the separation below.
    const minDot = Math.cos((Math.min(radiusDeg, 180) * Math.PI) / 180) - 1e-9;
    const query = this.#db
      .prepare(
        'SELECT ra_deg, dec_deg, name, flux_jy, flux_err_jy, major_arcsec, minor_arcsec, spectral_index, extra FROM sources ' +
          'WHERE catalog = ? AND strip = ? AND ra_deg BETWEEN ? AND ? AND x * ? + y * ? + z * ? >= ? AND flux_jy >= ?',
      )
      .raw(true);
    const ranges = raRangesOfCone(raDeg, decDeg, radiusDeg);
    const [first, last] = [stripOf(Math.max(-90, decDeg - radiusDeg)), stripOf(Math.min(90, decDeg + radiusDeg))];
    const matches: ConeMatch[] = [];
    for (const catalog of options.catalogs ?? this.catalogs()) {
      for (let strip = first; strip <= last; strip++) {
        for (const [low, high] of ranges) {
          for (const row of query.all(catalog, strip, low, high, cx, cy, cz, minDot, options.minFluxJy ?? -Infinity) as SourceRow[]) {
            const separationDeg = angularSeparationDeg(raDeg, decDeg, row[0], row[1]);
            if (separationDeg <= radiusDeg) matches.push(toMatch(catalog, row, separationDeg));
          }
        }
      }
    }
    return matches.sort((a, b) => a.separationDeg - b.separationDeg);
  }

  close(): void {
    this.#db.close();
  }
}

function toMatch(catalog: string, [raDeg, decDeg, name, fluxJy, fluxErrJy, majorArcsec, minorArcsec, spectralIndex, extra]: SourceRow, separationDeg: number): ConeMatch {
  const match: { -readonly [K in keyof ConeMatch]: ConeMatch[K] } = { catalog, name, raDeg, decDeg, fluxJy, separationDeg };
  if (fluxErrJy !== null) match.fluxErrJy = fluxErrJy;
  if (majorArcsec !== null) match.majorArcsec = majorArcsec;
  if (minorArcsec !== null) match.minorArcsec = minorArcsec;
  if (spectralIndex !== null) match.spectralIndex = spectralIndex;
  if (extra !== null) match.extra = JSON.parse(extra) as Record<string, unknown>;
  return match;
}

/** `coneSearch(db, ra, dec, radius, options)`: the function form of CatalogDb.coneSearch. */
export function coneSearch(db: CatalogDb, raDeg: number, decDeg: number, radiusDeg: number, options: ConeSearchOptions = {}): ConeMatch[] {
  return db.coneSearch(raDeg, decDeg, radiusDeg, options);
}

/** `contimg catalog import`: one catalog file into the catalog database, once per content. */
import { resolve } from 'node:path';
import type { CatalogDb, CatalogImport } from './catalogDb.js';
import { defaultCatalogName, readCatalogFile, type CatalogFormat } from '../science/catalogs/catalogFormats.js';

export interface ImportResult extends CatalogImport {
  /** True when this content was already the catalog's: nothing was written. */
  readonly unchanged: boolean;
}

/**
 * Imports `path` into `catalog` (default: by format, "nvss" for the survey formats), replacing the
 * catalog's earlier content. A file whose sha256 is already the catalog's current import changes nothing.
 */
export async function importCatalog(db: CatalogDb, path: string, options: { catalog?: string; format?: CatalogFormat; now?: () => Date } = {}): Promise<ImportResult> {
  const file = await readCatalogFile(path, options.format);
  const catalog = options.catalog ?? defaultCatalogName(file.format);
  const existing = db.findImport(catalog, file.sha256);
  if (existing) return { ...existing, unchanged: true };
  const record: CatalogImport = { catalog, format: file.format, sourceFile: resolve(path), sha256: file.sha256, rows: file.parsed.sources.length, skipped: file.parsed.skipped };
  db.replaceCatalog(record, file.parsed.sources, (options.now?.() ?? new Date()).toISOString());
  return { ...record, unchanged: false };
}

import { mkdir, writeFile } from 'node:fs/promises';
import { CatalogDb } from '../../src/catalogs/catalogDb.js';
import { importCatalog } from '../../src/catalogs/importCatalog.js';

/** Imports a catalog file into the catalog database under `catalogsDir`, creating the folder. */
export async function importCatalogFile(catalogsDir: string, path: string, options: Parameters<typeof importCatalog>[2] = {}): Promise<void> {
  await mkdir(catalogsDir, { recursive: true });
  const db = CatalogDb.open(catalogsDir);
  try {
    await importCatalog(db, path, options);
  } finally {
    db.close();
  }
}

/** Writes `sources` as a crossmatch-style CSV at `csvPath` and imports it as the catalog `catalog`. */
export async function importSourcesCsv(catalogsDir: string, csvPath: string, catalog: string, sources: readonly { name: string; raDeg: number; decDeg: number; fluxJy: number }[]): Promise<void> {
  const header = 'source_name,ra_deg,dec_deg,catalog_flux_jy,measured_flux_jy,flux_err_jy,flux_ratio,snr';
  await writeFile(csvPath, [header, ...sources.map((s) => `${s.name},${s.raDeg},${s.decDeg},${s.fluxJy},${s.fluxJy},0.01,1,100`)].join('\n'));
  await importCatalogFile(catalogsDir, csvPath, { catalog });
}

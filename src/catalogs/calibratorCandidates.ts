/**
 * Where calibrator candidates come from: the catalog database's imported `vla-calibrators`
 * catalog when there is one (a cone around the pointing), else the VLA calibrator list file.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CATALOG_DB_FILE, CatalogDb } from './catalogDb.js';
import { candidatesFromCatalog, candidatesFromVlaList, halfPowerRadiusDeg, type CalibratorCandidate } from '../science/catalogs/calibratorSelection.js';
import { DEFAULT_VLA_CALIBRATORS, parseVlaCalibratorEntries } from '../science/catalogs/vlaCalibrators.js';

export const VLA_CATALOG = 'vla-calibrators';

export interface Candidates {
  readonly candidates: CalibratorCandidate[];
  /** "catalog vla-calibrators" or the list file's name. */
  readonly source: string;
}

/** Candidates near `pointing`: from the database under `catalogsDir` unless `listFile` is given or nothing is imported there. */
export async function calibratorCandidates(catalogsDir: string, pointing: { raDeg: number; decDeg: number }, listFile?: string): Promise<Candidates> {
  if (listFile === undefined && existsSync(join(catalogsDir, CATALOG_DB_FILE))) {
    const db = CatalogDb.open(catalogsDir, { readonly: true });
    try {
      if (db.catalogs().includes(VLA_CATALOG)) {
        // Every candidate the beam can hold, with margin; the selection applies the exact radius.
        const matches = db.coneSearch(pointing.raDeg, pointing.decDeg, 2 * halfPowerRadiusDeg(), { catalogs: [VLA_CATALOG] });
        return { candidates: candidatesFromCatalog(matches), source: `catalog ${VLA_CATALOG}` };
      }
    } finally {
      db.close();
    }
  }
  const path = listFile ?? DEFAULT_VLA_CALIBRATORS;
  return { candidates: candidatesFromVlaList(parseVlaCalibratorEntries(await readFile(path, 'utf8'), path)), source: basename(path) };
}

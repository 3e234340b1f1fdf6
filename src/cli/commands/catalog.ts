/** `contimg catalog import | search | calibrator`: the catalog database under DATA/catalogs/. */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import { dataPaths } from '../../config/paths.js';
import { CATALOG_DB_FILE, CatalogDb, type ConeMatch } from '../../catalogs/catalogDb.js';
import type { CatalogFormat } from '../../science/catalogs/catalogFormats.js';
import { calibratorCandidates } from '../../catalogs/calibratorCandidates.js';
import { meridianPointing, selectCalibrator, type CalibratorSelection, type SelectedCalibrator } from '../../science/catalogs/calibratorSelection.js';
import { importCatalog, type ImportResult } from '../../catalogs/importCatalog.js';
import { parseSexagesimal } from '../../science/catalogs/sexagesimal.js';
import { pointingDecRad, readHeader } from '../../science/uvh5/index.js';
import { parseSubbandName } from '../../domain/subbandFile.js';
import { openState } from '../state.js';

/** The group id of a set of subband files: the earliest file-name timestamp (the ingest's rule for a complete group). */
function groupIdOf(files: readonly string[]): string {
  const stamps = files.map((f) => {
    const name = parseSubbandName(basename(f));
    if (typeof name === 'string') throw new CatalogUsageError(`${f}: ${name}; give --group-id`);
    return name.timestamp;
  });
  return stamps.sort()[0]!;
}

async function recordSelection(config: Config, groupId: string, calibrator: SelectedCalibrator, reason: string): Promise<void> {
  const state = openState(config);
  try {
    const payload = { groupId, calibrator: calibrator.name, fluxJy: calibrator.fluxJy, separationDeg: calibrator.separationDeg, reason };
    await state.log.append(groupId, [{ type: 'CalibratorSelected', time: new Date().toISOString(), payload }], 'any');
  } finally {
    await state.close();
  }
}
const DEG = 180 / Math.PI;

export class CatalogUsageError extends Error {
  readonly code = 'USAGE';
}

/** Imports one file and records CatalogImported in the event log (nothing when the content is already there). */
export async function catalogImportCommand(config: Config, file: string, options: { catalog?: string; format?: CatalogFormat; json?: boolean }, log: Logger): Promise<ImportResult> {
  const paths = dataPaths(config.dataDir);
  const db = CatalogDb.open(paths.catalogs);
  let result: ImportResult;
  try {
    result = await importCatalog(db, file, options);
  } finally {
    db.close();
  }
  if (!result.unchanged) {
    const state = openState(config);
    try {
      const { catalog, format, sourceFile, sha256, rows, skipped } = result;
      await state.log.append(`catalog:${catalog}`, [{ type: 'CatalogImported', time: new Date().toISOString(), payload: { catalog, format, sourceFile, sha256, rows, skipped } }], 'any');
    } finally {
      await state.close();
    }
  }
  log.debug({ ...result }, 'catalog import');
  if (options.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else if (result.unchanged) {
    process.stdout.write(`${file}: already imported into ${result.catalog} (sha256 ${result.sha256.slice(0, 12)}…, ${result.rows} sources); nothing changed\n`);
  } else {
    process.stdout.write(`${file}: ${result.rows} sources into catalog ${result.catalog} (${result.format}); ${result.skipped} rows without a 1.4 GHz flux skipped\n`);
  }
  return result;
}

/** An angle in degrees, or sexagesimal (RA in hours). */
export function parseAngle(text: string, what: 'RA' | 'Dec' | 'radius'): number {
  const value = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text.trim()) ? Number(text) : what === 'radius' ? undefined : parseSexagesimal(text, what === 'RA');
  if (value === undefined || !Number.isFinite(value)) throw new CatalogUsageError(`${what} ${JSON.stringify(text)}: give degrees${what === 'radius' ? '' : ' or sexagesimal'}`);
  return value;
}

function openExisting(config: Config): CatalogDb {
  const dir = dataPaths(config.dataDir).catalogs;
  if (!existsSync(`${dir}/${CATALOG_DB_FILE}`)) throw new CatalogUsageError(`no catalog database under ${dir}: run contimg catalog import first`);
  return CatalogDb.open(dir, { readonly: true });
}

export function catalogSearchCommand(config: Config, ra: string, dec: string, radius: string, options: { catalog?: string[]; minFlux?: number; json?: boolean; limit: number }): ConeMatch[] {
  const db = openExisting(config);
  try {
    const matches = db.coneSearch(parseAngle(ra, 'RA'), parseAngle(dec, 'Dec'), parseAngle(radius, 'radius'), {
      ...(options.minFlux !== undefined && { minFluxJy: options.minFlux }),
      ...(options.catalog && { catalogs: options.catalog }),
    });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(matches, null, 2)}\n`);
    } else {
      process.stdout.write(`${matches.length} sources\n`);
      for (const m of matches.slice(0, options.limit)) {
        process.stdout.write(`  ${m.catalog.padEnd(16)} ${m.name.padEnd(22)} ${m.raDeg.toFixed(5).padStart(10)} ${m.decDeg.toFixed(5).padStart(10)} ${m.fluxJy.toFixed(4).padStart(9)} Jy ${m.separationDeg.toFixed(4).padStart(8)}°\n`);
      }
      if (matches.length > options.limit) process.stdout.write(`  … ${matches.length - options.limit} more (--limit)\n`);
    }
    return matches;
  } finally {
    db.close();
  }
}

/**
 * The calibrator choice for the group of `files` (UVH5): pointing declination and times from the
 * first file's header; candidates from the catalog database's vla-calibrators catalog when
 * imported, else from the VLA calibrator list file.
 */
export async function catalogCalibratorCommand(config: Config, files: string[], options: { vlaCalibrators?: string; json?: boolean; record?: boolean; groupId?: string }): Promise<CalibratorSelection> {
  const file = files[0]!;
  const header = await readHeader(file);
  const decRad = pointingDecRad(header);
  if (decRad === undefined) throw new CatalogUsageError(`${file}: no extra_keywords/phase_center_dec: cannot tell the pointing`);
  let [first, last] = [Infinity, -Infinity];
  for (const t of header.time_array) [first, last] = [Math.min(first, t), Math.max(last, t)];
  const pointing = meridianPointing((first + last) / 2, decRad * DEG);
  const { candidates, source } = await calibratorCandidates(dataPaths(config.dataDir).catalogs, pointing, options.vlaCalibrators);
  const selection = selectCalibrator(candidates, pointing);
  if (options.json) process.stdout.write(`${JSON.stringify({ ...selection, candidatesFrom: source }, null, 2)}\n`);
  else process.stdout.write(`${selection.calibrator ? 'calibrator group' : 'not a calibrator group'}: ${selection.reason} (candidates from ${source})\n`);
  if (options.record && selection.calibrator) await recordSelection(config, options.groupId ?? groupIdOf(files), selection.calibrator, selection.reason);
  return selection;
}

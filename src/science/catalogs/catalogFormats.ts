/** The catalog file formats `contimg catalog import` reads, how each is recognised, and how each becomes catalog sources. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CatalogFormatError, type CatalogSource, type ParsedCatalog } from './catalogSource.js';
import { parseDsa110Sources } from './dsa110Sources.js';
import { readFitsTable } from './fitsCatalog.js';
import { parseHeasarcTdat } from './heasarcTdat.js';
import { sourcesFromTable } from './tableSources.js';
import { parseVizierText } from './vizierText.js';
import { parseVlaCalibratorEntries, spectralIndex20to6 } from './vlaCalibrators.js';

export const CATALOG_FORMATS = ['vla-calibrators', 'dsa110', 'heasarc-tdat', 'vizier-tsv', 'vizier-csv', 'fits'] as const;
export type CatalogFormat = (typeof CATALOG_FORMATS)[number];

/** The catalog a format fills unless told otherwise: the survey formats hold NVSS. */
export function defaultCatalogName(format: CatalogFormat): string {
  return format === 'vla-calibrators' || format === 'dsa110' ? format : 'nvss';
}

const GZIP_MAGIC = [0x1f, 0x8b];
const isGzip = (bytes: Uint8Array) => bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];

/** The format a file name says (a .gz suffix aside), when it says one for sure. */
function formatFromName(path: string): CatalogFormat | undefined {
  const name = basename(path).toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.tdat')) return 'heasarc-tdat';
  if (/\.(fits|fit|fts)$/.test(name)) return 'fits';
  if (name.endsWith('.tsv')) return 'vizier-tsv';
  return undefined;
}

/** The format of `path` from its name and contents; throws naming the file when it cannot tell. */
export function detectFormat(path: string, text: string): CatalogFormat {
  const byName = formatFromName(path);
  if (byName) return byName;
  if (text.startsWith('SIMPLE  =')) return 'fits';
  if (text.startsWith('IAU NAME')) return 'vla-calibrators';
  if (path.toLowerCase().replace(/\.gz$/, '').endsWith('.csv')) return text.startsWith('source_name,ra_deg,dec_deg,catalog_flux_jy') ? 'dsa110' : 'vizier-csv';
  if (text.includes('\n<DATA>')) return 'heasarc-tdat';
  throw new CatalogFormatError(`${path}: cannot tell the catalog format from the name or contents; give --format (${CATALOG_FORMATS.join(', ')})`);
}

function vlaSources(text: string, path: string): ParsedCatalog {
  const entries = parseVlaCalibratorEntries(text, path);
  const sources = entries.flatMap((c): CatalogSource[] => {
    const fluxJy = c.fluxJy['20cm'];
    if (fluxJy === undefined) return [];
    const spectralIndex = spectralIndex20to6(c);
    return [
      {
        name: c.name,
        raDeg: c.raDeg,
        decDeg: c.decDeg,
        fluxJy,
        ...(spectralIndex !== undefined && { spectralIndex }),
        extra: { ...(c.altName !== undefined && { altName: c.altName }), positionCode: c.positionCode, fluxJy: c.fluxJy, quality: c.quality },
      },
    ];
  });
  return { sources, skipped: entries.length - sources.length };
}

function dsa110Sources(text: string, path: string): ParsedCatalog {
  const sources = parseDsa110Sources(text, path).map(({ name, raDeg, decDeg, catalogFluxJy, ...measured }) => ({ name, raDeg, decDeg, fluxJy: catalogFluxJy, extra: measured }));
  return { sources, skipped: 0 };
}

export interface CatalogFile {
  readonly path: string;
  readonly format: CatalogFormat;
  /** Of the file's bytes as stored (compressed, for a .gz). */
  readonly sha256: string;
  readonly parsed: ParsedCatalog;
}

/** Reads and parses one catalog file (text formats may be gzip-compressed). */
export async function readCatalogFile(path: string, format?: CatalogFormat): Promise<CatalogFile> {
  const bytes = await readFile(path);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  // cfitsio reads FITS (compressed too) from the file itself: no need to decode it as text.
  if ((format ?? formatFromName(path)) === 'fits') return { path, format: 'fits', sha256, parsed: sourcesFromTable(await readFitsTable(path)) };
  let text: string;
  try {
    text = (isGzip(bytes) ? gunzipSync(bytes) : bytes).toString('utf8');
  } catch (error) {
    throw new CatalogFormatError(`${path}: not a valid gzip file: ${(error as Error).message}`, { cause: error });
  }
  const chosen = format ?? detectFormat(path, text);
  return { path, format: chosen, sha256, parsed: chosen === 'fits' ? sourcesFromTable(await readFitsTable(path)) : parseText(chosen, path, text) };
}

function parseText(format: Exclude<CatalogFormat, 'fits'>, path: string, text: string): ParsedCatalog {
  switch (format) {
    case 'vla-calibrators':
      return vlaSources(text, path);
    case 'dsa110':
      return dsa110Sources(text, path);
    case 'heasarc-tdat':
      return sourcesFromTable(parseHeasarcTdat(text, path));
    case 'vizier-tsv':
      return sourcesFromTable(parseVizierText(text, path, '\t'));
    case 'vizier-csv':
      return sourcesFromTable(parseVizierText(text, path, ','));
  }
}

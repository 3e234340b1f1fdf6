/**
 * The DSA-110 forced-photometry source list (`dsa110_forced_phot_2026-01-25.csv`): 170 real
 * sources near Dec 14–17° with their catalog (1.4 GHz) flux and the flux DSA-110 measured.
 */
import { readFile } from 'node:fs/promises';
import { sharedDataPath } from '../sharedData.js';

export const DEFAULT_DSA110_SOURCES = sharedDataPath('catalogs/dsa110_forced_phot_2026-01-25.csv');

export interface Dsa110Source {
  /** "J<ra>+<dec>" in degrees, e.g. "J343.4904+16.1482". */
  readonly name: string;
  readonly raDeg: number;
  readonly decDeg: number;
  /** Catalog flux density at 1.4 GHz, Jy. */
  readonly catalogFluxJy: number;
  readonly measuredFluxJy: number;
  readonly fluxErrJy: number;
  /** measured / catalog. */
  readonly fluxRatio: number;
  readonly snr: number;
}

const HEADER = 'source_name,ra_deg,dec_deg,catalog_flux_jy,measured_flux_jy,flux_err_jy,flux_ratio,snr';

export function parseDsa110Sources(text: string, source = 'DSA-110 source list'): Dsa110Source[] {
  const [header, ...rows] = text.split(/\r?\n/);
  if (header !== HEADER) throw new Error(`${source}:1: expected the header "${HEADER}"`);
  return rows.flatMap((row, i) => {
    if (row === '') return [];
    const cells = row.split(',');
    const numbers = cells.slice(1).map(Number);
    if (cells.length !== 8 || !/^J\d/.test(cells[0] ?? '') || numbers.some((n) => !Number.isFinite(n))) {
      throw new Error(`${source}:${i + 2}: not a source row: ${JSON.stringify(row)}`);
    }
    const [raDeg, decDeg, catalogFluxJy, measuredFluxJy, fluxErrJy, fluxRatio, snr] = numbers as [number, number, number, number, number, number, number];
    return [{ name: cells[0]!, raDeg, decDeg, catalogFluxJy, measuredFluxJy, fluxErrJy, fluxRatio, snr }];
  });
}

export async function readDsa110Sources(path = DEFAULT_DSA110_SOURCES): Promise<Dsa110Source[]> {
  return parseDsa110Sources(await readFile(path, 'utf8'), path);
}

/**
 * The VLA calibrator manual list (`vlacalibrators.txt`): per source a J2000 line, a B1950 line and
 * a table of band fluxes, e.g.
 *
 *   2253+161   J2000  A 22h53m57.747932s  16d08'53.560890"  Aug01  3C454.3
 *   2251+158   B1950  A 22h51m29.519900s  15d52'54.190000"
 *   -----------------------------------------------------
 *   BAND        A B C D    FLUX(Jy)    UVMIN(kL)  UVMAX(kL)
 *   =====================================================
 *    20cm    L  X X X X      12.50
 */
import { readFile } from 'node:fs/promises';
import { sharedDataPath } from '../sharedData.js';

export const DEFAULT_VLA_CALIBRATORS = sharedDataPath('catalogs/vlacalibrators.txt');

export const VLA_BANDS = ['90cm', '20cm', '6cm', '3.7cm', '3.6cm', '4cm', '2cm', '1.3cm', '0.7cm'] as const;
export type VlaBand = (typeof VLA_BANDS)[number];

/** Nominal band centres of the VLA calibrator list's flux columns, Hz. */
export const VLA_BAND_FREQUENCY_HZ: Readonly<Record<VlaBand, number>> = {
  '90cm': 0.33e9,
  '20cm': 1.4e9,
  '6cm': 4.86e9,
  '4cm': 8.0e9,
  '3.7cm': 8.46e9,
  '3.6cm': 8.46e9,
  '2cm': 14.94e9,
  '1.3cm': 22.46e9,
  '0.7cm': 43.34e9,
};

export interface VlaCalibrator {
  /** IAU name from the J2000 coordinates, e.g. "2253+161". */
  readonly name: string;
  /** The ALT.NAME column: a common name ("3C454.3") or a survey tag ("JVAS"); absent when empty. */
  readonly altName?: string;
  readonly raDeg: number;
  readonly decDeg: number;
  /** Position accuracy code: A < 0.002″, B 0.002–0.01″, C 0.01–0.15″, T > 0.15″. */
  readonly positionCode: string;
  /** Flux density per band, Jy; a band is absent when not listed or listed as "?". */
  readonly fluxJy: Readonly<Partial<Record<VlaBand, number>>>;
}

/**
 * A calibrator with its quality codes per band: four characters for the A, B, C and D
 * configurations (P ≤ 3 % amplitude closure error, S 3–10 %, W 10 %+, X unusable, C confused,
 * ? unknown, space not given).
 */
export interface VlaCalibratorEntry extends VlaCalibrator {
  readonly quality: Readonly<Partial<Record<VlaBand, string>>>;
}

// The A, B, C and D quality codes sit 3, 5, 7 and 9 characters after the band letter (blank when
// not given), whatever the band column's width.
const QUALITY_OFFSETS = [3, 5, 7, 9];
const BAND_LETTER = /^(\s*\S+\s+)[A-Z]/;

const J2000_LINE = /^(\d{4}[+-]\d{3})\s+J2000\s+([A-Z])\s+(\d\d)h(\d\d)m(\d\d(?:\.\d*)?)s\s+([+-]?)(\d\d)d(\d\d)'(\d\d(?:\.\d*)?)"\s*(.*)$/;
// Band, band letter, up to four one-letter quality codes (A, B, C, D configurations; some are
// blank), then the flux, which may be "?" or missing.
const BAND_LINE = /^\s*(\d+(?:\.\d+)?cm)\s+[A-Z]((?:\s+[PSWXCsw?](?=\s|$)){0,4})(?:\s+(\S+))?/;
const POSITION_REFERENCE = /^[A-Z][a-z]{2}\d{2}$/;
const SKIPPED = [/^\s*$/, /^IAU NAME/, /^=+$/, /^-+$/, /^BAND\s/, /^\d{4}[+-]\d{3}\s+B1950\s/];

function isBand(band: string): band is VlaBand {
  return (VLA_BANDS as readonly string[]).includes(band);
}

export function parseVlaCalibrators(text: string, source = 'VLA calibrator list'): VlaCalibrator[] {
  return parseVlaCalibratorEntries(text, source).map(({ quality: _quality, ...calibrator }) => calibrator);
}

/** As parseVlaCalibrators, with each calibrator's quality codes. */
export function parseVlaCalibratorEntries(text: string, source = 'VLA calibrator list'): VlaCalibratorEntry[] {
  const calibrators: VlaCalibratorEntry[] = [];
  let fluxes: Partial<Record<VlaBand, number>> | undefined;
  let quality: Partial<Record<VlaBand, string>> = {};
  text.split(/\r?\n/).forEach((line, i) => {
    const where = `${source}:${i + 1}`;
    const position = J2000_LINE.exec(line);
    if (position) {
      const [, name, code, h, m, s, sign, d, am, as, rest] = position as unknown as string[];
      const tokens = (rest ?? '').split(/\s+/).filter((t) => t !== '');
      const altName = POSITION_REFERENCE.test(tokens[0] ?? '') ? tokens[1] : tokens[0];
      fluxes = {};
      quality = {};
      const decDeg = Number(d) + Number(am) / 60 + Number(as) / 3600;
      calibrators.push({
        name: name!,
        ...(altName !== undefined && { altName }),
        raDeg: 15 * (Number(h) + Number(m) / 60 + Number(s) / 3600),
        decDeg: sign === '-' ? -decDeg : decDeg,
        positionCode: code!,
        fluxJy: fluxes,
        quality,
      });
      return;
    }
    const band = BAND_LINE.exec(line);
    if (band) {
      const [, name, , flux] = band as unknown as [string, string, string, string | undefined];
      if (!fluxes) throw new Error(`${where}: a band line before any J2000 line`);
      if (!isBand(name)) throw new Error(`${where}: unknown band ${name}`);
      const letter = BAND_LETTER.exec(line)![1]!.length;
      quality[name] = QUALITY_OFFSETS.map((offset) => line[letter + offset] ?? ' ').join('');
      if (flux !== undefined && flux !== '?') {
        const value = Number(flux);
        if (!Number.isFinite(value)) throw new Error(`${where}: flux ${JSON.stringify(flux)} is not a number`);
        fluxes[name] = value;
      }
      return;
    }
    if (!SKIPPED.some((pattern) => pattern.test(line))) throw new Error(`${where}: unrecognised line ${JSON.stringify(line)}`);
  });
  return calibrators;
}

export async function readVlaCalibrators(path = DEFAULT_VLA_CALIBRATORS): Promise<VlaCalibrator[]> {
  return parseVlaCalibrators(await readFile(path, 'utf8'), path);
}

/**
 * The spectral index between the 20 cm and 6 cm fluxes (S ∝ ν^α), when both are listed; the list
 * gives nothing closer to L band.
 */
export function spectralIndex20to6(calibrator: VlaCalibrator): number | undefined {
  const s20 = calibrator.fluxJy['20cm'];
  const s6 = calibrator.fluxJy['6cm'];
  if (s20 === undefined || s6 === undefined || s20 <= 0 || s6 <= 0) return undefined;
  return Math.log(s6 / s20) / Math.log(VLA_BAND_FREQUENCY_HZ['6cm'] / VLA_BAND_FREQUENCY_HZ['20cm']);
}

const normalised = (name: string) => name.toUpperCase().replace(/\s+/g, '');

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** No calibrator, or more than one, has the name asked for. */
export class UnknownCalibratorError extends Error {
  override readonly name = 'UnknownCalibratorError';
  readonly code = 'EUNKNOWN_CALIBRATOR';
}

/**
 * The calibrator called `query`: its IAU name ("2253+161", also "J2253+161") or its ALT.NAME
 * ("3C454.3"), case and spaces ignored. Throws UnknownCalibratorError listing the closest names
 * when there is no such calibrator, or the candidates when the name is shared (survey tags such as "JVAS").
 */
export function findVlaCalibrator(calibrators: readonly VlaCalibrator[], query: string): VlaCalibrator {
  const wanted = normalised(query).replace(/^J(?=\d{4}[+-])/, '');
  const matches = calibrators.filter((c) => normalised(c.name) === wanted || (c.altName !== undefined && normalised(c.altName) === wanted));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    throw new UnknownCalibratorError(`calibrator name "${query}" is ambiguous: ${matches.slice(0, 8).map((c) => c.name).join(', ')}${matches.length > 8 ? ', …' : ''}`);
  }
  const names = [...new Set(calibrators.flatMap((c) => (c.altName === undefined ? [c.name] : [c.name, c.altName])))];
  const closest = names
    .map((name) => ({ name, distance: editDistance(wanted, normalised(name)) }))
    .sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name))
    .slice(0, 5)
    .map((c) => c.name);
  throw new UnknownCalibratorError(`no VLA calibrator named "${query}"; closest: ${closest.join(', ')}`);
}

/**
 * Catalog rows from a table with named columns and units (HEASARC tdat, VizieR TSV/CSV/FITS): the
 * position, 1.4 GHz flux and shape columns are found by their usual names in NVSS and similar
 * catalogs, and converted by their units.
 */
import { CatalogFormatError, type CatalogSource, type ParsedCatalog } from './catalogSource.js';
import { isSexagesimal, parseSexagesimal } from './sexagesimal.js';

export interface TableColumn {
  readonly name: string;
  /** As the file gives it ("mJy", "degree", "h:m:s", "arcsec"); "" when it gives none. */
  readonly unit: string;
}

export interface TableRow {
  /** "file:line 12" or "file:row 3", for errors. */
  readonly where: string;
  /** One per column; "" for a null. */
  readonly cells: readonly string[];
}

export interface Table {
  readonly source: string;
  readonly columns: readonly TableColumn[];
  readonly rows: readonly TableRow[];
}

// Names in order of preference, lower case: HEASARC's NVSS table, VizieR VIII/65 (with its computed
// _RAJ2000/_DEJ2000 in degrees), and plain CSV exports.
const ROLES = {
  ra: ['ra', '_raj2000', 'raj2000', 'ra_deg', 'radeg', 'ra_j2000'],
  dec: ['dec', '_dej2000', 'dej2000', 'dec_deg', 'decdeg', 'dedeg', 'dec_j2000'],
  flux: ['flux_20_cm', 's1.4', 's1_4', 'flux_1400', 'catalog_flux_jy', 'flux_jy', 'flux_mjy', 'flux', 'total_flux'],
  fluxErr: ['flux_20_cm_error', 'e_s1.4', 'e_s1_4', 'flux_err_jy', 'flux_err_mjy', 'flux_error', 'e_flux'],
  major: ['major_axis', 'majaxis', 'maj'],
  minor: ['minor_axis', 'minaxis', 'min'],
  name: ['name', 'nvss', 'source_name', 'designation', 'id'],
} as const;
type Role = keyof typeof ROLES;

const FLUX_UNITS: Readonly<Record<string, number>> = { jy: 1, mjy: 1e-3, ujy: 1e-6 };
const AXIS_UNITS: Readonly<Record<string, number>> = { arcsec: 1, '"': 1, arcmin: 60, "'": 60, deg: 3600, degree: 3600, degrees: 3600 };
const DEGREE_UNITS = new Set(['', 'deg', 'degree', 'degrees']);

function normalisedUnit(unit: string): string {
  return unit.trim().replace(/^"(.*)"$/, '$1').toLowerCase();
}

function findColumn(columns: readonly TableColumn[], role: Role): number | undefined {
  const names = columns.map((c) => c.name.trim().toLowerCase());
  for (const alias of ROLES[role]) {
    const index = names.indexOf(alias);
    if (index >= 0) return index;
  }
  return undefined;
}

/** Jy per unit of a flux column: its unit, else a _jy/_mjy suffix of its name; never a guess. */
function fluxScale(table: Table, column: TableColumn): number {
  const unit = normalisedUnit(column.unit);
  const suffix = /_(m?jy)$/i.exec(column.name)?.[1]?.toLowerCase();
  const scale = FLUX_UNITS[unit === '' ? (suffix ?? '') : unit];
  if (scale === undefined) {
    throw new CatalogFormatError(`${table.source}: column ${column.name} has ${unit === '' ? 'no unit' : `the unit "${column.unit}"`}; a flux column needs Jy or mJy`);
  }
  return scale;
}

function axisScale(table: Table, column: TableColumn): number {
  // NVSS gives its axes in arcsec; a file without units means that.
  const unit = normalisedUnit(column.unit) || 'arcsec';
  const scale = AXIS_UNITS[unit];
  if (scale === undefined) throw new CatalogFormatError(`${table.source}: column ${column.name} has the unit "${column.unit}"; an axis needs arcsec, arcmin or deg`);
  return scale;
}

function angle(row: TableRow, column: TableColumn, cell: string, isRa: boolean): number {
  const unit = normalisedUnit(column.unit);
  let value: number | undefined;
  if (isSexagesimal(cell)) {
    value = parseSexagesimal(cell, isRa && !unit.startsWith('d'));
  } else if (DEGREE_UNITS.has(unit) && cell !== '') {
    value = Number(cell);
  } else if (isRa && (unit === 'h' || unit === 'hour' || unit === 'hours') && cell !== '') {
    value = 15 * Number(cell);
  }
  const [low, high] = isRa ? [0, 360] : [-90, 90];
  if (value === undefined || !Number.isFinite(value) || value < low || value > high) {
    throw new CatalogFormatError(`${row.where}: ${column.name} ${JSON.stringify(cell)} is not ${isRa ? 'a right ascension' : 'a declination'}`);
  }
  return value === 360 ? 0 : value;
}

function optionalNumber(row: TableRow, column: TableColumn, cell: string, scale: number): number | undefined {
  if (cell === '') return undefined;
  const value = Number(cell);
  if (!Number.isFinite(value)) throw new CatalogFormatError(`${row.where}: ${column.name} ${JSON.stringify(cell)} is not a number`);
  return value * scale;
}

export function sourcesFromTable(table: Table): ParsedCatalog {
  const index = Object.fromEntries(Object.keys(ROLES).map((role) => [role, findColumn(table.columns, role as Role)])) as Record<Role, number | undefined>;
  for (const role of ['ra', 'dec', 'flux'] as const) {
    if (index[role] === undefined) {
      throw new CatalogFormatError(`${table.source}: no ${role} column (looked for ${ROLES[role].join(', ')}; the file has ${table.columns.map((c) => c.name).join(', ')})`);
    }
  }
  const column = (role: Role) => (index[role] === undefined ? undefined : table.columns[index[role]]!);
  const scales = {
    flux: fluxScale(table, column('flux')!),
    fluxErr: column('fluxErr') ? fluxScale(table, column('fluxErr')!) : 1,
    major: column('major') ? axisScale(table, column('major')!) : 1,
    minor: column('minor') ? axisScale(table, column('minor')!) : 1,
  };
  const sources: CatalogSource[] = [];
  let skipped = 0;
  for (const row of table.rows) {
    if (row.cells.length !== table.columns.length) {
      throw new CatalogFormatError(`${row.where}: ${row.cells.length} fields, the header names ${table.columns.length}`);
    }
    const cell = (role: Role) => (index[role] === undefined ? '' : row.cells[index[role]]!.trim());
    const number = (role: 'flux' | 'fluxErr' | 'major' | 'minor') => (index[role] === undefined ? undefined : optionalNumber(row, column(role)!, cell(role), scales[role]));
    const raDeg = angle(row, column('ra')!, cell('ra'), true);
    const decDeg = angle(row, column('dec')!, cell('dec'), false);
    const fluxJy = number('flux');
    if (fluxJy === undefined) {
      skipped++;
      continue;
    }
    const [fluxErrJy, majorArcsec, minorArcsec] = [number('fluxErr'), number('major'), number('minor')];
    sources.push({
      name: cell('name') || `J${raDeg.toFixed(4)}${decDeg < 0 ? '' : '+'}${decDeg.toFixed(4)}`,
      raDeg,
      decDeg,
      fluxJy,
      ...(fluxErrJy !== undefined && { fluxErrJy }),
      ...(majorArcsec !== undefined && { majorArcsec }),
      ...(minorArcsec !== undefined && { minorArcsec }),
    });
  }
  return { sources, skipped };
}

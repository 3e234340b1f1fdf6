/** A catalog as a FITS table (VizieR's FITS output), read with cfitsio in the native core. */
import { fitsReadTable } from '../../../native/index.js';
import { CatalogFormatError } from './catalogSource.js';
import type { Table } from './tableSources.js';

export async function readFitsTable(path: string): Promise<Table> {
  const fits = await fitsReadTable(path);
  if (fits.columns.length === 0) throw new CatalogFormatError(`${path}: the table in HDU ${fits.hdu} has no scalar columns`);
  const cellsOf = fits.columns.map((column): ((row: number) => string) => {
    if (column.strings) return (row) => column.strings![row]!;
    const numbers = column.numbers!;
    return (row) => (Number.isNaN(numbers[row]!) ? '' : String(numbers[row]));
  });
  return {
    source: path,
    columns: fits.columns.map(({ name, unit }) => ({ name, unit })),
    rows: Array.from({ length: fits.rows }, (_, row) => ({ where: `${path}: HDU ${fits.hdu} row ${row + 1}`, cells: cellsOf.map((cell) => cell(row)) })),
  };
}

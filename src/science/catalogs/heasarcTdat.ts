/**
 * HEASARC's tdat text format (the NVSS as HEASARC distributes it, `heasarc_nvss.tdat[.gz]`): a
 * header of `key = value` lines with `field[name] = type[:format][_unit] [ucd] // comment` per
 * column and `line[1] = name name …` giving the field order, then `<DATA>`, one `|`-separated
 * record per line (with a trailing `|`), and `<END>`.
 */
import { CatalogFormatError } from './catalogSource.js';
import { parseDelimited } from './delimited.js';
import type { Table, TableColumn } from './tableSources.js';

const FIELD = /^field\[([^\]]+)\]\s*=\s*(\S+)/;
const LINE = /^line\[(\d+)\]\s*=\s*(.*)$/;

export function parseHeasarcTdat(text: string, source: string): Table {
  const lines = text.split(/\r?\n/);
  const units = new Map<string, string>();
  let order: string[] | undefined;
  const dataStart = lines.findIndex((l) => l.trim() === '<DATA>');
  if (dataStart < 0) throw new CatalogFormatError(`${source}: no <DATA> line: not a HEASARC tdat file`);
  lines.slice(0, dataStart).forEach((raw, i) => {
    const line = raw.trim();
    const field = FIELD.exec(line);
    if (field) {
      // The type token is e.g. "float8:.4f_degree" or "char18": the unit follows the first "_".
      const type = field[2]!;
      units.set(field[1]!, type.includes('_') ? type.slice(type.indexOf('_') + 1) : '');
      return;
    }
    const layout = LINE.exec(line);
    if (layout) {
      if (layout[1] !== '1') throw new CatalogFormatError(`${source}:${i + 1}: records over several lines (line[${layout[1]}]) are not supported`);
      order = layout[2]!.trim().split(/\s+/);
    }
  });
  if (!order) throw new CatalogFormatError(`${source}: no line[1] = … header line giving the field order`);
  const columns: TableColumn[] = order.map((name) => {
    const unit = units.get(name);
    if (unit === undefined) throw new CatalogFormatError(`${source}: line[1] names ${name}, which no field[${name}] line defines`);
    return { name, unit };
  });
  const end = lines.findIndex((l, i) => i > dataStart && l.trim() === '<END>');
  if (end < 0) throw new CatalogFormatError(`${source}: no <END> line after <DATA>: the file is truncated`);
  const rows = parseDelimited(lines.slice(dataStart + 1, end), dataStart + 2, source, { delimiter: '|', quote: false }).map(({ line, cells }) => ({
    where: `${source}:${line}`,
    cells: cells.at(-1) === '' ? cells.slice(0, -1) : cells, // every record ends with a '|'
  }));
  return { source, columns, rows };
}

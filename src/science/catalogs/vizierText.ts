/**
 * VizieR's text outputs and plain CSV: `#` comment lines, a line of column names, then (VizieR) a
 * line of units and a line of dashes, then the rows. TSV is tab-separated; CSV comma-separated
 * with quoting. Without the dashes line there is no units line.
 */
import { CatalogFormatError } from './catalogSource.js';
import { parseDelimited } from './delimited.js';
import type { Table } from './tableSources.js';

const DASHES = /^-*$/;

export function parseVizierText(text: string, source: string, delimiter: '\t' | ','): Table {
  const lines = text.split(/\r?\n/);
  const first = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('#'));
  if (first < 0) throw new CatalogFormatError(`${source}: no header line (every line is empty or a # comment)`);
  const body = lines.slice(first).map((l) => (l.startsWith('#') ? '' : l));
  const parsed = parseDelimited(body, first + 1, source, { delimiter, quote: delimiter === ',' });
  const [header, second, third] = parsed;
  const isDashes = (row: { cells: string[] } | undefined) => row !== undefined && row.cells.every((c) => DASHES.test(c.trim()));
  const unitsRow = isDashes(third) ? second : undefined;
  const skip = unitsRow ? 3 : isDashes(second) ? 2 : 1;
  const names = header!.cells.map((c) => c.trim());
  return {
    source,
    columns: names.map((name, i) => ({ name, unit: unitsRow?.cells[i]?.trim() ?? '' })),
    rows: parsed.slice(skip).map(({ line, cells }) => ({ where: `${source}:${line}`, cells })),
  };
}

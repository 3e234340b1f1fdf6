/** Delimited text rows through csv-parse, each with the file line it came from. */
import { parse } from 'csv-parse/sync';
import { CatalogFormatError } from './catalogSource.js';

export interface DelimitedLine {
  /** 1-based line in the whole file. */
  readonly line: number;
  readonly cells: string[];
}

/**
 * Splits `lines` (a slice of the file starting at 1-based line `firstLine`) on `delimiter`, with
 * CSV quoting (csv-parse) when `quote`; formats without quoting (HEASARC tdat, VizieR TSV) are a
 * plain split, several times faster on a full NVSS. Empty lines are dropped. A trailing empty
 * cell from a line-final delimiter (HEASARC's style) is kept.
 */
export function parseDelimited(lines: readonly string[], firstLine: number, source: string, options: { delimiter: string; quote: boolean }): DelimitedLine[] {
  if (!options.quote) {
    return lines.flatMap((line, i) => (line.trim() === '' ? [] : [{ line: firstLine + i, cells: line.split(options.delimiter) }]));
  }
  try {
    const records = parse(lines.join('\n'), {
      delimiter: options.delimiter,
      quote: options.quote ? '"' : false,
      relax_column_count: true,
      skip_empty_lines: true,
      info: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
    return records.map(({ record, info }) => ({ line: firstLine + info.lines - 1, cells: record }));
  } catch (error) {
    const where = (error as { lines?: number }).lines;
    throw new CatalogFormatError(`${source}${where === undefined ? '' : `:${firstLine + where - 1}`}: ${(error as Error).message}`, { cause: error });
  }
}

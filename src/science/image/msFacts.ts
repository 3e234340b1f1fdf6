/**
 * What imaging and QA need to know about a MeasurementSet, asked of casacore's TaQL (the `taql`
 * tool of casacore-tools): the longest baseline, the frequencies, and what the radiometer
 * equation needs (unflagged cross-correlation samples, channel width, integration time).
 */
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { ImageError } from './errors.js';

const run = promisify(execFile);

/** What sets the image cell: the longest baseline and the highest frequency. */
export interface MsGeometry {
  /** Longest projected baseline √(u² + v²) of a cross-correlation, m. */
  readonly maxBaselineM: number;
  readonly minFreqHz: number;
  readonly maxFreqHz: number;
}

/** What the radiometer equation needs, and the geometry. */
export interface MsFacts extends MsGeometry {
  readonly channelWidthHz: number;
  /** Mean EXPOSURE of a cross-correlation row, s. */
  readonly integrationS: number;
  /** Unflagged cross-correlation samples (row × channel × correlation). */
  readonly unflaggedCrossSamples: number;
}

/** A TaQL table name: the quoted path, then `::SUBTABLE`. */
function tableName(path: string, subtable?: string): string {
  const quoted = `'${path.replaceAll("'", "\\'")}'`;
  return subtable ? `${quoted}::${subtable}` : quoted;
}

async function taqlNumber(msPath: string, query: string): Promise<number> {
  let output: string;
  try {
    const { stdout, stderr } = await run('taql', ['-nopr', '-noph', query], { maxBuffer: 1 << 20 });
    output = `${stdout}\n${stderr}`;
  } catch (cause) {
    throw new ImageError('bad-input', `taql could not read ${msPath}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  // taql exits 0 even when the query fails, so its text decides.
  if (/^\s*Error/m.test(output)) {
    const reason = output.split('\n').map((l) => l.trim()).filter((l) => l.length > 0).slice(-1)[0] ?? output;
    throw new ImageError('bad-input', `cannot read ${msPath}: ${reason}`);
  }
  const last = output.trim().split('\n').pop() ?? '';
  const value = Number(last.trim());
  if (!Number.isFinite(value)) throw new ImageError('bad-input', `cannot read ${msPath}: taql answered "${last}" to ${query}`);
  return value;
}

async function requireMs(msPath: string): Promise<void> {
  const info = await stat(msPath).catch((cause: unknown) => {
    throw new ImageError('bad-input', `MeasurementSet ${msPath} does not exist`, { cause });
  });
  if (!info.isDirectory()) throw new ImageError('bad-input', `${msPath} is not a MeasurementSet (not a directory)`);
}

const crossRows = (msPath: string) => `from ${tableName(msPath)} where ANTENNA1 != ANTENNA2`;

export async function measurementSetGeometry(msPath: string): Promise<MsGeometry> {
  await requireMs(msPath);
  const spw = tableName(msPath, 'SPECTRAL_WINDOW');
  // Sequential: the queries are small and each opens the MS read-only.
  // UVW (metres) is the same in every spectral window: one window's rows suffice, a sixteenth of the scan.
  const maxBaselineM = await taqlNumber(msPath, `calc max([select max(sqrt(sumsqr(UVW[0:2]))) ${crossRows(msPath)} and DATA_DESC_ID == 0])`);
  const minFreqHz = await taqlNumber(msPath, `calc min([select min(CHAN_FREQ) from ${spw}])`);
  const maxFreqHz = await taqlNumber(msPath, `calc max([select max(CHAN_FREQ) from ${spw}])`);
  if (!(maxBaselineM > 0)) throw new ImageError('bad-input', `${msPath} has no cross-correlation with a non-zero baseline`);
  return { maxBaselineM, minFreqHz, maxFreqHz };
}

/** The geometry and the noise facts; reads the whole FLAG column. */
export async function measurementSetFacts(msPath: string): Promise<MsFacts> {
  const geometry = await measurementSetGeometry(msPath);
  const channelWidthHz = await taqlNumber(msPath, `calc mean([select mean(abs(CHAN_WIDTH)) from ${tableName(msPath, 'SPECTRAL_WINDOW')}])`);
  const integrationS = await taqlNumber(msPath, `calc mean([select EXPOSURE ${crossRows(msPath)}])`);
  const unflaggedCrossSamples = await taqlNumber(msPath, `calc sum([select ntrue(!FLAG) ${crossRows(msPath)}])`);
  return { ...geometry, channelWidthHz, integrationS, unflaggedCrossSamples };
}

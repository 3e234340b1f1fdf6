/**
 * Stage 4a on one MeasurementSet: clear FLAG, let AOFlagger flag RFI in the cross-correlations,
 * flag exact-zero visibilities (dead antennas, lost packets) and every autocorrelation, then
 * count the flags per antenna and per channel.
 *
 * The zero and autocorrelation flags are set after AOFlagger, not before, because AOFlagger's
 * strategies begin by clearing the flags of what they process (generic-default.lua:
 * exclude_original_flags = false → input:clear_mask()).
 */
import { msFlagPass, type FlagCounts } from '../../../native/index.js';
import { runAoflagger, type AoflaggerOptions } from './aoflagger.js';

export interface FlagSummary {
  readonly msPath: string;
  readonly flaggedFraction: number;
  /** Antennas with data (ANTENNA names) and the flagged fraction of their samples. */
  readonly antennas: readonly string[];
  readonly perAntenna: readonly number[];
  /** Every channel of every SPW, SPW after SPW (ascending frequency in a contimg MS). */
  readonly perChannel: readonly number[];
  /** Fractions of all samples that are exact zeros and autocorrelations. */
  readonly zeroFraction: number;
  readonly autoFraction: number;
  readonly seconds: { readonly reset: number; readonly aoflagger: number; readonly zerosAndAutos: number };
}

export interface FlagOptions {
  readonly aoflagger?: AoflaggerOptions;
  /** Called after each step with the fraction done. */
  readonly progress?: (fraction: number, message: string) => void;
}

/** The flag fractions of a flag pass's counts. */
export function flagFractions(counts: FlagCounts): Pick<FlagSummary, 'flaggedFraction' | 'antennas' | 'perAntenna' | 'perChannel' | 'zeroFraction' | 'autoFraction'> {
  const present = counts.antennaNames.flatMap((name, i) => (counts.antennaTotal[i]! > 0 ? [{ name, fraction: counts.antennaFlagged[i]! / counts.antennaTotal[i]! }] : []));
  const total = Math.max(counts.totalSamples, 1);
  return {
    flaggedFraction: counts.flaggedSamples / total,
    antennas: present.map((a) => a.name),
    perAntenna: present.map((a) => a.fraction),
    perChannel: Array.from(counts.channelFlagged, (flagged, c) => (counts.channelTotal[c]! > 0 ? flagged / counts.channelTotal[c]! : 1)),
    zeroFraction: counts.zeroSamples / total,
    autoFraction: counts.autoSamples / total,
  };
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await work();
  return [result, (performance.now() - start) / 1000];
}

export async function flagMeasurementSet(msPath: string, options: FlagOptions = {}): Promise<FlagSummary> {
  const progress = options.progress ?? (() => undefined);
  const [, reset] = await timed(() => msFlagPass(msPath, { reset: true, zeros: false, autos: false }));
  progress(0.1, 'flags cleared');
  options.aoflagger?.signal?.throwIfAborted();
  const [, aoflagger] = await timed(() => runAoflagger(msPath, options.aoflagger));
  progress(0.9, 'AOFlagger done');
  const [counts, zerosAndAutos] = await timed(() => msFlagPass(msPath, { reset: false, zeros: true, autos: true }));
  progress(1, 'zeros and autocorrelations flagged');
  return { msPath, ...flagFractions(counts), seconds: { reset, aoflagger, zerosAndAutos } };
}

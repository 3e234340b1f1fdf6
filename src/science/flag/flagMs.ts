/**
 * Stage 4a on one MeasurementSet, in one native pass: FLAG starts clear, AOFlagger (its library,
 * with a Lua strategy) flags RFI in every cross-correlation baseline and SPW, then exact-zero
 * visibilities (dead antennas, lost packets) and every autocorrelation are flagged, and the flags
 * are counted per antenna and per channel.
 *
 * AOFlagger runs as a library inside the pass rather than as the `aoflagger` program between two
 * passes: the program spent most of its time reading the MS into memory, writing FLAG back and
 * writing statistics, while the pass reads DATA once and writes FLAG once (bench/flag.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { msFlagPass, type FlagCounts } from '../../../native/index.js';
import { packageRoot } from '../../../native/packageRoot.js';

/** contimg's DSA-110 strategy (strategies/dsa110.lua: why it differs from AOFlagger's generic one). */
export const DSA110_STRATEGY = join(packageRoot(), 'src', 'science', 'flag', 'strategies', 'dsa110.lua');

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
  /** Wall time of reading DATA, AOFlagger, and flagging zeros and autocorrelations, counting and writing FLAG. */
  readonly seconds: FlagCounts['seconds'];
}

export interface FlagOptions {
  /** AOFlagger Lua strategy file (default DSA110_STRATEGY). */
  readonly strategy?: string;
  /** AOFlagger threads; 0 (default): every core. */
  readonly threads?: number;
}

/** A strategy file that does not exist: bad configuration, not a passing failure. */
export class FlagStrategyError extends Error {
  override readonly name = 'FlagStrategyError';
  readonly code = 'EFLAGSTRATEGY';
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

export async function flagMeasurementSet(msPath: string, options: FlagOptions = {}): Promise<FlagSummary> {
  const strategy = options.strategy ?? DSA110_STRATEGY;
  if (!existsSync(strategy)) throw new FlagStrategyError(`AOFlagger strategy ${strategy} does not exist`);
  const counts = await msFlagPass(msPath, { reset: true, zeros: true, autos: true, aoflagger: { strategy, threads: options.threads ?? 0 } });
  return { msPath, ...flagFractions(counts), seconds: counts.seconds };
}

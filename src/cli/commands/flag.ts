/** `contimg flag X.ms`: stage 4a on one MeasurementSet, outside the pipeline. */
import { flagMeasurementSet, type FlagSummary } from '../../science/flag/flagMs.js';

export async function flagCommand(ms: string, options: { strategy?: string; threads?: number; json?: boolean }): Promise<FlagSummary> {
  const summary = await flagMeasurementSet(ms, { ...(options.strategy !== undefined && { strategy: options.strategy }), ...(options.threads !== undefined && { threads: options.threads }) });
  if (options.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  }
  const pct = (f: number) => `${(100 * f).toFixed(2)} %`;
  const worstChannels = summary.perChannel
    .map((fraction, channel) => ({ channel, fraction }))
    .sort((a, b) => b.fraction - a.fraction)
    .slice(0, 5);
  process.stdout.write(
    `${ms}: ${pct(summary.flaggedFraction)} flagged (exact zeros ${pct(summary.zeroFraction)}, autocorrelations ${pct(summary.autoFraction)}); ` +
      `read ${summary.seconds.read.toFixed(2)} s, AOFlagger ${summary.seconds.aoflagger.toFixed(2)} s, zeros, autocorrelations and write ${summary.seconds.write.toFixed(2)} s\n` +
      `  per antenna: ${summary.antennas.map((name, i) => `${name} ${pct(summary.perAntenna[i]!)}`).join(', ')}\n` +
      `  most flagged channels: ${worstChannels.map((c) => `${c.channel} ${pct(c.fraction)}`).join(', ')}\n`,
  );
  return summary;
}

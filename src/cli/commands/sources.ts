import type { Config } from '../../config/config.js';
import { findSources, type SourceFinding } from '../../science/sources/index.js';
import { sourceFinderOptions } from '../../stages/crossmatch.js';

/** `contimg sources IMAGE.fits [--json]`: the sources of one image, brightest first. */
export async function sourcesCommand(imagePath: string, options: { json?: boolean }, config: Config): Promise<SourceFinding> {
  const finderOptions = sourceFinderOptions(config);
  const finding = await findSources(imagePath, finderOptions);
  // A typed array sorts numerically, and fast: a full-size image has ~10⁷ pixels.
  const finite = finding.rms.filter(Number.isFinite).sort();
  const rms = finite[finite.length >> 1] ?? NaN;
  if (options.json) {
    const { image, nx, ny, beam, islands, sources } = finding;
    process.stdout.write(`${JSON.stringify({ image, nx, ny, beam, ...finderOptions, medianRmsJy: rms, islands, sources }, null, 2)}\n`);
    return finding;
  }
  const { beam } = finding;
  const lines = [
    `${imagePath}: ${finding.nx} × ${finding.ny} px, beam ${beam.majorArcsec.toFixed(1)}″ × ${beam.minorArcsec.toFixed(1)}″ (PA ${beam.paDeg.toFixed(0)}°), ` +
      `median local rms ${(1e3 * rms).toFixed(3)} mJy/beam; ${finding.sources.length} sources in ${finding.islands} islands (seed ${finderOptions.seedSigma} σ, flood ${finderOptions.floodSigma} σ)`,
    `${'RA (deg)'.padStart(11)} ${'Dec (deg)'.padStart(10)} ${'±RA″'.padStart(6)} ${'±Dec″'.padStart(6)} ${'peak mJy/b'.padStart(18)} ${'int mJy'.padStart(18)} ${'maj″'.padStart(6)} ${'min″'.padStart(6)} ${'PA°'.padStart(5)} ${'S/N'.padStart(7)}`,
    ...finding.sources.map(
      (s) =>
        `${s.raDeg.toFixed(5).padStart(11)} ${s.decDeg.toFixed(5).padStart(10)} ${s.raErrArcsec.toFixed(2).padStart(6)} ${s.decErrArcsec.toFixed(2).padStart(6)} ` +
        `${`${(1e3 * s.peakJy).toFixed(2)} ± ${(1e3 * s.peakErrJy).toFixed(2)}`.padStart(18)} ${`${(1e3 * s.intFluxJy).toFixed(2)} ± ${(1e3 * s.intFluxErrJy).toFixed(2)}`.padStart(18)} ` +
        `${s.majorArcsec.toFixed(1).padStart(6)} ${s.minorArcsec.toFixed(1).padStart(6)} ${s.paDeg.toFixed(0).padStart(5)} ${s.snr.toFixed(1).padStart(7)}${s.fitted ? '' : '  (fit failed: peak pixel)'}`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return finding;
}

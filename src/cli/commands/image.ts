import { basename } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import { dataPaths } from '../../config/paths.js';
import { assessImage, imageMs, measurementSetFacts, type Assessment, type ImageResult } from '../../science/image/index.js';
import { imagingSettings } from '../../stages/image.js';
import { qaThresholds } from '../../stages/validate.js';

export interface ImageCommandOptions {
  quick?: boolean;
  out?: string;
  id?: string;
  json?: boolean;
}

/** `contimg image X.ms [--quick] [--out DIR]`: image one MeasurementSet with WSClean, then grade the image. */
export async function imageCommand(msPath: string, options: ImageCommandOptions, config: Config, log: Logger): Promise<{ image: ImageResult; qa: Assessment }> {
  const mode = options.quick ? 'quick' : 'full';
  const imageId = options.id ?? `${basename(msPath).replace(/\.ms\/?$/i, '')}.${mode}`;
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  let lastMessage = '';
  try {
    const image = await imageMs(msPath, {
      mode,
      imageId,
      imagesDir: options.out ?? dataPaths(config.dataDir).images,
      settings: imagingSettings(config),
      signal: abort.signal,
      onProgress: (fraction, message) => {
        if (message === lastMessage) return;
        lastMessage = message;
        process.stderr.write(`image: ${(100 * fraction).toFixed(0).padStart(3)} % ${message}\n`);
      },
    });
    const qa = await assessImage(image.products.image, await measurementSetFacts(msPath), qaThresholds(config), image.dir);
    log.debug({ imageId, wscleanSeconds: image.wscleanSeconds, totalSeconds: image.totalSeconds }, 'imaged');
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ image, qa: { ...qa.verdict, ...qa.metrics, artifacts: qa.artifacts } }, null, 2)}\n`);
    } else {
      const m = qa.metrics;
      process.stdout.write(
        `${image.dir}: ${image.mode} image ${image.sizePx}² px of ${image.cellArcsec}″ at ${(image.frequencyHz / 1e6).toFixed(3)} MHz, ` +
          `beam ${image.beam.majorArcsec.toFixed(1)}″ × ${image.beam.minorArcsec.toFixed(1)}″ (PA ${image.beam.paDeg.toFixed(0)}°)\n` +
          `  grade ${qa.verdict.grade}${qa.verdict.issues.length > 0 ? ` (${qa.verdict.issues.join('; ')})` : ''}\n` +
          `  rms ${(1e3 * m.sourceFreeRmsJy).toFixed(3)} mJy (robust ${(1e3 * m.robustRmsJy).toFixed(3)}, thermal ${(1e3 * m.thermalNoiseJy).toFixed(3)}, ratio ${m.noiseRatio.toFixed(2)}), ` +
          `peak ${(1e3 * m.peakJy).toFixed(1)} mJy, dynamic range ${m.dynamicRange.toFixed(0)}, ${m.sources.length} sources > 5σ\n` +
          `  WSClean ${image.wscleanSeconds.toFixed(1)} s of ${image.totalSeconds.toFixed(1)} s; products ${Object.keys(image.products).join(', ')}, qa.json, thumbnail.png\n`,
      );
    }
    return { image, qa };
  } finally {
    process.off('SIGINT', stop);
  }
}

/**
 * Stage 5: the group's calibrated MeasurementSet (CORRECTED_DATA) becomes `images/<imageId>/`:
 * WSClean's image, residual, psf and model, the primary beam and the corrected image, the log.
 * The mode is `image.mode`, or quick while the pipeline is degraded (a long backlog).
 */
import type { Config } from '../config/config.js';
import { ImageError, imageMs, type ImageMode, type ImagingSettings } from '../science/image/index.js';
import { lastOfType, StageError, type StageDefinition } from './stage.js';

export function imagingSettings(config: Config): ImagingSettings {
  return {
    fieldDeg: config['image.fieldDeg'],
    pixelsPerBeam: config['image.pixelsPerBeam'],
    niter: config['image.niter'],
    quickSizePx: config['image.quickSizePx'],
    quickNiter: config['image.quickNiter'],
    quickMajorCycles: config['image.quickMajorCycles'],
    quickGridderAccuracy: config['image.quickGridderAccuracy'],
    robust: config['image.robust'],
    minUvLambda: config['image.minUvLambda'],
    autoMask: config['image.autoMask'],
    autoThreshold: config['image.autoThreshold'],
    mgain: config['image.mgain'],
    threads: config['image.threads'],
    timeoutSeconds: config['image.timeoutSeconds'],
    pbCutoff: config['image.pbCutoff'],
    maxSmearingLoss: config['image.maxSmearingLoss'],
  };
}

/** One image per group and mode, so a rerun replaces it. */
export const imageIdFor = (groupId: string, mode: ImageMode) => `${groupId}.${mode}`;

export function stageErrorOf(error: unknown, fallbackCode: string): StageError {
  if (error instanceof StageError) return error;
  if (error instanceof ImageError) return new StageError(error.message, error.code, error.retryable, { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  return new StageError(message, (error as { code?: string }).code ?? fallbackCode, true, { cause: error });
}

export const imageStage: StageDefinition = {
  stage: 'image',
  async run(context) {
    const { groupId, config } = context;
    const ms = lastOfType(context.history, 'MsWritten');
    if (!ms) throw new StageError(`group ${groupId} has no MeasurementSet (no MsWritten event): convert it first`, 'missing-ms', false);
    const mode = context.degraded ? 'quick' : config['image.mode'];
    try {
      const result = await imageMs(ms.payload.msPath, {
        mode,
        imageId: imageIdFor(groupId, mode),
        imagesDir: context.paths.images,
        settings: imagingSettings(config),
        groupId,
        signal: context.signal,
        onProgress: (fraction, message) => context.progress(fraction, message),
      });
      context.logger.info({ groupId, imageId: result.imageId, sizePx: result.sizePx, cellArcsec: result.cellArcsec, wscleanSeconds: result.wscleanSeconds, totalSeconds: result.totalSeconds }, 'image written');
      return [
        {
          type: 'ImageWritten',
          payload: { groupId, imageId: result.imageId, mode, products: result.products, sizePx: result.sizePx, cellArcsec: result.cellArcsec, beam: result.beam },
        },
      ];
    } catch (error) {
      throw stageErrorOf(error, 'image-failed');
    }
  },
};

/**
 * Stage 6, image QA: measures the group's latest image (noise, peak, dynamic range, detections,
 * noise against the radiometer equation), grades it, and writes the QA JSON and a thumbnail
 * beside the image.
 */
import { dirname } from 'node:path';
import type { Config } from '../config/config.js';
import { assessImage, measurementSetFacts, type QaThresholds } from '../science/image/index.js';
import { stageErrorOf } from './image.js';
import { lastOfType, StageError, type StageDefinition } from './stage.js';

export function qaThresholds(config: Config): QaThresholds {
  return {
    warnDynamicRange: config['qa.warnDynamicRange'],
    badDynamicRange: config['qa.badDynamicRange'],
    warnNoiseRatio: config['qa.warnNoiseRatio'],
    badNoiseRatio: config['qa.badNoiseRatio'],
  };
}

/** The optional number fields of ImageQaMeasured hold only finite values. */
const finiteOrAbsent = (value: number) => (Number.isFinite(value) ? value : undefined);

export const validateStage: StageDefinition = {
  stage: 'validate',
  async run(context) {
    const { groupId } = context;
    const image = lastOfType(context.history, 'ImageWritten');
    const ms = lastOfType(context.history, 'MsWritten');
    if (!image || !ms) throw new StageError(`group ${groupId} has no image to assess (no ImageWritten or MsWritten event)`, 'missing-image', false);
    const imagePath = image.payload.products['image'];
    if (!imagePath) throw new StageError(`image ${image.payload.imageId} lists no 'image' product`, 'missing-image', false);
    try {
      const facts = await measurementSetFacts(ms.payload.msPath);
      const { metrics, verdict, artifacts } = await assessImage(imagePath, facts, qaThresholds(context.config), dirname(imagePath));
      if (!Number.isFinite(metrics.sourceFreeRmsJy) || !Number.isFinite(metrics.peakJy)) {
        throw new StageError(`${imagePath} has no finite pixels to measure`, 'invalid-image', false);
      }
      const thermalNoiseJy = finiteOrAbsent(metrics.thermalNoiseJy);
      const noiseRatio = finiteOrAbsent(metrics.noiseRatio);
      return [
        {
          type: 'ImageQaMeasured',
          payload: {
            groupId,
            imageId: image.payload.imageId,
            rmsJy: metrics.sourceFreeRmsJy,
            peakJy: metrics.peakJy,
            dynamicRange: metrics.dynamicRange,
            beam: metrics.beam,
            sourceCount: metrics.sources.length,
            grade: verdict.grade,
            issues: [...verdict.issues],
            robustRmsJy: metrics.robustRmsJy,
            ...(thermalNoiseJy === undefined ? {} : { thermalNoiseJy }),
            ...(noiseRatio === undefined ? {} : { noiseRatio }),
            artifacts,
          },
        },
      ];
    } catch (error) {
      throw stageErrorOf(error, 'validate-failed');
    }
  },
};

import { applyStage, type CaltableSelector } from './apply.js';
import { convertStage } from './convert.js';
import { crossmatchStage } from './crossmatch.js';
import { flagStage } from './flag.js';
import { imageStage } from './image.js';
import { mosaicStage, type PendingMosaics } from './mosaic.js';
import { photometryStage } from './photometry.js';
import { solveStage } from './solve.js';
import type { StageDefinition } from './stage.js';
import { validateStage } from './validate.js';

/**
 * The processing stages of a group, in the order `contimg run` runs them, keeping those named in
 * `only` (the `process.stages` setting). What the stages need of the read models comes from the
 * pipeline: `selectCaltables` chooses what the apply stage applies (the calibration registry), and
 * `pendingMosaics` which mosaics a tile completes.
 */
export function pipelineStages(readModels: { selectCaltables: CaltableSelector; pendingMosaics: PendingMosaics }, only: readonly string[]): readonly StageDefinition[] {
  const all = [convertStage, flagStage, solveStage, applyStage(readModels.selectCaltables), imageStage, validateStage, crossmatchStage, photometryStage, mosaicStage(readModels.pendingMosaics)];
  const unknown = only.filter((name) => !all.some((s) => s.stage === name));
  if (unknown.length > 0) throw new Error(`process.stages: unknown stage(s) ${unknown.join(', ')} (known: ${all.map((s) => s.stage).join(', ')})`);
  return all.filter((s) => only.includes(s.stage));
}

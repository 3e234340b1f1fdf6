import { applyStage, type CaltableSelector } from './apply.js';
import { convertStage } from './convert.js';
import { flagStage } from './flag.js';
import { imageStage } from './image.js';
import { solveStage } from './solve.js';
import type { StageDefinition } from './stage.js';
import { validateStage } from './validate.js';

/**
 * The processing stages of a group, in the order `contimg run` runs them, keeping those named in
 * `only` (the `process.stages` setting). `selectCaltables` chooses what the apply stage applies
 * (the calibration registry, in the pipeline).
 */
export function pipelineStages(selectCaltables: CaltableSelector, only: readonly string[]): readonly StageDefinition[] {
  const all = [convertStage, flagStage, solveStage, applyStage(selectCaltables), imageStage, validateStage];
  const unknown = only.filter((name) => !all.some((s) => s.stage === name));
  if (unknown.length > 0) throw new Error(`process.stages: unknown stage(s) ${unknown.join(', ')} (known: ${all.map((s) => s.stage).join(', ')})`);
  return all.filter((s) => only.includes(s.stage));
}

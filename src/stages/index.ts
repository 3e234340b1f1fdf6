import { convertStage } from './convert.js';
import type { StageDefinition } from './stage.js';

/** The processing stages of a group, in the order `contimg run` runs them. */
export const PIPELINE: readonly StageDefinition[] = [convertStage];

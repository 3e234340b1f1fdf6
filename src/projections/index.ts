import { calibrationRegistry } from './calibrationRegistry.js';
import { groupQueue } from './groupQueue.js';
import { mosaicCatalog } from './mosaics.js';
import { photometry } from './photometry.js';
import { imageCatalog, msIndex } from './products.js';
import type { Projection } from './projection.js';
import { sources } from './sources.js';
import { stageMetrics } from './stageMetrics.js';
import { stageStatus } from './stageStatus.js';
import { subbandFiles } from './subbandFiles.js';

/** Every read model the pipeline keeps. */
export const ALL_PROJECTIONS: readonly Projection[] = [groupQueue, subbandFiles, stageStatus, stageMetrics, msIndex, imageCatalog, calibrationRegistry, photometry, sources, mosaicCatalog];

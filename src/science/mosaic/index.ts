export { MosaicError, type MosaicErrorCode } from './errors.js';
export { buildMosaic, type MosaicInput, type MosaicOptions, type MosaicProducts, type MosaicResult } from './mosaic.js';
export type { MosaicQa } from './qa.js';
export { completeWindows, DEC_TOLERANCE_DEG, MOSAIC_STRIDE, mosaicIdOf, slotOf, slotTimeMs, stripOf, TILES_PER_MOSAIC, type MosaicWindow, type Tile } from './windows.js';

export { measureForced, type ForcedMeasurement, type ImagePlane, type PixelBeam } from './forcedPhotometry.js';
export { forcedPhotometry, loadPhotometryImage, type PhotometryImage, type PhotometryTarget, type TargetMeasurement } from './photometryImage.js';
export { baselineOf, clippedMedian, DEFAULT_ENSEMBLE, ensembleCorrector, normalise, type Baseline, type Correction, type EnsembleOptions, type ReferenceRatio } from './ensemble.js';

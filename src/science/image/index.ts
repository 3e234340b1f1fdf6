export { assessImage, type Assessment } from './assessImage.js';
export { ImageError, type ImageErrorCode } from './errors.js';
export { imageMs, planImage, PRODUCTS, wscleanArgs, type ImageMode, type ImageOptions, type ImagePlan, type ImageResult, type ImagingSettings, type ProductName } from './imageMs.js';
export { measurementSetFacts, measurementSetGeometry, type MsFacts, type MsGeometry } from './msFacts.js';
export { beamSamplingOf, primaryBeamCorrect, primaryBeamImage, type BeamSampling } from './primaryBeam.js';
export { gradeQa, measureQa, thermalNoiseJy, type QaMetrics, type QaThresholds, type QaVerdict } from './qa.js';
export { thumbnailPng } from './thumbnail.js';

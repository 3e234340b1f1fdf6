export { condonErrors, type FitErrors, type FitForErrors } from './condonErrors.js';
export { crossMatch, median, robustSpread, type CrossMatchResult, type CrossMatchThresholds, type FieldSource, type RobustSpread, type SourceMatch } from './crossMatch.js';
export { SourceFinderError, type SourceFinderErrorCode } from './errors.js';
export { findSources, findSourcesInImage, type Beam, type DetectedSource, type SourceFinderOptions, type SourceFinding } from './findSources.js';
export { imageCone, rmsAt, type ImageCone } from './imageField.js';

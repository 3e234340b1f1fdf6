export { Uvh5Error, type Uvh5ErrorCode } from './errors.js';
export {
  checkHeader,
  DATA_FIELDS,
  DIMENSIONS,
  FIELDS,
  pointingDecRad,
  type Axis,
  type Dimension,
  type FieldName,
  type FieldSpec,
  type Keywords,
  type KeywordValue,
  type Uvh5Header,
} from './model.js';
export { openUvh5, readBlocks, readHeader, Uvh5File, type BlockOptions, type VisibilityBlock } from './reader.js';

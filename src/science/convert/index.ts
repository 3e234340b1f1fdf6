export { convertGroup, removeConversionLeftovers, REQUIRED_COLUMNS, type ConvertOptions, type ConvertResult } from './convert.js';
export { ConvertError, type ConvertErrorCode } from './errors.js';
export { planConversion, planFromHeaders, type ConversionPlan, type SubbandPlan } from './plan.js';

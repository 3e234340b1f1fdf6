export * from './calibrate.js';
export * from './errors.js';
export * from './qaPlots.js';
export * from './skyModel.js';

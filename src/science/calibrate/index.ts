export * from './calibrate.js';
export * from './errors.js';
export * from './skyModel.js';

export { MIN_EPOCHS, variabilityFlags, variabilityStats, type Epoch, type VariabilityStats, type VariabilityThresholds } from './statistics.js';

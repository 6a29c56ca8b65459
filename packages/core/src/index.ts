export * from './errors.js';
export { formatValue } from './format_value.js';
export type { IdBatch } from './id_batch.js';
export * from './rng.js';
export * from './metrics.js';
export * from './backend.js';
export * from './bundle.js';
export { controlCharacterIn, labelProblem } from './label_text.js';
export { CORE_VERSION } from './version.js';

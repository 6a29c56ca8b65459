export * from './errors.js';
export { formatValue } from './format_value.js';
export type { IdBatch } from './id_batch.js';
export * from './rng.js';
export * from './metrics.js';
export * from './backend.js';
export * from './bundle.js';
export {
  WEIGHT_STORAGES,
  float16Bits,
  quantizeWeights,
  dequantizeWeights,
  type WeightStorage,
  type WeightStoragePolicy,
} from './weight_quantization.js';
export {
  MAX_ZIP_BUNDLE_BYTES,
  ZIP_MODEL_JSON,
  ZIP_WEIGHTS,
  zipLoadHandler,
  zipSaveHandler,
} from './zip_bundle.js';
export { controlCharacterIn, labelProblem } from './label_text.js';
export { CORE_VERSION } from './version.js';

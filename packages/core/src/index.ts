export * from './errors.js';
export * from './rng.js';
export * from './metrics.js';
export * from './backend.js';
export * from './bundle.js';
export { CORE_VERSION } from './version.js';

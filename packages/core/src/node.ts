/**
 * Node-only helpers of `@charrnn/core` (import from `@charrnn/core/node`): atomic file writes and
 * a crash-safe file-system IO handler for model bundles.
 * @packageDocumentation
 */
export { writeFileAtomic } from './node/write_file_atomic.js';
export { isProcessAlive, openAtomicFile, type AtomicFile } from './node/atomic_file.js';
export {
  fileSystemHandler,
  type FileSystemHandler,
  MAX_MODEL_JSON_BYTES,
  MODEL_JSON_FILE,
  WEIGHTS_FILE,
  weightsFileName,
} from './node/file_system_handler.js';

/**
 * Node-only file readers of `@charrnn/interop` (import from `@charrnn/interop/node`).
 * @packageDocumentation
 */
export { readFileLimited, readStateDictFile, readTextFile, readVocabularyFile } from './node/read_files.js';

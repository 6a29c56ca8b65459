import { readFile, stat } from 'node:fs/promises';
import { IoError, NotFoundError } from '@charrnn/core';
import { readStateDict } from '../read_state_dict.js';
import type { ReadStateDictResult } from '../read_state_dict.js';
import type { ReadLimits } from '../state_dict.js';

/** Largest model file read by default: 2 GiB. */
const DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024;

/** Reads a whole file, refusing one over `maxBytes` before reading it. */
export async function readFileLimited(
  file: string,
  maxBytes: number = DEFAULT_MAX_FILE_BYTES,
): Promise<Uint8Array> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    throw new NotFoundError('cannot be read', { file, cause: error });
  }
  if (size > maxBytes)
    throw new IoError(`is ${size} bytes, over the ${maxBytes}-byte limit`, { file, field: 'size' });
  try {
    return new Uint8Array(await readFile(file));
  } catch (error) {
    throw new IoError('cannot be read', { file, cause: error });
  }
}

/**
 * Reads a PyTorch state dict from a `torch.save` file or a `.safetensors` file (see
 * `readStateDict`), refusing files over `maxBytes` (default 2 GiB) before reading them.
 * @throws NotFoundError / IoError when the file cannot be read; InvalidBundleError naming the
 *   file and field when its content is not a state dict
 */
export async function readStateDictFile(
  file: string,
  options: ReadLimits & { maxBytes?: number } = {},
): Promise<ReadStateDictResult> {
  return readStateDict(await readFileLimited(file, options.maxBytes), file, options);
}

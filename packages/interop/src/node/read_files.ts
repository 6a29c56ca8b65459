import { readFile, stat } from 'node:fs/promises';
import { InvalidArgumentError, IoError, NotFoundError } from '@charrnn/core';
import { Tokenizer } from '@charrnn/tokenizer';
import { readStateDict } from '../read_state_dict.js';
import type { ReadStateDictResult } from '../read_state_dict.js';
import type { ReadLimits } from '../state_dict.js';
import { tokenizerVocabulary, vocabularyFromLines } from '../torch_vocabulary.js';
import type { TorchVocabulary } from '../torch_vocabulary.js';

/** Largest model file read by default: 2 GiB. */
const DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024;
/** Largest text file (vocabulary, labels, map, model.json) read: 64 MiB. */
const MAX_TEXT_BYTES = 64 * 1024 * 1024;

/**
 * Reads a whole file, refusing one over `maxBytes` (default 2 GiB) before reading it.
 * @throws NotFoundError when it cannot be opened, IoError when it is too big or unreadable
 */
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
 * Reads a UTF-8 text file (at most 64 MiB; a leading BOM is dropped).
 * @throws InvalidArgumentError when it is not UTF-8
 */
export async function readTextFile(file: string): Promise<string> {
  const bytes = await readFileLimited(file, MAX_TEXT_BYTES);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw new InvalidArgumentError('is not UTF-8 text', { file });
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

/**
 * Reads a vocabulary file: a charrnn `tokenizer.json` (charrnn's own ids: PAD, UNK, symbols), or
 * one symbol per line (`vocabularyFromLines`).
 * @throws InvalidArgumentError naming the file (and line)
 */
export async function readVocabularyFile(file: string): Promise<TorchVocabulary> {
  const text = await readTextFile(file);
  if (text.trimStart().startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new InvalidArgumentError('is not valid JSON', { file });
    }
    try {
      return tokenizerVocabulary(Tokenizer.fromJSON(json));
    } catch (error) {
      throw new InvalidArgumentError(`is not a charrnn tokenizer: ${(error as Error).message}`, {
        file,
        cause: error,
      });
    }
  }
  return vocabularyFromLines(text, file);
}

export { FIRST_SYMBOL_ID, PAD_ID, TUTORIAL_ALPHABET, UNK_ID } from './alphabet.js';
export { foldToAscii } from './fold_to_ascii.js';
export { Tokenizer } from './tokenizer.js';
export type { EncodeBatchOptions, FromCorpusOptions, Normalization, TokenizerJSON } from './tokenizer.js';
/** The batch {@link Tokenizer.encodeBatch} returns (declared in `@charrnn/core`). */
export type { IdBatch } from '@charrnn/core';

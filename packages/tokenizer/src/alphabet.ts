/**
 * The alphabet of the PyTorch "classifying names with a character-level RNN" tutorial:
 * `string.ascii_letters + " .,;'"` — a–z, A–Z, space, period, comma, semicolon, apostrophe
 * (57 symbols, in this order).
 */
export const TUTORIAL_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,;'";

/** Id of the padding token: right-pads batches, skipped by `decode`. */
export const PAD_ID = 0;

/** Id of the unknown-symbol token: any symbol outside the vocabulary; decodes to `'\uFFFD'`. */
export const UNK_ID = 1;

/** Id of the first vocabulary symbol (symbols take ids `FIRST_SYMBOL_ID`, `FIRST_SYMBOL_ID + 1`...). */
export const FIRST_SYMBOL_ID = 2;

import { InvalidArgumentError } from '@charrnn/core';
import { TUTORIAL_ALPHABET, Tokenizer } from '@charrnn/tokenizer';
import type { Normalization } from '@charrnn/tokenizer';

/**
 * What one row of a foreign model's embedding stands for: a symbol, its padding or unknown
 * token, or nothing charrnn's tokenizer can produce.
 */
export type VocabularyRow =
  | {
      /** The symbol (one code point) this row's token id stands for. */
      symbol: string;
    }
  | 'pad'
  | 'unk'
  | 'unused';

/**
 * How a foreign model's token ids map onto text: row `i` of its embedding is what token id `i`
 * reads. {@link vocabularyTokenizer} turns it into a charrnn `Tokenizer` and the row of
 * the foreign embedding behind each charrnn id.
 */
export interface TorchVocabulary {
  /** Normalization applied to names before they are split into symbols. */
  normalization: Normalization;
  /** One entry per embedding row, in token id order. */
  rows: readonly VocabularyRow[];
}

const TUTORIAL_ROWS = [...TUTORIAL_ALPHABET];

/**
 * The tutorial's vocabulary for an embedding of `rows` rows: 57 rows = token id is the index in
 * `ascii_letters + " .,;'"` (the tutorial, no PAD, no UNK); 59 rows = charrnn's own ids (PAD 0,
 * UNK 1, then the alphabet: what `charrnn export --format pytorch` writes). ASCII folding as the
 * tutorial's `unicodeToAscii`.
 * @throws InvalidArgumentError for any other row count
 */
export function tutorialVocabulary(rows: number): TorchVocabulary {
  if (rows === TUTORIAL_ROWS.length)
    return { normalization: 'ascii-fold', rows: TUTORIAL_ROWS.map((symbol) => ({ symbol })) };
  if (rows === TUTORIAL_ROWS.length + 2)
    return {
      normalization: 'ascii-fold',
      rows: ['pad', 'unk', ...TUTORIAL_ROWS.map((symbol) => ({ symbol }))],
    };
  throw new InvalidArgumentError(
    `the embedding has ${rows} rows; the tutorial alphabet needs 57 (index in ascii_letters + " .,;'") or 59 (charrnn ids: PAD, UNK, alphabet)`,
    { field: '--alphabet' },
  );
}

/**
 * Token id = Unicode code point (`ord(c)` in Python) for an embedding of `rows` rows, NFC
 * normalization. Code points that NFC never produces (and surrogates) are unused rows.
 */
export function unicodeVocabulary(rows: number): TorchVocabulary {
  return {
    normalization: 'unicode',
    rows: Array.from({ length: rows }, (_, cp): VocabularyRow => {
      if (cp >= 0xd800 && cp <= 0xdfff) return 'unused';
      const symbol = String.fromCodePoint(cp);
      return symbol.normalize('NFC') === symbol ? { symbol } : 'unused';
    }),
  };
}

/**
 * A vocabulary file: one symbol per line, line `i` (from 0) = token id `i`; `<pad>` and `<unk>`
 * lines mark the padding and unknown ids, an empty line an unused id. Trailing newline optional.
 * `normalization` defaults to `'ascii-fold'` (the tutorial's folding) when every symbol is in the
 * tutorial alphabet, else `'unicode'`.
 * @throws InvalidArgumentError naming `file` and line for a line of more than one code point, or a
 *   repeated symbol
 */
export function vocabularyFromLines(
  text: string,
  file: string,
  normalization?: Normalization,
): TorchVocabulary {
  const lines = text.replace(/\r?\n$/, '').split(/\r?\n/);
  const seen = new Set<string>();
  const rows = lines.map((line, i): VocabularyRow => {
    if (line === '<pad>') return 'pad';
    if (line === '<unk>') return 'unk';
    if (line === '') return 'unused';
    if ([...line].length !== 1)
      throw new InvalidArgumentError('must hold one symbol (one code point), <pad>, <unk> or nothing', {
        file,
        line: i + 1,
      });
    if (seen.has(line)) throw new InvalidArgumentError('repeats an earlier symbol', { file, line: i + 1 });
    seen.add(line);
    return { symbol: line };
  });
  const tutorial = new Set(TUTORIAL_ROWS);
  const folds = [...seen].every((symbol) => tutorial.has(symbol));
  return { normalization: normalization ?? (folds ? 'ascii-fold' : 'unicode'), rows };
}

/** The vocabulary of a charrnn tokenizer: PAD, UNK, then its symbols (charrnn's own ids). */
export function tokenizerVocabulary(tokenizer: Tokenizer): TorchVocabulary {
  return {
    normalization: tokenizer.normalization,
    rows: ['pad', 'unk', ...tokenizer.symbols.map((symbol) => ({ symbol }))],
  };
}

/** A charrnn tokenizer for a vocabulary, and where each charrnn id reads the foreign embedding. */
export interface VocabularyMapping {
  /** Symbols in foreign row order (so charrnn id `2 + k` is the `k`-th symbol row kept). */
  tokenizer: Tokenizer;
  /** Per charrnn id, the foreign embedding row it copies, or -1 for a zero row. */
  sourceRows: Int32Array;
  /** Symbol rows the normalization can never produce, left out (their ids never occur). */
  droppedRows: number[];
}

/**
 * The charrnn tokenizer of `vocabulary`: its symbols keep their foreign order; charrnn's PAD row
 * copies the foreign `pad` row (zeros without one; it is never read), its UNK row the foreign
 * `unk` row (zeros without one: a character the foreign model has no id for reads as a zero
 * vector in `'unicode'` mode; `'ascii-fold'` drops such characters, as the tutorial does).
 * @throws InvalidArgumentError when no row is a symbol
 */
export function vocabularyTokenizer(vocabulary: TorchVocabulary): VocabularyMapping {
  const symbols: string[] = [];
  const sourceRows: number[] = [-1, -1];
  const droppedRows: number[] = [];
  const fold = vocabulary.normalization === 'ascii-fold';
  vocabulary.rows.forEach((row, i) => {
    if (row === 'pad') sourceRows[0] = i;
    else if (row === 'unk') sourceRows[1] = i;
    else if (row !== 'unused') {
      const { symbol } = row;
      const survives = fold
        ? symbol.normalize('NFD') === symbol && !/\p{M}/u.test(symbol)
        : symbol.normalize('NFC') === symbol;
      if (survives) {
        symbols.push(symbol);
        sourceRows.push(i);
      } else droppedRows.push(i);
    }
  });
  if (symbols.length === 0)
    throw new InvalidArgumentError('the vocabulary has no symbol', { field: '--alphabet' });
  const tokenizer = Tokenizer.fromJSON({
    format: 'charrnn-tokenizer',
    version: 1,
    normalization: vocabulary.normalization,
    symbols,
  });
  return { tokenizer, sourceRows: Int32Array.from(sourceRows), droppedRows };
}

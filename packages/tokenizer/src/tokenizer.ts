import { formatValue, InvalidArgumentError } from '@charrnn/core';
import type { IdBatch } from '@charrnn/core';
import { FIRST_SYMBOL_ID, PAD_ID, TUTORIAL_ALPHABET, UNK_ID } from './alphabet.js';
import { foldWith } from './fold_to_ascii.js';

/**
 * How text is normalized before it is split into symbols.
 * - `'ascii-fold'`: as the PyTorch tutorial — NFD, drop combining marks, drop every character
 *   outside the vocabulary (so `UNK_ID` never occurs).
 * - `'unicode'`: NFC; every code point is a symbol, unknown ones become `UNK_ID`.
 */
export type Normalization = 'ascii-fold' | 'unicode';

/** Serialized form of a {@link Tokenizer} (`Tokenizer.toJSON()` / `Tokenizer.fromJSON()`). */
export interface TokenizerJSON {
  /** Always `'charrnn-tokenizer'`. */
  format: 'charrnn-tokenizer';
  /** Version of this layout; always 1. */
  version: 1;
  /** Normalization policy. */
  normalization: Normalization;
  /** Vocabulary, one code point each; `symbols[i]` has id `i + 2`. */
  symbols: string[];
  /** Default `maxLength` of `encodeBatch`, when set. */
  maxLength?: number;
}

/** Options of {@link Tokenizer.fromCorpus}. */
export interface FromCorpusOptions {
  /** Normalization policy; default `'unicode'`. */
  normalization?: Normalization;
  /** Keep only symbols seen at least this many times (after normalization); default 1. */
  minCount?: number;
  /** Default `maxLength` of `encodeBatch`. */
  maxLength?: number;
}

/** Options of {@link Tokenizer.encodeBatch}. */
export interface EncodeBatchOptions {
  /** Keep at most this many ids per row (the first ones); defaults to the tokenizer's `maxLength`. */
  maxLength?: number;
}

const JSON_FORMAT = 'charrnn-tokenizer';
const JSON_VERSION = 1;

function checkMaxLength(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new InvalidArgumentError(`maxLength must be a positive integer, got ${formatValue(value)}`, {
      field,
    });
  }
  return value;
}

function isNormalization(value: unknown): value is Normalization {
  return value === 'ascii-fold' || value === 'unicode';
}

/** Code point order: unlike the default UTF-16 sort, puts U+FF21 before U+1F600. */
function byCodePoint(a: string, b: string): number {
  return (a.codePointAt(0) as number) - (b.codePointAt(0) as number);
}

/**
 * Why `symbol` can never be produced by `normalization`, or undefined when it can.
 * Symbols must be single code points that the normalization leaves unchanged.
 */
function symbolProblem(symbol: unknown, normalization: Normalization): string | undefined {
  if (typeof symbol !== 'string') return 'symbol must be a string';
  const codePoints = [...symbol];
  if (codePoints.length !== 1) return `symbol must be exactly one code point, got ${formatValue(symbol)}`;
  if (normalization === 'ascii-fold' && (symbol.normalize('NFD') !== symbol || /\p{M}/u.test(symbol))) {
    return `symbol ${formatValue(symbol)} cannot survive ascii-fold normalization (it decomposes or is a combining mark)`;
  }
  if (normalization === 'unicode' && symbol.normalize('NFC') !== symbol) {
    return `symbol ${formatValue(symbol)} is not in NFC form`;
  }
  return undefined;
}

/**
 * Maps text to integer ids, one per character (code point), and back.
 *
 * Ids: `PAD_ID` = 0, `UNK_ID` = 1, then the vocabulary symbols from id 2 in `symbols` order.
 * `encode` first applies {@link Tokenizer.normalize}, never throws, and maps symbols outside
 * the vocabulary to `UNK_ID`.
 *
 * @example
 * ```ts
 * const tokenizer = Tokenizer.tutorial();
 * tokenizer.encode('Ślusàrski');          // Int32Array [46, 13, 22, 20, 2, 19, 20, 12, 10] ('Slusarski')
 * tokenizer.decode(tokenizer.encode('Müller')); // 'Muller'
 * const batch = tokenizer.encodeBatch(['Abe', 'Li']);
 * // batch.ids = [28, 3, 6, 39, 10, 0], batch.lengths = [3, 2], batch.maxLen = 3
 * const copy = Tokenizer.fromJSON(JSON.parse(JSON.stringify(tokenizer)));
 * ```
 */
export class Tokenizer {
  /** Normalization policy applied by {@link Tokenizer.normalize}. */
  readonly normalization: Normalization;
  /** Vocabulary; `symbols[i]` has id `i + 2`. */
  readonly symbols: readonly string[];
  /** Number of ids: `symbols.length + 2` (PAD and UNK). The embedding table's row count. */
  readonly vocabSize: number;
  /** Default `maxLength` of {@link Tokenizer.encodeBatch}; undefined = no truncation. */
  readonly maxLength: number | undefined;

  private readonly ids: ReadonlyMap<string, number>;
  private readonly symbolSet: ReadonlySet<string>;

  private constructor(
    normalization: Normalization,
    symbols: readonly string[],
    maxLength: number | undefined,
  ) {
    this.normalization = normalization;
    this.symbols = Object.freeze([...symbols]);
    this.vocabSize = symbols.length + FIRST_SYMBOL_ID;
    this.maxLength = maxLength;
    this.ids = new Map(symbols.map((s, i) => [s, i + FIRST_SYMBOL_ID]));
    this.symbolSet = new Set(symbols);
  }

  /**
   * The tutorial's tokenizer: `'ascii-fold'` normalization over {@link TUTORIAL_ALPHABET}
   * (57 symbols in alphabet order, so `'a'` = 2, `'A'` = 28, `"'"` = 58; vocabSize 59).
   */
  static tutorial(): Tokenizer {
    return new Tokenizer('ascii-fold', [...TUTORIAL_ALPHABET], undefined);
  }

  /**
   * Builds a vocabulary from the symbols occurring in `texts`.
   *
   * In `'unicode'` mode (the default) each text is NFC-normalized and each code point is a
   * symbol (an astral emoji is one symbol). In `'ascii-fold'` mode texts are folded to the
   * tutorial alphabet first, so the vocabulary is the subset of {@link TUTORIAL_ALPHABET} seen.
   * Symbols are sorted by code point, so the same set of texts in any order gives the same ids.
   *
   * @throws InvalidArgumentError when `minCount`/`maxLength` are not positive integers or no
   *   symbol occurs `minCount` times
   */
  static fromCorpus(texts: Iterable<string>, options: FromCorpusOptions = {}): Tokenizer {
    const normalization = options.normalization ?? 'unicode';
    if (!isNormalization(normalization)) {
      throw new InvalidArgumentError(
        `normalization must be "ascii-fold" or "unicode", got ${formatValue(normalization)}`,
        { field: 'normalization' },
      );
    }
    const minCount = options.minCount ?? 1;
    if (!Number.isInteger(minCount) || minCount <= 0) {
      throw new InvalidArgumentError(`minCount must be a positive integer, got ${formatValue(minCount)}`, {
        field: 'minCount',
      });
    }
    const maxLength = checkMaxLength(options.maxLength, 'maxLength');
    const tutorialSet = new Set(TUTORIAL_ALPHABET);
    const counts = new Map<string, number>();
    for (const text of texts) {
      const normalized = normalization === 'unicode' ? text.normalize('NFC') : foldWith(text, tutorialSet);
      for (const ch of normalized) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
    const symbols = [...counts]
      .filter(([ch, n]) => n >= minCount && symbolProblem(ch, normalization) === undefined)
      .map(([ch]) => ch)
      .sort(byCodePoint);
    if (symbols.length === 0)
      throw new InvalidArgumentError(`no symbol occurs at least ${minCount} time(s) in the corpus`, {
        field: 'texts',
      });
    return new Tokenizer(normalization, symbols, maxLength);
  }

  /**
   * Restores a tokenizer from {@link Tokenizer.toJSON}'s output (for example read from a model
   * bundle). The symbol order is kept as given: it defines the ids.
   *
   * @throws InvalidArgumentError naming the field: `format`, `version`, `normalization`,
   *   `symbols` (not a non-empty array), `symbols[i]` (not one code point, unchanged by the
   *   normalization, or a duplicate), `maxLength`
   */
  static fromJSON(json: unknown): Tokenizer {
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      throw new InvalidArgumentError('tokenizer JSON must be an object');
    const record = json as Record<string, unknown>;
    if (record['format'] !== JSON_FORMAT) {
      throw new InvalidArgumentError(
        `format must be "${JSON_FORMAT}", got ${formatValue(record['format'])}`,
        { field: 'format' },
      );
    }
    if (record['version'] !== JSON_VERSION) {
      throw new InvalidArgumentError(
        `unsupported version ${formatValue(record['version'])} (expected ${JSON_VERSION})`,
        { field: 'version' },
      );
    }
    const normalization = record['normalization'];
    if (!isNormalization(normalization)) {
      throw new InvalidArgumentError(
        `normalization must be "ascii-fold" or "unicode", got ${formatValue(normalization)}`,
        { field: 'normalization' },
      );
    }
    const symbols = record['symbols'];
    if (!Array.isArray(symbols) || symbols.length === 0)
      throw new InvalidArgumentError('symbols must be a non-empty array', { field: 'symbols' });
    const seen = new Set<string>();
    for (const [i, symbol] of (symbols as unknown[]).entries()) {
      const problem = symbolProblem(symbol, normalization);
      if (problem !== undefined) throw new InvalidArgumentError(problem, { field: `symbols[${i}]` });
      if (seen.has(symbol as string))
        throw new InvalidArgumentError(`duplicate symbol ${formatValue(symbol)}`, {
          field: `symbols[${i}]`,
        });
      seen.add(symbol as string);
    }
    const maxLength = checkMaxLength(record['maxLength'], 'maxLength');
    return new Tokenizer(normalization, symbols as string[], maxLength);
  }

  /**
   * Applies the normalization policy: NFC in `'unicode'` mode; in `'ascii-fold'` mode NFD,
   * combining marks removed, and characters outside the vocabulary removed.
   */
  normalize(text: string): string {
    return this.normalization === 'unicode' ? text.normalize('NFC') : foldWith(text, this.symbolSet);
  }

  /**
   * Normalizes `text` and maps each code point to its id; unknown symbols map to `UNK_ID`.
   * Never throws, whatever the string (lone surrogates become `UNK_ID`).
   */
  encode(text: string): Int32Array {
    const normalized = this.normalize(text);
    const out: number[] = [];
    for (const ch of normalized) out.push(this.ids.get(ch) ?? UNK_ID);
    return Int32Array.from(out);
  }

  /**
   * Maps ids back to text: `PAD_ID` is skipped, `UNK_ID` becomes `'\uFFFD'`. For text made of
   * vocabulary symbols, `decode(encode(x)) === normalize(x)`.
   *
   * @throws InvalidArgumentError when an id is not an integer in `[0, vocabSize)`
   */
  decode(ids: ArrayLike<number>): string {
    let out = '';
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      if (id === PAD_ID) continue;
      if (id === UNK_ID) {
        out += '\uFFFD';
        continue;
      }
      const symbol = Number.isInteger(id) ? this.symbols[id - FIRST_SYMBOL_ID] : undefined;
      if (symbol === undefined)
        throw new InvalidArgumentError(
          `ids[${i}] = ${formatValue(id)} is not a token id in [0, ${this.vocabSize})`,
          {
            field: `ids[${i}]`,
          },
        );
      out += symbol;
    }
    return out;
  }

  /**
   * Encodes several texts into one right-padded id matrix.
   *
   * Truncation: a text longer than `maxLength` symbols keeps its **first** `maxLength` symbols
   * (names are identified mostly by their start; this also matches what a reader sees first).
   * `maxLen` is the longest row after truncation, so no column is all padding.
   *
   * @throws InvalidArgumentError when `maxLength` is not a positive integer
   */
  encodeBatch(texts: readonly string[], options: EncodeBatchOptions = {}): IdBatch {
    const limit =
      checkMaxLength(options.maxLength, 'maxLength') ?? this.maxLength ?? Number.POSITIVE_INFINITY;
    const rows = texts.map((text) => {
      const ids = this.encode(text);
      return ids.length > limit ? ids.subarray(0, limit) : ids;
    });
    const batchSize = rows.length;
    const maxLen = rows.reduce((m, row) => Math.max(m, row.length), 0);
    const ids = new Int32Array(batchSize * maxLen); // zero-filled = PAD_ID
    const lengths = new Int32Array(batchSize);
    rows.forEach((row, b) => {
      ids.set(row, b * maxLen);
      lengths[b] = row.length;
    });
    return { ids, lengths, batchSize, maxLen };
  }

  /** Serializable form; `Tokenizer.fromJSON(tokenizer.toJSON())` gives an identical tokenizer. */
  toJSON(): TokenizerJSON {
    const json: TokenizerJSON = {
      format: JSON_FORMAT,
      version: JSON_VERSION,
      normalization: this.normalization,
      symbols: [...this.symbols],
    };
    if (this.maxLength !== undefined) json.maxLength = this.maxLength;
    return json;
  }
}

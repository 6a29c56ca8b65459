import { InvalidArgumentError, InvalidBundleError } from '@charrnn/core';

/** Weight names of an n-gram head in saved artifacts (no Keras layer uses them). */
export const NGRAM_KERNEL = 'ngram/kernel';
export const NGRAM_BIAS = 'ngram/bias';

/** Longest n-gram an {@link NgramHead} may use. */
export const MAX_NGRAM = 8;

/** The JSON part of an {@link NgramHead} (its weights travel as float32 arrays beside it). */
export interface NgramHeadJSON {
  /** Shortest n-gram, in tokens (boundary markers count). */
  minN: number;
  /** Longest n-gram, in tokens. */
  maxN: number;
  /** Number of classes (output units). */
  numClasses: number;
  /**
   * Factor on the recurrent model's logits when the head is attached to a {@link CharClassifier}:
   * `logits = rnnScale · rnn(x) + head(x)`. `1 − w` for a mixture weight `w` given to the head.
   */
  rnnScale: number;
  /** The n-grams, as token ids joined by `.`, `0` marking the start and end of a name. */
  grams: string[];
}

/** The weights of an {@link NgramHead}. */
export interface NgramHeadWeights {
  /** `[grams.length, numClasses]`, row-major: the class scores each n-gram adds. */
  kernel: Float32Array;
  /** `[numClasses]`: added to every name's scores. */
  bias: Float32Array;
}

function isPositiveInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

type Fail = (message: string, field: string) => Error;

/** Checks every field of a head's parts; returns the gram → row index. */
function checkHead(json: NgramHeadJSON, weights: NgramHeadWeights, fail: Fail): Map<string, number> {
  const { minN, maxN, numClasses, rnnScale, grams } = json;
  if (!isPositiveInt(minN) || minN > MAX_NGRAM)
    throw fail(`must be an integer in [1, ${MAX_NGRAM}], got ${JSON.stringify(minN)}`, 'minN');
  if (!isPositiveInt(maxN) || maxN < minN || maxN > MAX_NGRAM)
    throw fail(
      `must be an integer in [minN, ${MAX_NGRAM}] = [${minN}, ${MAX_NGRAM}], got ${JSON.stringify(maxN)}`,
      'maxN',
    );
  if (!isPositiveInt(numClasses) || numClasses < 2)
    throw fail(`must be an integer ≥ 2, got ${JSON.stringify(numClasses)}`, 'numClasses');
  if (typeof rnnScale !== 'number' || !Number.isFinite(rnnScale) || rnnScale < 0)
    throw fail(`must be a finite number ≥ 0, got ${JSON.stringify(rnnScale)}`, 'rnnScale');
  if (!Array.isArray(grams)) throw fail('must be an array of strings', 'grams');
  const index = new Map<string, number>();
  grams.forEach((gram: unknown, i) => {
    if (typeof gram !== 'string' || !/^\d{1,9}(\.\d{1,9})*$/.test(gram))
      throw fail(`must be token ids joined by ".", got ${JSON.stringify(gram)}`, `grams[${i}]`);
    const n = gram.split('.').length;
    if (n < minN || n > maxN) throw fail(`has ${n} tokens, outside [${minN}, ${maxN}]`, `grams[${i}]`);
    if (index.has(gram)) throw fail(`${JSON.stringify(gram)} is listed twice`, `grams[${i}]`);
    index.set(gram, i);
  });
  const { kernel, bias } = weights;
  if (!(kernel instanceof Float32Array) || kernel.length !== grams.length * numClasses)
    throw fail(
      `must hold grams × numClasses = ${grams.length * numClasses} float32 values, got ${kernel instanceof Float32Array ? kernel.length : typeof kernel}`,
      'kernel',
    );
  if (!(bias instanceof Float32Array) || bias.length !== numClasses)
    throw fail(`must hold numClasses = ${numClasses} float32 values`, 'bias');
  return index;
}

/**
 * A linear model on the character n-grams of a name: the class scores of a name are the sum of
 * the kernel rows of the distinct n-grams it contains (read on its token ids with a boundary
 * marker at both ends, so `^ab`, `ab$` and `^ab$` are features of their own) plus a bias.
 * N-grams not in the vocabulary add nothing.
 *
 * Attached to a {@link CharClassifier} (`model.setNgramHead(head)`), it is mixed into the
 * recurrent model's logits: `logits = rnnScale · rnn(x) + head(x)`. Such a pair of experts
 * disagree in useful ways: n-grams remember spellings exactly (suffixes like `-ovich`,
 * `-escu`), the recurrent model generalises over sequences. `fitNgramHead` in
 * `@charrnn/trainer` trains one.
 *
 * Scores are computed in plain JavaScript (a handful of sparse rows per name), the same on
 * every backend.
 */
export class NgramHead {
  /** Shortest n-gram, in tokens. */
  readonly minN: number;
  /** Longest n-gram, in tokens. */
  readonly maxN: number;
  /** Number of classes. */
  readonly numClasses: number;
  /** Factor on the recurrent logits when attached, see {@link NgramHeadJSON.rnnScale}. */
  readonly rnnScale: number;
  /** `[grams, numClasses]` row-major. */
  readonly kernel: Float32Array;
  /** `[numClasses]`; logit adjustment adds to it in place. */
  readonly bias: Float32Array;
  private readonly grams: readonly string[];
  private readonly index: Map<string, number>;

  /**
   * @throws InvalidArgumentError naming the field when the parts do not fit together
   */
  constructor(json: NgramHeadJSON, weights: NgramHeadWeights) {
    const index = checkHead(json, weights, (message, field) => new InvalidArgumentError(message, { field }));
    const { minN, maxN, numClasses, rnnScale, grams } = json;
    this.minN = minN;
    this.maxN = maxN;
    this.numClasses = numClasses;
    this.rnnScale = rnnScale;
    this.grams = [...grams];
    this.index = index;
    this.kernel = weights.kernel;
    this.bias = weights.bias;
  }

  /**
   * The distinct n-grams (`minN` to `maxN` tokens) of one name's token ids, with `0` marking
   * its start and end, as keys joined by `.`, in order of first appearance.
   *
   * @example
   * ```ts
   * NgramHead.gramsOf(Int32Array.of(5, 7), 1, 2); // ['0', '5', '7', '0.5', '5.7', '7.0']
   * ```
   */
  static gramsOf(ids: ArrayLike<number>, minN: number, maxN: number): string[] {
    const padded = [0, ...Array.from(ids), 0];
    const seen = new Set<string>();
    for (let n = minN; n <= maxN; n++)
      for (let i = 0; i + n <= padded.length; i++) seen.add(padded.slice(i, i + n).join('.'));
    return [...seen];
  }

  /** Number of n-grams in the vocabulary. */
  get size(): number {
    return this.grams.length;
  }

  /** Row of `gram` in {@link NgramHead.kernel}, or −1 when it is not in the vocabulary. */
  rowOf(gram: string): number {
    return this.index.get(gram) ?? -1;
  }

  /**
   * The head's class scores for a batch of right-padded ids, `[batchSize * numClasses]`
   * row-major (float64 sums, returned as float32).
   * @throws InvalidArgumentError when the sizes do not fit together
   */
  scores(ids: Int32Array, lengths: Int32Array, batchSize: number, maxLen: number): Float32Array {
    if (ids.length !== batchSize * maxLen || lengths.length !== batchSize)
      throw new InvalidArgumentError(
        `ids has ${ids.length} entries and lengths ${lengths.length}, expected ${batchSize * maxLen} and ${batchSize}`,
        { field: 'ids' },
      );
    const C = this.numClasses;
    const out = new Float32Array(batchSize * C);
    const row = new Float64Array(C);
    for (let b = 0; b < batchSize; b++) {
      const length = lengths[b] as number;
      if (!(length >= 0 && length <= maxLen))
        throw new InvalidArgumentError(`lengths[${b}] = ${length} is outside [0, ${maxLen}]`, {
          field: 'lengths',
        });
      for (let c = 0; c < C; c++) row[c] = this.bias[c] as number;
      for (const gram of NgramHead.gramsOf(
        ids.subarray(b * maxLen, b * maxLen + length),
        this.minN,
        this.maxN,
      )) {
        const r = this.index.get(gram);
        if (r === undefined) continue;
        const base = r * C;
        for (let c = 0; c < C; c++) row[c] = (row[c] as number) + (this.kernel[base + c] as number);
      }
      out.set(row, b * C);
    }
    return out;
  }

  /** The JSON part (see {@link NgramHead.fromJSON}); the weights are {@link NgramHead.kernel} and {@link NgramHead.bias}. */
  toJSON(): NgramHeadJSON {
    return {
      minN: this.minN,
      maxN: this.maxN,
      numClasses: this.numClasses,
      rnnScale: this.rnnScale,
      grams: [...this.grams],
    };
  }

  /**
   * Rebuilds a head from {@link NgramHead.toJSON} and its weights, checking every field (a bundle
   * read from disk may hold anything).
   * @param field where the JSON came from, for error messages (e.g. `'userDefinedMetadata.charrnn.model.ngram'`)
   * @throws InvalidBundleError naming the field that does not fit
   */
  static fromJSON(json: unknown, weights: NgramHeadWeights, field = 'ngram'): NgramHead {
    const fail: Fail = (message, at) => new InvalidBundleError(message, { field: `${field}.${at}` });
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      throw new InvalidBundleError('must be an object', { field });
    const parts = json as NgramHeadJSON;
    checkHead(parts, weights, fail);
    return new NgramHead(parts, weights);
  }
}

import { InvalidArgumentError, Rng } from '@charrnn/core';
import type { Example } from '@charrnn/data';
import { MAX_NGRAM, NgramHead } from '@charrnn/layers';

/** Options of {@link fitNgramHead}. */
export interface FitNgramOptions {
  /** Shortest n-gram in tokens, boundary markers included (default 1). */
  minN?: number;
  /** Longest n-gram (default 5). */
  maxN?: number;
  /** Passes over `train` (default 20). */
  epochs?: number;
  /** Adagrad step size (default 0.3). */
  learningRate?: number;
  /** L2 penalty on the n-gram weights, per update (default 1e-5). */
  l2?: number;
  /**
   * Mixture weight `w` in (0, 1] of the head when attached to a recurrent model: the head's
   * weights are scaled by `w` and its `rnnScale` is `1 − w`, so the attached model's logits are
   * `(1 − w) · rnn + w · ngram` (default 0.5, the geometric mean of the two experts'
   * probabilities).
   */
  weight?: number;
  /**
   * Largest vocabulary (default 200,000): when the training names hold more distinct n-grams,
   * the most frequent ones (by the number of names holding them; ties to the first seen) are kept,
   * so that a large corpus cannot make the head unbounded (it holds `grams × classes` floats).
   */
  maxGrams?: number;
  /** Shuffles the examples each epoch (default `new Rng(1)`); the same state gives the same head. */
  rng?: Rng;
  /** Called after each epoch with its mean training cross-entropy. */
  onEpoch?: (epoch: number, loss: number) => void;
}

function checkRange(field: string, value: number, min: number, max: number, integer: boolean): void {
  if (!(Number.isFinite(value) && value >= min && value <= max) || (integer && !Number.isInteger(value)))
    throw new InvalidArgumentError(
      `must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${value}`,
      { field },
    );
}

/**
 * Trains an {@link NgramHead}: multinomial logistic regression on the distinct character
 * n-grams of each name (see `NgramHead.gramsOf`), every n-gram seen in `train` a feature, fitted
 * by sparse Adagrad with cross-entropy. It takes seconds (plain JavaScript, a few dozen sparse
 * rows per name), is the same on every backend, and is deterministic for a given `rng` state.
 *
 * On the names benchmark this linear model alone is about as accurate as a recurrent one, and
 * mixed with it (`model.setNgramHead(head)`) better than either: their mistakes differ.
 *
 * @example
 * ```ts
 * const head = fitNgramHead(trainExamples, labels.length, { rng: new Rng(42) });
 * model.setNgramHead(head); // predictProba now mixes both
 * ```
 * @throws InvalidArgumentError naming the option that is out of range, or when `train` is empty
 *   or holds a label outside [0, numClasses)
 */
export function fitNgramHead(
  train: readonly Example[],
  numClasses: number,
  options: FitNgramOptions = {},
): NgramHead {
  const {
    minN = 1,
    maxN = 5,
    epochs = 20,
    learningRate = 0.3,
    l2 = 1e-5,
    weight = 0.5,
    maxGrams = 200_000,
    rng = new Rng(1),
    onEpoch,
  } = options;
  checkRange('minN', minN, 1, MAX_NGRAM, true);
  checkRange('maxN', maxN, minN, MAX_NGRAM, true);
  checkRange('epochs', epochs, 1, 10_000, true);
  checkRange('learningRate', learningRate, Number.MIN_VALUE, 1e6, false);
  checkRange('l2', l2, 0, 1, false);
  checkRange('maxGrams', maxGrams, 1, 2 ** 31 - 1, true);
  if (!(weight > 0 && weight <= 1))
    throw new InvalidArgumentError(`must be in (0, 1], got ${weight}`, { field: 'weight' });
  if (!(Number.isSafeInteger(numClasses) && numClasses >= 2))
    throw new InvalidArgumentError(`must be an integer ≥ 2, got ${numClasses}`, { field: 'numClasses' });
  if (train.length === 0) throw new InvalidArgumentError('needs training examples', { field: 'train' });
  train.forEach(({ label }, i) => {
    if (!(Number.isInteger(label) && label >= 0 && label < numClasses))
      throw new InvalidArgumentError(`label ${label} is outside [0, ${numClasses})`, {
        field: `train[${i}].label`,
      });
  });

  // Vocabulary: every n-gram of the training names, in order of first appearance, or the
  // `maxGrams` held by the most names.
  const grams = train.map(({ ids }) => NgramHead.gramsOf(ids, minN, maxN));
  const counts = new Map<string, number>();
  for (const list of grams) for (const gram of list) counts.set(gram, (counts.get(gram) ?? 0) + 1);
  let kept = [...counts.keys()];
  if (kept.length > maxGrams) {
    const order = new Map(kept.map((gram, i) => [gram, i]));
    kept = kept
      .sort(
        (a, b) =>
          (counts.get(b) as number) - (counts.get(a) as number) ||
          (order.get(a) as number) - (order.get(b) as number),
      )
      .slice(0, maxGrams)
      .sort((a, b) => (order.get(a) as number) - (order.get(b) as number));
  }
  const index = new Map(kept.map((gram, i) => [gram, i]));
  const features = grams.map((list) => {
    const rows: number[] = [];
    for (const gram of list) {
      const row = index.get(gram);
      if (row !== undefined) rows.push(row);
    }
    return Int32Array.from(rows);
  });
  const C = numClasses;
  const W = new Float64Array(index.size * C);
  const G = new Float64Array(index.size * C).fill(1e-8);
  const b = new Float64Array(C);
  const Gb = new Float64Array(C).fill(1e-8);
  const p = new Float64Array(C);
  const order = Array.from(train.keys());
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    let loss = 0;
    for (const n of order) {
      const rows = features[n] as Int32Array;
      const y = (train[n] as Example).label;
      let max = -Infinity;
      for (let c = 0; c < C; c++) {
        let z = b[c] as number;
        for (const r of rows) z += W[r * C + c] as number;
        p[c] = z;
        if (z > max) max = z;
      }
      let sum = 0;
      for (let c = 0; c < C; c++) {
        const e = Math.exp((p[c] as number) - max);
        p[c] = e;
        sum += e;
      }
      loss -= Math.log(Math.max((p[y] as number) / sum, 1e-300));
      for (let c = 0; c < C; c++) {
        const g = (p[c] as number) / sum - (c === y ? 1 : 0);
        Gb[c] = (Gb[c] as number) + g * g;
        b[c] = (b[c] as number) - (learningRate * g) / Math.sqrt(Gb[c] as number);
        for (const r of rows) {
          const k = r * C + c;
          const gk = g + l2 * (W[k] as number);
          G[k] = (G[k] as number) + gk * gk;
          W[k] = (W[k] as number) - (learningRate * gk) / Math.sqrt(G[k] as number);
        }
      }
    }
    onEpoch?.(epoch + 1, loss / train.length);
  }
  return new NgramHead(
    { minN, maxN, numClasses: C, rnnScale: 1 - weight, grams: [...index.keys()] },
    { kernel: Float32Array.from(W, (v) => weight * v), bias: Float32Array.from(b, (v) => weight * v) },
  );
}

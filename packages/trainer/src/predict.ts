import { InvalidArgumentError } from '@charrnn/core';
import type { Example } from '@charrnn/data';
import type { CharClassifier } from '@charrnn/layers';
import { predictionOrder } from './prediction_order.js';

/** Predictions for a list of examples, in the order the examples were given. */
export interface Predictions {
  /** Most probable class of each example (the first one on ties). */
  predicted: Int32Array;
  /** Class probabilities, `[examples * numClasses]` row-major. */
  probabilities: Float32Array;
}

/**
 * Runs `model` over `examples` in batches of up to `batchSize`, in the order the model predicts
 * fastest ({@link predictionOrder}: by tokens where shared prefixes are computed once, else by
 * length, so little padding is computed), and puts the results back in input order.
 *
 * @throws InvalidArgumentError when `batchSize` is not a positive integer or an example is empty
 *
 * @example
 * ```ts
 * const { predicted, probabilities } = predict(model, encodeExamples(items, tokenizer, labels));
 * ```
 */
export function predict(
  model: CharClassifier,
  examples: readonly Pick<Example, 'ids'>[],
  batchSize = 256,
): Predictions {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new InvalidArgumentError(`batchSize must be a positive integer, got ${batchSize}`, {
      field: 'batchSize',
    });
  const numClasses = model.config.numClasses;
  const predicted = new Int32Array(examples.length);
  const probabilities = new Float32Array(examples.length * numClasses);
  const order = predictionOrder(model, Array.from(examples.keys()), (i) => (examples[i] as Example).ids);
  for (let start = 0; start < order.length; start += batchSize) {
    const rows = order.slice(start, start + batchSize);
    let maxLen = 0;
    for (const i of rows) {
      const length = (examples[i] as Example).ids.length;
      if (length === 0) throw new InvalidArgumentError(`example ${i} has no tokens`, { field: 'examples' });
      maxLen = Math.max(maxLen, length);
    }
    const ids = new Int32Array(rows.length * maxLen);
    const lengths = new Int32Array(rows.length);
    rows.forEach((i, r) => {
      const example = examples[i] as Example;
      ids.set(example.ids, r * maxLen);
      lengths[r] = example.ids.length;
    });
    const probs = model.predictProba({ ids, lengths, batchSize: rows.length, maxLen });
    rows.forEach((i, r) => {
      const row = probs.subarray(r * numClasses, (r + 1) * numClasses);
      probabilities.set(row, i * numClasses);
      let best = 0;
      for (let k = 1; k < numClasses; k++) if ((row[k] as number) > (row[best] as number)) best = k;
      predicted[i] = best;
    });
  }
  return { predicted, probabilities };
}

import { InvalidArgumentError } from '@charrnn/core';
import type { Example } from '@charrnn/data';
import type { CharClassifier } from '@charrnn/layers';

/** Predictions for a list of examples, in the order the examples were given. */
export interface Predictions {
  /** Most probable class of each example (the first one on ties). */
  predicted: Int32Array;
  /** Class probabilities, `[examples * numClasses]` row-major. */
  probabilities: Float32Array;
}

/**
 * Runs `model` over `examples` in batches of up to `batchSize`. Examples are batched by length
 * (sorted, so little padding is computed) and the results put back in input order.
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
  const order = Array.from(examples.keys()).sort(
    (a, b) => (examples[a] as Example).ids.length - (examples[b] as Example).ids.length,
  );
  for (let start = 0; start < order.length; start += batchSize) {
    const rows = order.slice(start, start + batchSize);
    const maxLen = (examples[rows[rows.length - 1] as number] as Example).ids.length;
    if ((examples[rows[0] as number] as Example).ids.length === 0)
      throw new InvalidArgumentError(`example ${rows[0]} has no tokens`, { field: 'examples' });
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

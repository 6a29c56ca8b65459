import { InvalidArgumentError } from '@charrnn/core';
import type { IdBatch } from '@charrnn/core';
import type { Example } from './encode_examples.js';

/**
 * A padded batch of examples, ready for a model: the `IdBatch` (`@charrnn/core`) of their names (row-major
 * ids, right-padded with 0 = `PAD_ID`) and their labels.
 */
export interface Batch extends IdBatch {
  /** `[batchSize]` label indices. */
  labels: Int32Array;
}

/**
 * Gathers the examples at `indices` into one {@link Batch}, as wide as its longest name, padding
 * shorter rows on the right with 0.
 *
 * @throws InvalidArgumentError for an empty `indices` or an index out of range.
 *
 * @example
 * ```ts
 * const batch = collate(examples, sampler.nextBatch(64));
 * model.logits(batch.ids, batch.lengths, batch.batchSize, batch.maxLen);
 * ```
 */
export function collate(examples: readonly Example[], indices: ArrayLike<number>): Batch {
  const batchSize = indices.length;
  if (batchSize === 0)
    throw new InvalidArgumentError('collate() needs at least one index', { field: 'indices' });
  const rows: Example[] = [];
  let maxLen = 0;
  for (let b = 0; b < batchSize; b++) {
    const i = indices[b] as number;
    const example = Number.isInteger(i) ? examples[i] : undefined;
    if (example === undefined) {
      throw new InvalidArgumentError(`index ${i} is out of range for ${examples.length} examples`, {
        field: `indices[${b}]`,
      });
    }
    rows.push(example);
    if (example.ids.length > maxLen) maxLen = example.ids.length;
  }
  const ids = new Int32Array(batchSize * maxLen);
  const lengths = new Int32Array(batchSize);
  const labels = new Int32Array(batchSize);
  rows.forEach((example, b) => {
    ids.set(example.ids, b * maxLen);
    lengths[b] = example.ids.length;
    labels[b] = example.label;
  });
  return { ids, lengths, labels, batchSize, maxLen };
}

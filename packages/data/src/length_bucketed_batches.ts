import { InvalidArgumentError, type Rng } from '@charrnn/core';
import type { Example } from './encode_examples.js';
import { checkBatchSize } from './sampler.js';

/** Options of {@link lengthBucketedBatches}. */
export interface BucketOptions {
  /** Batches per sorted chunk (default 16). 1 gives plain shuffled batches; more gives tighter lengths but less randomness. */
  chunkBatches?: number;
}

/**
 * One epoch of batches in which names of similar length travel together, so padding is small:
 * the examples are shuffled, cut into chunks of `batchSize * chunkBatches`, each chunk is sorted
 * by length (stable, so equal lengths stay shuffled) and cut into batches, and finally the order of
 * all batches is shuffled. Every example appears exactly once; the last batch of each chunk may be
 * smaller than `batchSize`.
 *
 * @example
 * ```ts
 * for (const indices of lengthBucketedBatches(examples, 64, rng)) step(collate(examples, indices));
 * ```
 */
export function lengthBucketedBatches(
  examples: readonly Example[],
  batchSize: number,
  rng: Rng,
  options: BucketOptions = {},
): Int32Array[] {
  checkBatchSize(batchSize);
  const chunkBatches = options.chunkBatches ?? 16;
  if (!Number.isInteger(chunkBatches) || chunkBatches <= 0) {
    throw new InvalidArgumentError(`must be a positive integer, got ${chunkBatches}`, {
      field: 'chunkBatches',
    });
  }
  const order = rng.shuffle(Array.from({ length: examples.length }, (_, i) => i));
  const lengthOf = (i: number): number => (examples[i] as Example).ids.length;
  const chunkSize = batchSize * chunkBatches;
  const batches: Int32Array[] = [];
  for (let start = 0; start < order.length; start += chunkSize) {
    const chunk = order.slice(start, start + chunkSize).sort((a, b) => lengthOf(a) - lengthOf(b));
    for (let b = 0; b < chunk.length; b += batchSize)
      batches.push(Int32Array.from(chunk.slice(b, b + batchSize)));
  }
  return rng.shuffle(batches);
}

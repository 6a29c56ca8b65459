import { InvalidArgumentError, type Rng } from '@charrnn/core';
import type { Example } from './encode_examples.js';
import { lengthBucketedBatches, type BucketOptions } from './length_bucketed_batches.js';
import { checkBatchSize, checkExamples, type Sampler } from './sampler.js';

/**
 * Shuffled epochs of length-bucketed batches (see {@link lengthBucketedBatches}): names of similar
 * length travel together, so a batch pads little and short names do not pay for long ones. Each
 * epoch holds every example exactly once in `ceil(epochSize / batchSize)` batches, so epochs line
 * up with a trainer's `ceil(n / batchSize)` steps; `epoch` counts completed epochs.
 *
 * The batch size is fixed by the first `nextBatch` call; a later call with another size throws.
 *
 * @example
 * ```ts
 * const sampler = bucketSampler(examples, new Rng(1));
 * while (sampler.epoch < 10) step(collate(examples, sampler.nextBatch(64)));
 * ```
 */
export function bucketSampler(examples: readonly Example[], rng: Rng, options: BucketOptions = {}): Sampler {
  checkExamples(examples);
  let batches: Int32Array[] = [];
  let position = 0;
  let epoch = 0;
  let size: number | null = null;
  return {
    epochSize: examples.length,
    get epoch() {
      return epoch;
    },
    nextBatch(batchSize: number): Int32Array {
      checkBatchSize(batchSize);
      if (size === null) size = batchSize;
      else if (batchSize !== size) {
        throw new InvalidArgumentError(
          `bucketSampler: batch size ${batchSize} differs from the first call's ${size}`,
          {
            field: 'batchSize',
          },
        );
      }
      if (position === batches.length) {
        batches = lengthBucketedBatches(examples, batchSize, rng, options);
        position = 0;
      }
      const out = batches[position] as Int32Array;
      position += 1;
      if (position === batches.length) epoch += 1;
      return out;
    },
  };
}

import type { Rng } from '@charrnn/core';
import type { Example } from './encode_examples.js';
import { checkBatchSize, checkExamples, type Sampler } from './sampler.js';

/**
 * Shuffled epochs without replacement: each epoch is a fresh random permutation of all examples,
 * cut into batches in order. A batch never spans two epochs, so the last batch of an epoch holds
 * the remainder (`epochSize % batchSize` when not 0); `epoch` counts completed epochs.
 *
 * @example
 * ```ts
 * const sampler = shuffleSampler(examples, new Rng(1));
 * while (sampler.epoch < 10) step(collate(examples, sampler.nextBatch(64)));
 * ```
 */
export function shuffleSampler(examples: readonly Example[], rng: Rng): Sampler {
  checkExamples(examples);
  const n = examples.length;
  const order = Array.from({ length: n }, (_, i) => i);
  rng.shuffle(order);
  let position = 0;
  let epoch = 0;
  return {
    epochSize: n,
    get epoch() {
      return epoch;
    },
    nextBatch(batchSize: number): Int32Array {
      checkBatchSize(batchSize);
      if (position === n) {
        rng.shuffle(order);
        position = 0;
      }
      const take = Math.min(batchSize, n - position);
      const out = Int32Array.from(order.slice(position, position + take));
      position += take;
      if (position === n) epoch += 1;
      return out;
    },
  };
}

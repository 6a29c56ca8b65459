import type { Rng } from '@charrnn/core';
import type { Example } from './encode_examples.js';
import { checkBatchSize, checkExamples, indicesByLabel, type Sampler } from './sampler.js';

/**
 * The tutorial's `randomTrainingExample()`: for each draw, a label uniformly at random among the
 * labels that have examples, then one of that label's examples uniformly at random (with
 * replacement). Every label is drawn equally often whatever its size, so small labels are seen
 * far more often than in shuffled epochs. Batches are always full.
 *
 * @example
 * ```ts
 * const sampler = tutorialSampler(examples, new Rng(1));
 * const batch = collate(examples, sampler.nextBatch(1)); // batch size 1, as in the tutorial
 * ```
 */
export function tutorialSampler(examples: readonly Example[], rng: Rng): Sampler {
  checkExamples(examples);
  const byLabel = indicesByLabel(examples);
  let drawn = 0;
  return {
    epochSize: examples.length,
    get epoch() {
      return Math.floor(drawn / examples.length);
    },
    nextBatch(batchSize: number): Int32Array {
      checkBatchSize(batchSize);
      const out = new Int32Array(batchSize);
      for (let b = 0; b < batchSize; b++) {
        const list = byLabel[rng.int(byLabel.length)] as number[];
        out[b] = list[rng.int(list.length)] as number;
      }
      drawn += batchSize;
      return out;
    },
  };
}

import type { Rng } from '@charrnn/core';
import type { Example } from './encode_examples.js';
import { checkBatchSize, checkExamples, indicesByLabel, type Sampler } from './sampler.js';

/**
 * Class-balanced sampling with less variance than {@link tutorialSampler}: labels are drawn from
 * a shuffled queue of all labels that have examples (reshuffled each time it runs out), so any
 * `K` consecutive draws (K = number of labels, aligned from the start) hold every label exactly
 * once; within a label, examples come from that label's own shuffled queue (reshuffled when it
 * runs out), so a small label's names are repeated evenly instead of at random. Batches are
 * always full; `epoch` is examples drawn / `epochSize`, floored.
 *
 * @example
 * ```ts
 * const sampler = balancedSampler(examples, new Rng(1));
 * const batch = collate(examples, sampler.nextBatch(36)); // with 18 labels: each label twice
 * ```
 */
export function balancedSampler(examples: readonly Example[], rng: Rng): Sampler {
  checkExamples(examples);
  const queues = indicesByLabel(examples).map((list) => rng.shuffle(list));
  const positions = queues.map(() => 0);
  const labelQueue = rng.shuffle(queues.map((_, i) => i));
  let labelPosition = 0;
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
        if (labelPosition === labelQueue.length) {
          rng.shuffle(labelQueue);
          labelPosition = 0;
        }
        const label = labelQueue[labelPosition++] as number;
        const queue = queues[label] as number[];
        if (positions[label] === queue.length) {
          rng.shuffle(queue);
          positions[label] = 0;
        }
        const p = positions[label] as number;
        out[b] = queue[p] as number;
        positions[label] = p + 1;
      }
      drawn += batchSize;
      return out;
    },
  };
}

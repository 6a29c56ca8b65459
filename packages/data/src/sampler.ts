import { InvalidArgumentError } from '@charrnn/core';
import type { Example } from './encode_examples.js';

/** Draws batches of example indices. Pass them to `collate`. */
export interface Sampler {
  /** Indices of the next batch (at most `batchSize`; see each sampler for when fewer). */
  nextBatch(batchSize: number): Int32Array;
  /** Examples per epoch: the number of examples. */
  readonly epochSize: number;
  /** Epochs completed so far (for samplers with replacement: examples drawn / `epochSize`, floored). */
  readonly epoch: number;
}

/** @internal */
export function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new InvalidArgumentError(`batch size must be a positive integer, got ${batchSize}`, {
      field: 'batchSize',
    });
  }
}

/** @internal */
export function checkExamples(examples: readonly Example[]): void {
  if (examples.length === 0)
    throw new InvalidArgumentError('a sampler needs at least one example', { field: 'examples' });
}

/** Example indices per label index, for the labels that have examples, in ascending label order. @internal */
export function indicesByLabel(examples: readonly Example[]): number[][] {
  const byLabel = new Map<number, number[]>();
  examples.forEach((example, i) => {
    const list = byLabel.get(example.label);
    if (list === undefined) byLabel.set(example.label, [i]);
    else list.push(i);
  });
  return [...byLabel.entries()].sort((a, b) => a[0] - b[0]).map(([, list]) => list);
}

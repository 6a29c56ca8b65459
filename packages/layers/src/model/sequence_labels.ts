import { InvalidArgumentError } from '@charrnn/core';

/**
 * The labels of a batch of sequences for a language model, checked and copied: none for an
 * unconditional model (`numLabels` 0), one per sequence in `[0, numLabels)` for a conditional
 * one. Shared by the models' forward passes and their steppers.
 * @throws InvalidArgumentError naming `labels` otherwise
 * @internal
 */
export function sequenceLabels(
  labels: Int32Array | undefined,
  numLabels: number,
  batchSize: number,
): Int32Array | undefined {
  if (numLabels === 0) {
    if (labels !== undefined)
      throw new InvalidArgumentError('this model is unconditional: pass no labels', { field: 'labels' });
    return undefined;
  }
  if (labels === undefined || labels.length !== batchSize)
    throw new InvalidArgumentError(`a conditional model needs one label per sequence (${batchSize})`, {
      field: 'labels',
    });
  labels.forEach((label, r) => {
    if (!(Number.isInteger(label) && label >= 0 && label < numLabels))
      throw new InvalidArgumentError(`labels[${r}] = ${label} is outside [0, ${numLabels})`, {
        field: 'labels',
      });
  });
  return Int32Array.from(labels);
}

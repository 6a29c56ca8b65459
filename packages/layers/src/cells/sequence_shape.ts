import { InvalidArgumentError } from '@charrnn/core';
import type { IdBatch } from '@charrnn/core';

/**
 * How a flat `[batchSize * maxLen]` id array (or `[batchSize * maxLen, features]` matrix) is cut
 * into sequences: an `IdBatch` (`@charrnn/core`) without its ids. Row `r`, step `t` is element
 * `r * maxLen + t`; sequences are right-padded, steps `t >= lengths[r]` are padding. An
 * `IdBatch` is one.
 */
export type SequenceShape = Omit<IdBatch, 'ids'>;

/** Throws InvalidArgumentError unless `shape` is consistent with itself. @internal */
export function checkSequenceShape(shape: SequenceShape): void {
  const { lengths, batchSize, maxLen } = shape;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new InvalidArgumentError(`batchSize must be a positive integer, got ${batchSize}`, {
      field: 'batchSize',
    });
  if (!Number.isInteger(maxLen) || maxLen < 1)
    throw new InvalidArgumentError(`maxLen must be a positive integer, got ${maxLen}`, { field: 'maxLen' });
  if (lengths.length !== batchSize)
    throw new InvalidArgumentError(
      `lengths has ${lengths.length} entries, expected batchSize = ${batchSize}`,
      { field: 'lengths' },
    );
  for (let r = 0; r < batchSize; r++) {
    const length = lengths[r] as number;
    if (!(length >= 0 && length <= maxLen))
      throw new InvalidArgumentError(`lengths[${r}] = ${length} is outside [0, maxLen = ${maxLen}]`, {
        field: 'lengths',
      });
  }
}

/** Step mask `[maxLen][batchSize]`: 1 where step `t` of row `r` is valid, else 0. @internal */
export function stepMask(shape: SequenceShape): Float32Array {
  const { lengths, batchSize, maxLen } = shape;
  const mask = new Float32Array(maxLen * batchSize);
  for (let t = 0; t < maxLen; t++) {
    for (let r = 0; r < batchSize; r++) if (t < (lengths[r] as number)) mask[t * batchSize + r] = 1;
  }
  return mask;
}

import type { Rng } from '@charrnn/core';

/**
 * A dropout mask of `rows × width` multipliers: 0 with probability `rate`, else `1 / (1 − rate)`
 * (inverted dropout: the expected value stays 1, so inference needs no rescaling).
 * Draws `rows * width` numbers from `rng`, row by row.
 * @internal
 */
export function dropoutMask(rng: Rng, rows: number, width: number, rate: number): Float32Array {
  const keep = 1 / (1 - rate);
  const out = new Float32Array(rows * width);
  for (let i = 0; i < out.length; i++) out[i] = rng.next() < rate ? 0 : keep;
  return out;
}

/**
 * The per-sequence mask `[batchSize, width]` repeated over the steps of each sequence:
 * `[batchSize * maxLen, width]`, row `r * maxLen + t` = row `r` (the same mask at every step).
 * @internal
 */
export function repeatOverSteps(
  mask: Float32Array,
  batchSize: number,
  maxLen: number,
  width: number,
): Float32Array {
  const out = new Float32Array(batchSize * maxLen * width);
  for (let r = 0; r < batchSize; r++)
    for (let t = 0; t < maxLen; t++)
      out.set(mask.subarray(r * width, (r + 1) * width), (r * maxLen + t) * width);
  return out;
}

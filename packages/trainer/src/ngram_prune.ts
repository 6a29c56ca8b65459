import { InvalidArgumentError } from '@charrnn/core';
import { NgramHead } from '@charrnn/layers';

/**
 * A smaller {@link NgramHead} that keeps the `maxGrams` n-grams that move the prediction most.
 *
 * Each kernel row is first centred (its mean over the classes subtracted): adding the same
 * amount to every class score changes no probability, so centring is exact and shrinks the range
 * the weights span (which helps 8-bit storage). The rows are then ranked by their largest
 * |centred weight| and the strongest `maxGrams` kept, in their original order; the bias is kept
 * as is. A name's scores change only by the rows dropped, so with a large enough `maxGrams` the
 * predictions barely move: choose it on validation data.
 *
 * @example
 * ```ts
 * model.setNgramHead(pruneNgramHead(model.ngramHead!, 20_000));
 * ```
 * @throws InvalidArgumentError when `maxGrams` is not a positive integer
 */
export function pruneNgramHead(head: NgramHead, maxGrams: number): NgramHead {
  if (!Number.isSafeInteger(maxGrams) || maxGrams < 1)
    throw new InvalidArgumentError(`must be a positive integer, got ${maxGrams}`, { field: 'maxGrams' });
  const C = head.numClasses;
  const json = head.toJSON();
  const centred = new Float32Array(head.kernel.length);
  const strength = new Float64Array(head.size);
  for (let r = 0; r < head.size; r++) {
    let mean = 0;
    for (let c = 0; c < C; c++) mean += head.kernel[r * C + c] as number;
    mean /= C;
    let peak = 0;
    for (let c = 0; c < C; c++) {
      const v = (head.kernel[r * C + c] as number) - mean;
      centred[r * C + c] = v;
      peak = Math.max(peak, Math.abs(v));
    }
    strength[r] = peak;
  }
  const keep = Array.from(strength.keys())
    .sort((a, b) => (strength[b] as number) - (strength[a] as number) || a - b)
    .slice(0, maxGrams)
    .sort((a, b) => a - b);
  const kernel = new Float32Array(keep.length * C);
  keep.forEach((r, i) => kernel.set(centred.subarray(r * C, (r + 1) * C), i * C));
  return new NgramHead(
    { ...json, grams: keep.map((r) => json.grams[r] as string) },
    { kernel, bias: Float32Array.from(head.bias) },
  );
}

import { InvalidArgumentError } from '@charrnn/core';

/**
 * Weight 1 for each non-PAD target, 0 for PAD (id 0): the example weights of a language model's
 * per-step cross-entropy.
 * @throws InvalidArgumentError when `targets` does not hold `rows` entries or every target is PAD
 * @internal
 */
export function targetWeights(targets: Int32Array, rows: number): Float32Array {
  if (targets.length !== rows)
    throw new InvalidArgumentError(
      `targets has ${targets.length} entries, expected batchSize * maxLen = ${rows}`,
      {
        field: 'targets',
      },
    );
  const weights = new Float32Array(rows);
  let any = false;
  for (let n = 0; n < rows; n++)
    if (targets[n] !== 0) {
      weights[n] = 1;
      any = true;
    }
  if (!any) throw new InvalidArgumentError('every target is PAD', { field: 'targets' });
  return weights;
}

/**
 * Summed negative log-likelihood (nats) of the non-PAD `targets` under the logits `z`
 * (`[targets.length × V]`, row n predicting target n), float64 sums, and how many targets count.
 * @internal
 */
export function summedNll(z: Float32Array, targets: Int32Array, V: number): { nats: number; count: number } {
  let nats = 0;
  let count = 0;
  for (let n = 0; n < targets.length; n++) {
    const target = targets[n] as number;
    if (target === 0) continue;
    const at = n * V;
    let max = -Infinity;
    for (let j = 0; j < V; j++) max = Math.max(max, z[at + j] as number);
    let sum = 0;
    for (let j = 0; j < V; j++) sum += Math.exp((z[at + j] as number) - max);
    nats += max + Math.log(sum) - (z[at + target] as number);
    count++;
  }
  return { nats, count };
}

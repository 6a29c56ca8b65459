import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@charrnn/core';
import { readBackIsCheap } from '@charrnn/layers/internal';

/**
 * Scales gradients so that their global L2 norm is at most `maxNorm` (PyTorch's
 * `clip_grad_norm_`, TensorFlow's `clip_by_global_norm`):
 *
 * ```
 * norm  = sqrt(Σ_g Σ_i g_i²)            over all gradients together
 * scale = maxNorm / max(norm, maxNorm)  (1 when the norm is already small enough)
 * ```
 *
 * When no scaling is needed (`norm ≤ maxNorm`) the input tensors are returned as they are — the
 * same objects, so dispose the inputs and the outputs as one set (disposing twice is harmless).
 * Otherwise the outputs are new tensors. On `cpu`/`wasm` the norm is summed in JS (in float64);
 * elsewhere with tfjs ops and a single read-back.
 *
 * @param grads gradients of any shapes
 * @param maxNorm positive bound on the global norm
 * @returns the (possibly scaled) gradients and the global norm before clipping (NaN or Infinity
 *   when a gradient is not finite; the gradients are then scaled by NaN or 0)
 * @throws InvalidArgumentError when `maxNorm` is not a positive finite number
 *
 * @example
 * ```ts
 * const { grads: clipped, norm } = clipByGlobalNorm([tf.tensor([3, 4])], 1); // norm 5 → [0.6, 0.8]
 * ```
 */
export function clipByGlobalNorm(grads: tf.Tensor[], maxNorm: number): { grads: tf.Tensor[]; norm: number } {
  if (!(maxNorm > 0 && Number.isFinite(maxNorm)))
    throw new InvalidArgumentError(`maxNorm must be a positive number, got ${maxNorm}`, { field: 'maxNorm' });
  const norm = readBackIsCheap()
    ? globalNormJs(grads)
    : (tf.tidy(() => globalNormOps(grads)).dataSync()[0] as number);
  return { grads: scaleTo(grads, norm, maxNorm), norm };
}

function globalNormJs(grads: tf.Tensor[]): number {
  let sumOfSquares = 0;
  for (const g of grads) sumOfSquares += sumOfSquaresJs(g.dataSync() as Float32Array);
  return Math.sqrt(sumOfSquares);
}

/** Σ v² in float64. @internal */
export function sumOfSquaresJs(values: Float32Array): number {
  // Four running sums: independent additions pipeline better than one long chain.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < values.length; i += 4) {
    const v0 = values[i] as number;
    const v1 = values[i + 1] as number;
    const v2 = values[i + 2] as number;
    const v3 = values[i + 3] as number;
    s0 += v0 * v0;
    s1 += v1 * v1;
    s2 += v2 * v2;
    s3 += v3 * v3;
  }
  for (; i < values.length; i++) s0 += (values[i] as number) * (values[i] as number);
  return s0 + s1 + s2 + s3;
}

/** The global L2 norm of `grads` as a scalar tensor (tfjs ops; call inside a tidy). @internal */
export function globalNormOps(grads: readonly tf.Tensor[]): tf.Scalar {
  return tf.sqrt(tf.addN(grads.map((g) => tf.sum<tf.Scalar>(tf.square(g)))));
}

function scaleTo(grads: tf.Tensor[], norm: number, maxNorm: number): tf.Tensor[] {
  if (norm <= maxNorm) return grads;
  const scale = maxNorm / Math.max(norm, maxNorm);
  return tf.tidy(() => grads.map((g) => tf.mul(g, scale)));
}

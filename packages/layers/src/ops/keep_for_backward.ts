import * as tf from '@tensorflow/tfjs-core';

/**
 * Returns a way to get `t`'s value during the backward pass without customGrad's `save`.
 * Variables live on (they are only freed explicitly), so they are used as they are; any other
 * tensor may be an intermediate that the forward `tidy` frees before the backward runs, so its
 * values are read now (a copy on `cpu`/`wasm`) and made into a tensor again when needed.
 *
 * For the `'js'` paths only: `save` clones, which copies on wasm, and tfjs' leak check (under
 * IS_TEST) reports such clones as kernel leaks.
 * @internal
 */
export function keepForBackward<T extends tf.Tensor>(t: T): () => T {
  if (t instanceof tf.Variable) return () => t;
  const values = t.dataSync();
  return () => tf.tensor(values, t.shape, t.dtype) as T;
}

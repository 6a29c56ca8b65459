import * as tf from '@tensorflow/tfjs-core';

/**
 * tanh for the `'ops'` paths: `tf.tanh`, except on wasm, whose `tanh` kernel is ≈ 15× slower
 * than its `sigmoid` (PERFORMANCE.md lesson 2): there tanh(a) = 2·σ(2a) − 1.
 * @internal
 */
export function tanhOp(): (a: tf.Tensor2D) => tf.Tensor2D {
  return tf.getBackend() === 'wasm'
    ? (a) => tf.sub(tf.mul(tf.sigmoid(tf.mul(a, 2)), 2), 1)
    : (a) => tf.tanh(a);
}

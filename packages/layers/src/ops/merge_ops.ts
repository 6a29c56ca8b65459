import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './custom_op.js';

/**
 * Merges the two directions of a bidirectional layer, with a hand-written gradient:
 * `'concat'` puts the columns side by side (`[rows, a + b]`), `'sum'` adds them.
 * @internal
 */
export function mergeDirections(
  forward: tf.Tensor2D,
  backward: tf.Tensor2D,
  mode: 'concat' | 'sum',
): tf.Tensor2D {
  const [rows, a] = forward.shape;
  const b = backward.shape[1];
  return customOp([forward, backward] as [tf.Tensor2D, tf.Tensor2D], ([f, g]) =>
    mode === 'sum'
      ? { value: tf.add<tf.Tensor2D>(f, g), gradFunc: (dy: tf.Tensor2D) => [tf.clone(dy), tf.clone(dy)] }
      : {
          value: tf.concat([f, g], 1),
          gradFunc: (dy: tf.Tensor2D) => [tf.slice(dy, [0, 0], [rows, a]), tf.slice(dy, [0, a], [rows, b])],
        },
  );
}

/**
 * `x ⊙ mask` with its gradient `dy ⊙ mask`, for dropout (`mask` holds 0 or `1 / (1 − rate)`).
 * @internal
 */
export function multiplyByMask(x: tf.Tensor2D, mask: Float32Array): tf.Tensor2D {
  return customOp([x] as [tf.Tensor2D], ([x]) => ({
    value: tf.mul(x, tf.tensor2d(mask, x.shape)),
    gradFunc: (dy: tf.Tensor2D) => [tf.mul(dy, tf.tensor2d(mask, dy.shape))],
  }));
}

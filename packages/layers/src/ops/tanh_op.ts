import * as tf from '@tensorflow/tfjs-core';
import { tanhThroughSigmoid } from '../backend_path.js';

/**
 * tanh for the `'ops'` paths: `tf.tanh`, except where {@link tanhThroughSigmoid} (wasm, whose
 * `tanh` kernel is slow): there tanh(a) = 2·σ(2a) − 1.
 * @internal
 */
export function tanhOp(): (a: tf.Tensor2D) => tf.Tensor2D {
  return tanhThroughSigmoid() ? (a) => tf.sub(tf.mul(tf.sigmoid(tf.mul(a, 2)), 2), 1) : (a) => tf.tanh(a);
}

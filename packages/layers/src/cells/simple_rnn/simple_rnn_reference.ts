import * as tf from '@tensorflow/tfjs-core';
import type { RecurrentOptions } from '../recurrent_options.js';
import { stepMask } from '../sequence_shape.js';
import type { SequenceShape } from '../sequence_shape.js';

/**
 * The tutorial RNN written the plain way, one tfjs op after another per step:
 *
 * ```
 * h_t = tanh(x_t·Wx + h_{t-1}·Wh + b)     for t < length, else h_t = h_{t-1}
 * ```
 *
 * It computes exactly what {@link simpleRnn} computes and is the yardstick the fast paths are
 * tested against. Its gradient comes from tfjs autodiff, so training through it needs the
 * gradients registered (`import '@tensorflow/tfjs'`); {@link simpleRnn} does not.
 *
 * @param x `[batchSize * maxLen, inputSize]`, row `r * maxLen + t` is step `t` of sequence `r`
 * @param Wx `[inputSize, hiddenSize]` (Keras `kernel`)
 * @param Wh `[hiddenSize, hiddenSize]` (Keras `recurrent_kernel`)
 * @param b `[hiddenSize]` (Keras `bias`)
 * @param options `returnSequences`, `recurrentDropoutMask`: see {@link RecurrentOptions}
 * @returns `[batchSize, hiddenSize]`: each sequence's state after its last valid step, or
 *   `[batchSize * maxLen, hiddenSize]` with `returnSequences`
 */
export function simpleRnnReference(
  x: tf.Tensor2D,
  Wx: tf.Tensor2D,
  Wh: tf.Tensor2D,
  b: tf.Tensor1D,
  sequences: SequenceShape,
  options: Omit<RecurrentOptions, 'path'> = {},
): tf.Tensor2D {
  const { batchSize, maxLen } = sequences;
  const [, inputSize] = x.shape;
  const hiddenSize = Wh.shape[0];
  const mask = stepMask(sequences);
  return tf.tidy(() => {
    const xSeq = tf.reshape(x, [batchSize, maxLen, inputSize]);
    const drop =
      options.recurrentDropoutMask === undefined
        ? undefined
        : tf.tensor2d(options.recurrentDropoutMask, [batchSize, hiddenSize]);
    let h: tf.Tensor2D = tf.zeros([batchSize, hiddenSize]);
    const outputs: tf.Tensor2D[] = [];
    for (let t = 0; t < maxLen; t++) {
      const xt = tf.reshape(tf.slice(xSeq, [0, t, 0], [batchSize, 1, inputSize]), [batchSize, inputSize]);
      const candidate = tf.tanh(
        tf.add(tf.add(tf.matMul(xt, Wx), tf.matMul(drop === undefined ? h : tf.mul(h, drop), Wh)), b),
      );
      const valid = tf.tensor2d(mask.subarray(t * batchSize, (t + 1) * batchSize), [batchSize, 1]);
      h = tf.add(h, tf.mul(valid, tf.sub(candidate, h)));
      outputs.push(tf.mul(h, valid));
    }
    if (options.returnSequences !== true) return h;
    return tf.reshape(tf.transpose(tf.stack(outputs), [1, 0, 2]), [batchSize * maxLen, hiddenSize]);
  });
}

import * as tf from '@tensorflow/tfjs-core';
import { applyActivation } from '../recurrent_activation.js';
import type { RecurrentOptions } from '../recurrent_options.js';
import { stepMask } from '../sequence_shape.js';
import type { SequenceShape } from '../sequence_shape.js';

/**
 * The LSTM written the plain way, one tfjs op after another per step (Keras gate order
 * i, f, c, o; σ the recurrent activation, the logistic sigmoid unless `recurrentActivation` says):
 *
 * ```
 * z_t = x_t·W + (h_{t−1} ⊙ m)·U + b          m: recurrent dropout mask (1 without dropout)
 * i, f, g, o = σ(z_i), σ(z_f), tanh(z_c), σ(z_o)
 * c_t = f ⊙ c_{t−1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)    for t < length, else carried
 * ```
 *
 * It computes exactly what {@link lstm} computes and is the yardstick the fast paths are tested
 * against. Its gradient comes from tfjs autodiff, so it needs the gradients registered
 * (`import '@tensorflow/tfjs'`); {@link lstm} does not.
 *
 * @param x `[batchSize * maxLen, inputSize]`, row `r * maxLen + t` is step `t` of sequence `r`
 * @param W `[inputSize, 4 * units]` (Keras `kernel`)
 * @param U `[units, 4 * units]` (Keras `recurrent_kernel`)
 * @param b `[4 * units]` (Keras `bias`)
 * @returns `[batchSize, units]`, or `[batchSize * maxLen, units]` with `returnSequences`
 */
export function lstmReference(
  x: tf.Tensor2D,
  W: tf.Tensor2D,
  U: tf.Tensor2D,
  b: tf.Tensor1D,
  sequences: SequenceShape,
  options: Omit<RecurrentOptions, 'path'> = {},
): tf.Tensor2D {
  const { batchSize: B, maxLen: T } = sequences;
  const E = x.shape[1];
  const H = U.shape[0];
  const mask = stepMask(sequences);
  const gate = (a: tf.Tensor2D): tf.Tensor2D => applyActivation(options.recurrentActivation ?? 'sigmoid', a);
  return tf.tidy(() => {
    const xSeq = tf.reshape(x, [B, T, E]);
    const drop =
      options.recurrentDropoutMask === undefined
        ? undefined
        : tf.tensor2d(options.recurrentDropoutMask, [B, H]);
    let h: tf.Tensor2D = tf.zeros([B, H]);
    let c: tf.Tensor2D = tf.zeros([B, H]);
    const outputs: tf.Tensor2D[] = [];
    for (let t = 0; t < T; t++) {
      const xt = tf.reshape(tf.slice(xSeq, [0, t, 0], [B, 1, E]), [B, E]);
      const hIn = drop === undefined ? h : tf.mul(h, drop);
      const z = tf.add(tf.add(tf.matMul(xt, W), tf.matMul(hIn, U)), b);
      const [zi, zf, zg, zo] = tf.split(z, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const cNext = tf.add(tf.mul(gate(zf), c), tf.mul(gate(zi), tf.tanh(zg)));
      const hNext = tf.mul(gate(zo), tf.tanh(cNext));
      const valid = tf.tensor2d(mask.subarray(t * B, (t + 1) * B), [B, 1]);
      h = tf.add(h, tf.mul(valid, tf.sub(hNext, h)));
      c = tf.add(c, tf.mul(valid, tf.sub(cNext, c)));
      outputs.push(tf.mul(h, valid));
    }
    if (options.returnSequences !== true) return h;
    return tf.reshape(tf.transpose(tf.stack(outputs), [1, 0, 2]), [B * T, H]);
  });
}

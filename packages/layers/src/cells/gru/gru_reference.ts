import * as tf from '@tensorflow/tfjs-core';
import { applyActivation } from '../recurrent_activation.js';
import type { RecurrentOptions } from '../recurrent_options.js';
import { stepMask } from '../sequence_shape.js';
import type { SequenceShape } from '../sequence_shape.js';

/**
 * The GRU written the plain way, one tfjs op after another per step (Keras gate order z, r, h;
 * σ the recurrent activation, the logistic sigmoid unless `recurrentActivation` says; `h̄ = h_{t−1} ⊙ m`, m the recurrent dropout mask, 1 without dropout):
 *
 * ```
 * z = σ(x_t·W_z + b_z + h̄·U_z (+ rb_z)),   r = σ(x_t·W_r + b_r + h̄·U_r (+ rb_r))
 * resetAfter false (Keras 2, tfjs):        h̃ = tanh(x_t·W_h + b_h + (r ⊙ h̄)·U_h)
 * resetAfter true (Keras 3, PyTorch, cuDNN): h̃ = tanh(x_t·W_h + b_h + r ⊙ (h̄·U_h + rb_h))
 * h_t = z ⊙ h_{t−1} + (1 − z) ⊙ h̃            for t < length, else carried
 * ```
 *
 * With `resetAfter` the bias is `[2, 3 * units]`: input bias `b`, then recurrent bias `rb`.
 * It computes exactly what {@link gru} computes and is the yardstick the fast paths are tested
 * against; its gradient comes from tfjs autodiff (`import '@tensorflow/tfjs'`).
 *
 * @returns `[batchSize, units]`, or `[batchSize * maxLen, units]` with `returnSequences`
 */
export function gruReference(
  x: tf.Tensor2D,
  W: tf.Tensor2D,
  U: tf.Tensor2D,
  b: tf.Tensor,
  sequences: SequenceShape,
  options: Omit<RecurrentOptions, 'path'> & { resetAfter?: boolean } = {},
): tf.Tensor2D {
  const { batchSize: B, maxLen: T } = sequences;
  const E = x.shape[1];
  const H = U.shape[0];
  const resetAfter = options.resetAfter === true;
  const mask = stepMask(sequences);
  const gate = (a: tf.Tensor2D): tf.Tensor2D => applyActivation(options.recurrentActivation ?? 'sigmoid', a);
  return tf.tidy(() => {
    const xSeq = tf.reshape(x, [B, T, E]);
    const drop =
      options.recurrentDropoutMask === undefined
        ? undefined
        : tf.tensor2d(options.recurrentDropoutMask, [B, H]);
    const [bIn, bRec] = resetAfter
      ? (tf.unstack(b) as [tf.Tensor1D, tf.Tensor1D])
      : [b as tf.Tensor1D, undefined];
    const [Uzr, Uh] = tf.split(U, [2 * H, H], 1) as [tf.Tensor2D, tf.Tensor2D];
    let h: tf.Tensor2D = tf.zeros([B, H]);
    const outputs: tf.Tensor2D[] = [];
    for (let t = 0; t < T; t++) {
      const xt = tf.reshape(tf.slice(xSeq, [0, t, 0], [B, 1, E]), [B, E]);
      const hIn: tf.Tensor2D = drop === undefined ? h : tf.mul(h, drop);
      const [xz, xr, xh] = tf.split(tf.add(tf.matMul(xt, W), bIn), 3, 1) as [
        tf.Tensor2D,
        tf.Tensor2D,
        tf.Tensor2D,
      ];
      let hh: tf.Tensor2D;
      let z: tf.Tensor2D;
      if (bRec !== undefined) {
        const [rz, rr, rh] = tf.split(tf.add(tf.matMul(hIn, U), bRec), 3, 1) as [
          tf.Tensor2D,
          tf.Tensor2D,
          tf.Tensor2D,
        ];
        z = gate(tf.add<tf.Tensor2D>(xz, rz));
        const r = gate(tf.add(xr, rr));
        hh = tf.tanh(tf.add<tf.Tensor2D>(xh, tf.mul(r, rh)));
      } else {
        const [rz, rr] = tf.split(tf.matMul(hIn, Uzr), 2, 1) as [tf.Tensor2D, tf.Tensor2D];
        z = gate(tf.add<tf.Tensor2D>(xz, rz));
        const r = gate(tf.add(xr, rr));
        hh = tf.tanh(tf.add<tf.Tensor2D>(xh, tf.matMul(tf.mul(r, hIn), Uh)));
      }
      const hNext = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh));
      const valid = tf.tensor2d(mask.subarray(t * B, (t + 1) * B), [B, 1]);
      h = tf.add(h, tf.mul(valid, tf.sub(hNext, h)));
      outputs.push(tf.mul(h, valid));
    }
    if (options.returnSequences !== true) return h;
    return tf.reshape(tf.transpose(tf.stack(outputs), [1, 0, 2]), [B * T, H]);
  });
}

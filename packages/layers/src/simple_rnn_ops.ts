import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './custom_op.js';
import { stepMask } from './sequence_shape.js';
import type { SequenceShape } from './sequence_shape.js';

/** tanh(a) = 2·σ(2a) − 1: wasm's `tanh` kernel is ≈ 15× slower than its `sigmoid` (lesson 2). */
function tanhViaSigmoid(a: tf.Tensor2D): tf.Tensor2D {
  return tf.sub(tf.mul(tf.sigmoid(tf.mul(a, 2)), 2), 1);
}

/**
 * The tutorial RNN in tfjs ops only, for GPU-like backends where reading a tensor back would
 * stall the device: the input projection for all steps is one `matMul`, the recurrence is a loop
 * of small ops, and the backward pass (backpropagation through time) is written by hand, so no
 * registered gradients are needed. Same function as {@link simpleRnnReference}.
 * @internal
 */
export function simpleRnnOps(
  x: tf.Tensor2D,
  Wx: tf.Tensor2D,
  Wh: tf.Tensor2D,
  b: tf.Tensor1D,
  sequences: SequenceShape,
): tf.Tensor2D {
  const { batchSize: B, maxLen: T } = sequences;
  const H = Wh.shape[0];
  const N = B * T;
  const tanh = tf.getBackend() === 'wasm' ? tanhViaSigmoid : (a: tf.Tensor2D) => tf.tanh(a);

  return customOp(
    [x, Wx, Wh, b] as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D],
    ([x, Wx, Wh, b], save) => {
      // [T, B, H] so that step t is one contiguous piece.
      const xWxSteps = tf.unstack(
        tf.transpose(tf.reshape(tf.add(tf.matMul(x, Wx), b), [B, T, H]), [1, 0, 2]),
      ) as tf.Tensor2D[];
      const mask = tf.tensor3d(stepMask(sequences), [T, B, 1]);
      const valid = tf.unstack(mask) as tf.Tensor2D[];
      let h: tf.Tensor2D = tf.zeros([B, H]);
      const hPrev: tf.Tensor2D[] = [];
      const candidates: tf.Tensor2D[] = [];
      for (let t = 0; t < T; t++) {
        const candidate = tanh(tf.add(xWxSteps[t] as tf.Tensor2D, tf.matMul(h, Wh)));
        hPrev.push(h);
        candidates.push(candidate);
        h = tf.add(h, tf.mul(valid[t] as tf.Tensor2D, tf.sub(candidate, h)));
      }
      // Inputs too: x may be an intermediate that is freed before the backward runs.
      save([x, Wx, Wh, tf.stack(candidates), tf.stack(hPrev), mask]);

      const gradFunc = (dy: tf.Tensor2D, saved: tf.Tensor[]): tf.Tensor[] => {
        const [xSaved, WxSaved, WhSaved, candidatesSaved, hPrevSaved, maskSaved] = saved as [
          tf.Tensor2D,
          tf.Tensor2D,
          tf.Tensor2D,
          tf.Tensor3D,
          tf.Tensor3D,
          tf.Tensor3D,
        ];
        const c = tf.unstack(candidatesSaved) as tf.Tensor2D[];
        const m = tf.unstack(maskSaved) as tf.Tensor2D[];
        const WhT = tf.transpose(WhSaved);
        const dA: tf.Tensor2D[] = new Array<tf.Tensor2D>(T);
        let dh: tf.Tensor2D = dy;
        for (let t = T - 1; t >= 0; t--) {
          const ct = c[t] as tf.Tensor2D;
          const mt = m[t] as tf.Tensor2D;
          const da: tf.Tensor2D = tf.mul(tf.mul(dh, mt), tf.sub(1, tf.square(ct)));
          dA[t] = da;
          // Padding steps carried the state through unchanged: there dh passes straight back.
          dh = tf.add<tf.Tensor2D>(tf.mul(dh, tf.sub(1, mt)), tf.matMul(da, WhT));
        }
        // Back to row r*T + t order, matching x.
        const dAFlat = tf.reshape(tf.transpose(tf.stack(dA), [1, 0, 2]), [N, H]);
        const hPrevFlat = tf.reshape(tf.transpose(hPrevSaved, [1, 0, 2]), [N, H]);
        return [
          tf.matMul(dAFlat, tf.transpose(WxSaved)),
          tf.matMul(tf.transpose(xSaved), dAFlat),
          tf.matMul(tf.transpose(hPrevFlat), dAFlat),
          tf.sum(dAFlat, 0),
        ];
      };
      return { value: h, gradFunc };
    },
  );
}

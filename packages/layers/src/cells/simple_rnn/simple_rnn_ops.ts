import * as tf from '@tensorflow/tfjs-core';
import { customOp } from '../../ops/custom_op.js';
import type { RecurrentRunOptions } from '../recurrent_options.js';
import { stepMask } from '../sequence_shape.js';
import type { SequenceShape } from '../sequence_shape.js';
import { tanhOp } from '../../ops/tanh_op.js';

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
  options: RecurrentRunOptions = { returnSequences: false },
): tf.Tensor2D {
  const { batchSize: B, maxLen: T } = sequences;
  const H = Wh.shape[0];
  const N = B * T;
  const tanh = tanhOp();
  const { returnSequences, recurrentDropoutMask } = options;
  const dropTensor = (): tf.Tensor2D | undefined =>
    recurrentDropoutMask === undefined ? undefined : tf.tensor2d(recurrentDropoutMask, [B, H]);

  return customOp(
    [x, Wx, Wh, b] as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D],
    ([x, Wx, Wh, b], save) => {
      // [T, B, H] so that step t is one contiguous piece.
      const xWxSteps = tf.unstack(
        tf.transpose(tf.reshape(tf.add(tf.matMul(x, Wx), b), [B, T, H]), [1, 0, 2]),
      ) as tf.Tensor2D[];
      const mask = tf.tensor3d(stepMask(sequences), [T, B, 1]);
      const valid = tf.unstack(mask) as tf.Tensor2D[];
      const drop = dropTensor();
      const initial = options.initialState?.[0];
      let h: tf.Tensor2D = initial === undefined ? tf.zeros([B, H]) : tf.tensor2d(initial, [B, H]);
      const hIns: tf.Tensor2D[] = [];
      const candidates: tf.Tensor2D[] = [];
      const outputs: tf.Tensor2D[] = [];
      for (let t = 0; t < T; t++) {
        const hIn: tf.Tensor2D = drop === undefined ? h : tf.mul(h, drop);
        const candidate = tanh(tf.add(xWxSteps[t] as tf.Tensor2D, tf.matMul(hIn, Wh)));
        hIns.push(hIn);
        candidates.push(candidate);
        h = tf.add(h, tf.mul(valid[t] as tf.Tensor2D, tf.sub(candidate, h)));
        if (returnSequences) outputs.push(tf.mul(h, valid[t] as tf.Tensor2D));
      }
      options.onFinalState?.([(h.dataSync() as Float32Array).slice()]);
      // Inputs too: x may be an intermediate that is freed before the backward runs.
      save([x, Wx, Wh, tf.stack(candidates), tf.stack(hIns), mask]);
      const value: tf.Tensor2D = returnSequences
        ? tf.reshape(tf.transpose(tf.stack(outputs), [1, 0, 2]), [N, H])
        : h;

      const gradFunc = (dy: tf.Tensor2D, saved: tf.Tensor[]): tf.Tensor[] => {
        const [xSaved, WxSaved, WhSaved, candidatesSaved, hInSaved, maskSaved] = saved as [
          tf.Tensor2D,
          tf.Tensor2D,
          tf.Tensor2D,
          tf.Tensor3D,
          tf.Tensor3D,
          tf.Tensor3D,
        ];
        const c = tf.unstack(candidatesSaved) as tf.Tensor2D[];
        const m = tf.unstack(maskSaved) as tf.Tensor2D[];
        const dySteps = returnSequences
          ? (tf.unstack(tf.transpose(tf.reshape(dy, [B, T, H]), [1, 0, 2])) as tf.Tensor2D[])
          : undefined;
        const dropS = dropTensor();
        const WhT = tf.transpose(WhSaved);
        const dA: tf.Tensor2D[] = new Array<tf.Tensor2D>(T);
        let dh: tf.Tensor2D = returnSequences ? tf.zeros([B, H]) : dy;
        for (let t = T - 1; t >= 0; t--) {
          const ct = c[t] as tf.Tensor2D;
          const mt = m[t] as tf.Tensor2D;
          if (dySteps !== undefined) dh = tf.add(dh, tf.mul(dySteps[t] as tf.Tensor2D, mt));
          const da: tf.Tensor2D = tf.mul(tf.mul(dh, mt), tf.sub(1, tf.square(ct)));
          dA[t] = da;
          // Padding steps carried the state through unchanged: there dh passes straight back.
          const dhIn = tf.matMul(da, WhT);
          dh = tf.add<tf.Tensor2D>(
            tf.mul(dh, tf.sub(1, mt)),
            dropS === undefined ? dhIn : tf.mul(dhIn, dropS),
          );
        }
        // Back to row r*T + t order, matching x.
        const dAFlat = tf.reshape(tf.transpose(tf.stack(dA), [1, 0, 2]), [N, H]);
        const hInFlat = tf.reshape(tf.transpose(hInSaved, [1, 0, 2]), [N, H]);
        return [
          tf.matMul(dAFlat, tf.transpose(WxSaved)),
          tf.matMul(tf.transpose(xSaved), dAFlat),
          tf.matMul(tf.transpose(hInFlat), dAFlat),
          tf.sum(dAFlat, 0),
        ];
      };
      return { value, gradFunc };
    },
  );
}

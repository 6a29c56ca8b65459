import * as tf from '@tensorflow/tfjs-core';
import { customOp } from '../../ops/custom_op.js';
import { activationSlope, applyActivation } from '../recurrent_activation.js';
import type { RecurrentRunOptions } from '../recurrent_options.js';
import { tanhOp } from '../../ops/tanh_op.js';
import { stepMask } from '../sequence_shape.js';
import type { SequenceShape } from '../sequence_shape.js';

/**
 * The LSTM in tfjs ops only, for GPU-like backends where reading a tensor back would stall the
 * device: the input projection for all steps is one `matMul`, each step one `matMul` for all
 * four gates, and the backward pass (backpropagation through time) is written by hand, so no
 * registered gradients are needed. Same function as {@link lstmReference}.
 * @internal
 */
export function lstmOps(
  x: tf.Tensor2D,
  W: tf.Tensor2D,
  U: tf.Tensor2D,
  b: tf.Tensor1D,
  sequences: SequenceShape,
  options: RecurrentRunOptions,
): tf.Tensor2D {
  const { batchSize: B, maxLen: T } = sequences;
  const H = U.shape[0];
  const N = B * T;
  const { returnSequences, recurrentDropoutMask } = options;
  const act = options.recurrentActivation ?? 'sigmoid';
  const tanh = tanhOp();

  return customOp(
    [x, W, U, b] as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D],
    ([x, W, U, b], save) => {
      // [T, B, 4H] so that step t is one contiguous piece.
      const xzSteps = tf.unstack(
        tf.transpose(tf.reshape(tf.add(tf.matMul(x, W), b), [B, T, 4 * H]), [1, 0, 2]),
      ) as tf.Tensor2D[];
      const mask = tf.tensor3d(stepMask(sequences), [T, B, 1]);
      const valid = tf.unstack(mask) as tf.Tensor2D[];
      const drop = recurrentDropoutMask === undefined ? undefined : tf.tensor2d(recurrentDropoutMask, [B, H]);
      const initial = options.initialState;
      let h: tf.Tensor2D =
        initial === undefined ? tf.zeros([B, H]) : tf.tensor2d(initial[0] as Float32Array, [B, H]);
      let c: tf.Tensor2D =
        initial === undefined ? tf.zeros([B, H]) : tf.tensor2d(initial[1] as Float32Array, [B, H]);
      const hIns: tf.Tensor2D[] = [];
      const cPrevs: tf.Tensor2D[] = [];
      const gates: tf.Tensor2D[] = [];
      const tanhCs: tf.Tensor2D[] = [];
      const outputs: tf.Tensor2D[] = [];
      for (let t = 0; t < T; t++) {
        const hIn: tf.Tensor2D = drop === undefined ? h : tf.mul(h, drop);
        const z = tf.add(xzSteps[t] as tf.Tensor2D, tf.matMul(hIn, U));
        const [zi, zf, zg, zo] = tf.split(z, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const [i, f, g, o] = [
          applyActivation(act, zi),
          applyActivation(act, zf),
          tanh(zg),
          applyActivation(act, zo),
        ];
        const cNext: tf.Tensor2D = tf.add(tf.mul(f, c), tf.mul(i, g));
        const tc = tanh(cNext);
        const hNext = tf.mul(o, tc) as tf.Tensor2D;
        const m = valid[t] as tf.Tensor2D;
        hIns.push(hIn);
        cPrevs.push(c);
        gates.push(tf.concat([i, f, g, o], 1));
        tanhCs.push(tc);
        h = tf.add(h, tf.mul(m, tf.sub(hNext, h)));
        c = tf.add(c, tf.mul(m, tf.sub(cNext, c)));
        if (returnSequences) outputs.push(tf.mul(h, m));
      }
      options.onFinalState?.(
        [h.dataSync() as Float32Array, c.dataSync() as Float32Array].map((s) => s.slice()),
      );
      // Inputs too: x may be an intermediate that is freed before the backward runs.
      save([x, W, U, tf.stack(hIns), tf.stack(cPrevs), tf.stack(gates), tf.stack(tanhCs), mask]);
      const value: tf.Tensor2D = returnSequences
        ? tf.reshape(tf.transpose(tf.stack(outputs), [1, 0, 2]), [N, H])
        : h;

      const gradFunc = (dy: tf.Tensor2D, saved: tf.Tensor[]): tf.Tensor[] => {
        const [xS, WS, US, hInS, cPrevS, gatesS, tanhCS, maskS] = saved as [
          tf.Tensor2D,
          tf.Tensor2D,
          tf.Tensor2D,
          tf.Tensor3D,
          tf.Tensor3D,
          tf.Tensor3D,
          tf.Tensor3D,
          tf.Tensor3D,
        ];
        const gs = tf.unstack(gatesS) as tf.Tensor2D[];
        const cp = tf.unstack(cPrevS) as tf.Tensor2D[];
        const tcs = tf.unstack(tanhCS) as tf.Tensor2D[];
        const ms = tf.unstack(maskS) as tf.Tensor2D[];
        const dySteps = returnSequences
          ? (tf.unstack(tf.transpose(tf.reshape(dy, [B, T, H]), [1, 0, 2])) as tf.Tensor2D[])
          : undefined;
        const dropS =
          drop === undefined ? undefined : tf.tensor2d(recurrentDropoutMask as Float32Array, [B, H]);
        const UT = tf.transpose(US);
        const dZ: tf.Tensor2D[] = new Array<tf.Tensor2D>(T);
        let dh: tf.Tensor2D = returnSequences ? tf.zeros([B, H]) : dy;
        let dc: tf.Tensor2D = tf.zeros([B, H]);
        for (let t = T - 1; t >= 0; t--) {
          const m = ms[t] as tf.Tensor2D;
          if (dySteps !== undefined) dh = tf.add(dh, tf.mul(dySteps[t] as tf.Tensor2D, m));
          const [i, f, g, o] = tf.split(gs[t] as tf.Tensor2D, 4, 1) as [
            tf.Tensor2D,
            tf.Tensor2D,
            tf.Tensor2D,
            tf.Tensor2D,
          ];
          const tc = tcs[t] as tf.Tensor2D;
          const dhn = tf.mul(dh, m);
          const dcn = tf.add(tf.mul(dc, m), tf.mul(tf.mul(dhn, o), tf.sub(1, tf.square(tc))));
          const dz = tf.concat(
            [
              tf.mul(tf.mul(dcn, g), activationSlope(act, i)),
              tf.mul(tf.mul(dcn, cp[t] as tf.Tensor2D), activationSlope(act, f)),
              tf.mul(tf.mul(dcn, i), tf.sub(1, tf.square(g))),
              tf.mul(tf.mul(dhn, tc), activationSlope(act, o)),
            ],
            1,
          ) as tf.Tensor2D;
          dZ[t] = dz;
          const notM = tf.sub(1, m);
          dc = tf.add(tf.mul(dc, notM), tf.mul(dcn, f));
          const dhIn = tf.matMul(dz, UT);
          dh = tf.add(tf.mul(dh, notM), dropS === undefined ? dhIn : tf.mul(dhIn, dropS));
        }
        const dZFlat = tf.reshape(tf.transpose(tf.stack(dZ), [1, 0, 2]), [N, 4 * H]);
        const hInFlat = tf.reshape(tf.transpose(hInS, [1, 0, 2]), [N, H]);
        return [
          tf.matMul(dZFlat, tf.transpose(WS)),
          tf.matMul(tf.transpose(xS), dZFlat),
          tf.matMul(tf.transpose(hInFlat), dZFlat),
          tf.sum(dZFlat, 0),
        ];
      };
      return { value, gradFunc };
    },
  );
}

import * as tf from '@tensorflow/tfjs-core';
import { customOp } from '../../ops/custom_op.js';
import { activationSlope, applyActivation } from '../recurrent_activation.js';
import type { RecurrentRunOptions } from '../recurrent_options.js';
import { stepMask } from '../sequence_shape.js';
import type { SequenceShape } from '../sequence_shape.js';
import { tanhOp } from '../../ops/tanh_op.js';

/**
 * The GRU in tfjs ops only, for GPU-like backends where reading a tensor back would stall the
 * device, with a hand-written backward pass (no registered gradients needed). Same function as
 * {@link gruReference}.
 * @internal
 */
export function gruOps(
  x: tf.Tensor2D,
  W: tf.Tensor2D,
  U: tf.Tensor2D,
  b: tf.Tensor,
  sequences: SequenceShape,
  options: RecurrentRunOptions,
  resetAfter: boolean,
): tf.Tensor2D {
  const { batchSize: B, maxLen: T } = sequences;
  const H = U.shape[0];
  const G = 3 * H;
  const N = B * T;
  const { returnSequences, recurrentDropoutMask } = options;
  const act = options.recurrentActivation ?? 'sigmoid';
  const tanh = tanhOp();
  const dropTensor = (): tf.Tensor2D | undefined =>
    recurrentDropoutMask === undefined ? undefined : tf.tensor2d(recurrentDropoutMask, [B, H]);

  return customOp(
    [x, W, U, b] as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor],
    ([x, W, U, b], save) => {
      const [bIn, bRec] = resetAfter
        ? (tf.unstack(b) as [tf.Tensor1D, tf.Tensor1D])
        : [b as tf.Tensor1D, undefined];
      // [T, B, 3H] so that step t is one contiguous piece.
      const xzSteps = tf.unstack(
        tf.transpose(tf.reshape(tf.add(tf.matMul(x, W), bIn), [B, T, G]), [1, 0, 2]),
      ) as tf.Tensor2D[];
      const mask = tf.tensor3d(stepMask(sequences), [T, B, 1]);
      const valid = tf.unstack(mask) as tf.Tensor2D[];
      const drop = dropTensor();
      const [Uzr, Uh] = tf.split(U, [2 * H, H], 1) as [tf.Tensor2D, tf.Tensor2D];
      const initial = options.initialState?.[0];
      let h: tf.Tensor2D = initial === undefined ? tf.zeros([B, H]) : tf.tensor2d(initial, [B, H]);
      const hPrevs: tf.Tensor2D[] = [];
      const hIns: tf.Tensor2D[] = [];
      const gates: tf.Tensor2D[] = [];
      const auxs: tf.Tensor2D[] = [];
      const outputs: tf.Tensor2D[] = [];
      for (let t = 0; t < T; t++) {
        const hIn: tf.Tensor2D = drop === undefined ? h : tf.mul(h, drop);
        const [xz, xr, xh] = tf.split(xzSteps[t] as tf.Tensor2D, 3, 1) as [
          tf.Tensor2D,
          tf.Tensor2D,
          tf.Tensor2D,
        ];
        let z: tf.Tensor2D;
        let r: tf.Tensor2D;
        let hh: tf.Tensor2D;
        let aux: tf.Tensor2D;
        if (bRec !== undefined) {
          const [rz, rr, rh] = tf.split(tf.add(tf.matMul(hIn, U), bRec), 3, 1) as [
            tf.Tensor2D,
            tf.Tensor2D,
            tf.Tensor2D,
          ];
          z = applyActivation(act, tf.add<tf.Tensor2D>(xz, rz));
          r = applyActivation(act, tf.add<tf.Tensor2D>(xr, rr));
          aux = rh;
          hh = tanh(tf.add<tf.Tensor2D>(xh, tf.mul(r, rh)));
        } else {
          const [rz, rr] = tf.split(tf.matMul(hIn, Uzr), 2, 1) as [tf.Tensor2D, tf.Tensor2D];
          z = applyActivation(act, tf.add<tf.Tensor2D>(xz, rz));
          r = applyActivation(act, tf.add<tf.Tensor2D>(xr, rr));
          aux = tf.mul(r, hIn);
          hh = tanh(tf.add<tf.Tensor2D>(xh, tf.matMul(aux, Uh)));
        }
        const hNext = tf.add<tf.Tensor2D>(hh, tf.mul(z, tf.sub(h, hh)));
        hPrevs.push(h);
        hIns.push(hIn);
        gates.push(tf.concat([z, r, hh], 1));
        auxs.push(aux);
        h = tf.add(h, tf.mul(valid[t] as tf.Tensor2D, tf.sub(hNext, h)));
        if (returnSequences) outputs.push(tf.mul(h, valid[t] as tf.Tensor2D));
      }
      options.onFinalState?.([(h.dataSync() as Float32Array).slice()]);
      // Inputs too: x may be an intermediate that is freed before the backward runs.
      save([x, W, U, tf.stack(hPrevs), tf.stack(hIns), tf.stack(gates), tf.stack(auxs), mask]);
      const value: tf.Tensor2D = returnSequences
        ? tf.reshape(tf.transpose(tf.stack(outputs), [1, 0, 2]), [N, H])
        : h;

      const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
        const [xS, WS, US, hPrevS, hInS, gatesS, auxS, maskS] = saved as [
          tf.Tensor2D,
          tf.Tensor2D,
          tf.Tensor2D,
          tf.Tensor3D,
          tf.Tensor3D,
          tf.Tensor3D,
          tf.Tensor3D,
          tf.Tensor3D,
        ];
        const hp = tf.unstack(hPrevS) as tf.Tensor2D[];
        const hi = tf.unstack(hInS) as tf.Tensor2D[];
        const gs = tf.unstack(gatesS) as tf.Tensor2D[];
        const ax = tf.unstack(auxS) as tf.Tensor2D[];
        const ms = tf.unstack(maskS) as tf.Tensor2D[];
        const dySteps = returnSequences
          ? (tf.unstack(tf.transpose(tf.reshape(dy, [B, T, H]), [1, 0, 2])) as tf.Tensor2D[])
          : undefined;
        const dropS = dropTensor();
        const [UzrS, UhS] = tf.split(US, [2 * H, H], 1) as [tf.Tensor2D, tf.Tensor2D];
        const UT = tf.transpose(US);
        const UzrT = tf.transpose(UzrS);
        const UhT = tf.transpose(UhS);
        const dZx: tf.Tensor2D[] = new Array<tf.Tensor2D>(T);
        const dRec: tf.Tensor2D[] = new Array<tf.Tensor2D>(T);
        let dh: tf.Tensor2D = returnSequences ? tf.zeros([B, H]) : (dy as tf.Tensor2D);
        for (let t = T - 1; t >= 0; t--) {
          const m = ms[t] as tf.Tensor2D;
          if (dySteps !== undefined) dh = tf.add(dh, tf.mul(dySteps[t] as tf.Tensor2D, m));
          const [z, r, hh] = tf.split(gs[t] as tf.Tensor2D, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
          const dhn = tf.mul(dh, m);
          const dz = tf.mul(tf.mul(dhn, tf.sub(hp[t] as tf.Tensor2D, hh)), activationSlope(act, z));
          const dah = tf.mul(tf.mul(dhn, tf.sub(1, z)), tf.sub(1, tf.square(hh)));
          let dr: tf.Tensor2D;
          let dLeft: tf.Tensor2D;
          if (resetAfter) {
            dr = tf.mul(tf.mul(dah, ax[t] as tf.Tensor2D), activationSlope(act, r));
            const dRecT = tf.concat([dz, dr, tf.mul(dah, r)], 1) as tf.Tensor2D;
            dRec[t] = dRecT;
            dLeft = tf.matMul(dRecT, UT);
          } else {
            const drh = tf.matMul(dah, UhT);
            dr = tf.mul(tf.mul(drh, hi[t] as tf.Tensor2D), activationSlope(act, r));
            dLeft = tf.add(tf.mul(drh, r), tf.matMul(tf.concat([dz, dr], 1), UzrT));
          }
          dZx[t] = tf.concat([dz, dr, dah], 1) as tf.Tensor2D;
          dh = tf.add(
            tf.add(tf.mul(dh, tf.sub(1, m)), tf.mul(dhn, z)),
            dropS === undefined ? dLeft : tf.mul(dLeft, dropS),
          );
        }
        const flat = (steps: tf.Tensor[] | tf.Tensor3D, width: number): tf.Tensor2D =>
          tf.reshape(tf.transpose(Array.isArray(steps) ? tf.stack(steps) : steps, [1, 0, 2]), [N, width]);
        const dZxFlat = flat(dZx, G);
        const hInFlat = flat(hInS, H);
        const dbIn = tf.sum(dZxFlat, 0);
        let dU: tf.Tensor2D;
        let db: tf.Tensor;
        if (resetAfter) {
          const dRecFlat = flat(dRec, G);
          dU = tf.matMul(tf.transpose(hInFlat), dRecFlat);
          db = tf.stack([dbIn, tf.sum(dRecFlat, 0)]);
        } else {
          const [dZzr, dZh] = tf.split(dZxFlat, [2 * H, H], 1) as [tf.Tensor2D, tf.Tensor2D];
          dU = tf.concat(
            [
              tf.matMul(tf.transpose(hInFlat), dZzr),
              tf.matMul(tf.transpose(flat(auxS, H)), dZh),
            ] as tf.Tensor2D[],
            1,
          );
          db = dbIn;
        }
        return [tf.matMul(dZxFlat, tf.transpose(WS)), tf.matMul(tf.transpose(xS), dZxFlat), dU, db];
      };
      return { value, gradFunc };
    },
  );
}

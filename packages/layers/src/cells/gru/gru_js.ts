import * as tf from '@tensorflow/tfjs-core';
import { customOp } from '../../ops/custom_op.js';
import { keepForBackward } from '../../ops/keep_for_backward.js';
import { sigmoid, tanhJs } from '../activations_js.js';
import { columns, columnSums, inputProjection, inputSideGradients, weightGradient } from '../products_js.js';
import type { RecurrentRunOptions } from '../recurrent_options.js';
import {
  finalStateRows,
  gatherRows,
  gatherSequenceOutputs,
  planRecurrentRun,
  reorderRows,
} from '../run_plan.js';
import { StepMatrix } from '../step_matrix.js';
import { gruSimd } from './gru_simd.js';
import type { SequenceShape } from '../sequence_shape.js';
import { simdKernels } from '../../kernels/simd_kernels.js';

/**
 * The GRU for backends where reading tensors back is cheap (`cpu`, `wasm`): the input
 * projection of every step is one product; per step the recurrent products (one with
 * `resetAfter`, two without: the candidate's product needs the reset gate first) feed the gate
 * math — in our WebAssembly SIMD kernels where they exist ({@link gruSimd}), else in JS on
 * Float32Arrays; backpropagation through time runs the same way.
 * Same function as {@link gruReference}.
 * @internal
 */
export function gruJs(
  x: tf.Tensor2D,
  W: tf.Tensor2D,
  U: tf.Tensor2D,
  b: tf.Tensor,
  sequences: SequenceShape,
  options: RecurrentRunOptions,
  resetAfter: boolean,
): tf.Tensor2D {
  const { lengths, batchSize: B, maxLen: T } = sequences;
  const E = W.shape[0];
  const H = U.shape[0];
  const G = 3 * H;
  const N = B * T;
  const plan = planRecurrentRun(lengths, T, H, options.recurrentDropoutMask);
  const { order, running, valid, compact, M, onCpu, dropMask } = plan;
  const { returnSequences } = options;

  return customOp([x, W, U, b] as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor], ([x, W, U, b]) => {
    const xData = gatherRows(x.dataSync() as Float32Array, valid, E); // [M, E]
    const WKept = keepForBackward(W);
    // [M, 3H], compact row compact[r*T + t]
    const xW = M === 0 ? new Float32Array(0) : inputProjection(tf.tensor2d(xData, [M, E]), xData, W, onCpu);
    const bias = b.dataSync() as Float32Array; // [3H], or [2, 3H] with resetAfter
    const UData = U.dataSync() as Float32Array;
    const simd = simdKernels();
    if (simd !== undefined)
      return gruSimd(simd, {
        xW,
        gradients: (dZx) => inputSideGradients(dZx, xData, WKept(), valid, N, onCpu),
        UData,
        bias,
        biasShape: b.shape,
        plan,
        sequences,
        returnSequences,
        ...(options.initialState?.[0] === undefined ? {} : { initialState: options.initialState[0] }),
        ...(options.onFinalState === undefined ? {} : { onFinalState: options.onFinalState }),
        H,
        resetAfter,
      });
    // resetAfter: one product h·U. Otherwise h·U_zr for the gates, then (r ⊙ h)·U_h.
    const Ufull = new StepMatrix(UData, H, G);
    const Uzr = new StepMatrix(columns(UData, H, G, 0, 2 * H), H, 2 * H);
    const Uh = new StepMatrix(columns(UData, H, G, 2 * H, G), H, H);
    const RS = resetAfter ? G : 2 * H; // row stride of `rec`
    const rb = (k: number): number => (resetAfter ? (bias[G + k] as number) : 0);

    // h[t] (t = 0..T): the state entering step t, rows in `order`; h[0] = 0 unless given.
    const h = new Float32Array((T + 1) * B * H);
    if (options.initialState !== undefined)
      h.set(reorderRows(options.initialState[0] as Float32Array, order, H));
    const acts = new Float32Array(T * B * G); // z, r, h̃ of every step
    // resetAfter: h·U_h + rb_h; otherwise r ⊙ h (the candidate product's input), every step.
    const aux = new Float32Array(T * B * H);
    const hIn = new Float32Array(B * H);
    const rec = new Float32Array(B * G);
    const recH = new Float32Array(B * H);
    const recurrentInput = (t: number, rows: number): Float32Array => {
      const hPrev = h.subarray(t * B * H);
      if (dropMask === undefined) return hPrev;
      for (let k = 0; k < rows * H; k++) hIn[k] = (hPrev[k] as number) * (dropMask[k] as number);
      return hIn;
    };
    for (let t = 0; t < T; t++) {
      const rows = running[t] as number;
      if (rows === 0) break;
      const left = recurrentInput(t, rows);
      (resetAfter ? Ufull : Uzr).times(left, rows, rec);
      const s = t * B * H;
      for (let i = 0; i < rows; i++) {
        const xo = (compact[(order[i] as number) * T + t] as number) * G;
        const ro = i * RS;
        const ao = (t * B + i) * G;
        const xa = (t * B + i) * H;
        for (let j = 0; j < H; j++) {
          const z = sigmoid((xW[xo + j] as number) + (bias[j] as number) + (rec[ro + j] as number) + rb(j));
          const r = sigmoid(
            (xW[xo + H + j] as number) + (bias[H + j] as number) + (rec[ro + H + j] as number) + rb(H + j),
          );
          acts[ao + j] = z;
          acts[ao + H + j] = r;
          aux[xa + j] = resetAfter
            ? (rec[ro + 2 * H + j] as number) + rb(2 * H + j)
            : r * (left[i * H + j] as number);
        }
      }
      if (!resetAfter) Uh.times(aux.subarray(t * B * H), rows, recH);
      for (let i = 0; i < rows; i++) {
        const xo = (compact[(order[i] as number) * T + t] as number) * G;
        const ao = (t * B + i) * G;
        const xa = (t * B + i) * H;
        const ho = i * H;
        for (let j = 0; j < H; j++) {
          const z = acts[ao + j] as number;
          const recurrent = resetAfter
            ? (acts[ao + H + j] as number) * (aux[xa + j] as number)
            : (recH[ho + j] as number);
          const hh = tanhJs((xW[xo + 2 * H + j] as number) + (bias[2 * H + j] as number) + recurrent);
          acts[ao + 2 * H + j] = hh;
          const hp = h[s + ho + j] as number;
          h[s + B * H + ho + j] = hh + z * (hp - hh);
        }
      }
    }
    // Their tensors (if any) are made again on the backward's first use.
    for (const m of [Ufull, Uzr, Uh]) m.dispose();
    const value = gatherSequenceOutputs(h, lengths, order, running, T, H, returnSequences);
    options.onFinalState?.([finalStateRows(h, lengths, order, H)]);

    const gradFunc = (dy: tf.Tensor): tf.Tensor[] => {
      const dyData = dy.dataSync() as Float32Array;
      const dh = returnSequences ? new Float32Array(B * H) : reorderRows(dyData, order, H);
      const dZx = new Float32Array(M * G); // pre-activation gradients on the input side, compact row
      const dRec = resetAfter ? new Float32Array(M * G) : undefined; // ... on the recurrent side
      const dStep = new Float32Array(B * G);
      const dAh = new Float32Array(B * H);
      const dLeft = new Float32Array(B * H);
      const dLeft2 = new Float32Array(B * H);
      const hInAll = new Float32Array(M * H);
      const auxAll = resetAfter ? undefined : new Float32Array(M * H);
      for (let t = T - 1; t >= 0; t--) {
        const rows = running[t] as number;
        if (rows === 0) continue;
        const s = t * B * H;
        const left = recurrentInput(t, rows);
        for (let i = 0; i < rows; i++) {
          const n = (order[i] as number) * T + t;
          const m = compact[n] as number;
          const ho = i * H;
          const ao = (t * B + i) * G;
          const xa = (t * B + i) * H;
          if (returnSequences)
            for (let j = 0; j < H; j++) dh[ho + j] = (dh[ho + j] as number) + (dyData[n * H + j] as number);
          for (let j = 0; j < H; j++) {
            const z = acts[ao + j] as number;
            const r = acts[ao + H + j] as number;
            const hh = acts[ao + 2 * H + j] as number;
            const dhj = dh[ho + j] as number;
            const dz = dhj * ((h[s + ho + j] as number) - hh) * z * (1 - z);
            const dah = dhj * (1 - z) * (1 - hh * hh);
            dZx[m * G + j] = dz;
            dZx[m * G + 2 * H + j] = dah;
            dh[ho + j] = dhj * z;
            if (resetAfter) {
              const inner = aux[xa + j] as number;
              const dr = dah * inner * r * (1 - r);
              dZx[m * G + H + j] = dr;
              dStep[i * G + j] = dz;
              dStep[i * G + H + j] = dr;
              dStep[i * G + 2 * H + j] = dah * r;
            } else dAh[ho + j] = dah;
          }
          hInAll.set(left.subarray(ho, ho + H), m * H);
          if (resetAfter) (dRec as Float32Array).set(dStep.subarray(i * G, i * G + G), m * G);
          else (auxAll as Float32Array).set(aux.subarray((t * B + i) * H, (t * B + i + 1) * H), m * H);
        }
        if (resetAfter) Ufull.timesTransposed(dStep, rows, dLeft);
        else {
          Uh.timesTransposed(dAh, rows, dLeft2); // d(r ⊙ h)
          for (let i = 0; i < rows; i++) {
            const m = compact[(order[i] as number) * T + t] as number;
            const ao = (t * B + i) * G;
            for (let j = 0; j < H; j++) {
              const k = i * H + j;
              const r = acts[ao + H + j] as number;
              const drh = dLeft2[k] as number;
              const dr = drh * (left[k] as number) * r * (1 - r);
              dZx[m * G + H + j] = dr;
              dStep[i * 2 * H + j] = dZx[m * G + j] as number;
              dStep[i * 2 * H + H + j] = dr;
              dLeft2[k] = drh * r;
            }
          }
          Uzr.timesTransposed(dStep, rows, dLeft);
          for (let k = 0; k < rows * H; k++) dLeft[k] = (dLeft[k] as number) + (dLeft2[k] as number);
        }
        // dh_{t-1} = dh·z + d(h ⊙ mask). Rows past their last step keep dh: state carried.
        for (let k = 0; k < rows * H; k++)
          dh[k] =
            (dh[k] as number) + (dLeft[k] as number) * (dropMask === undefined ? 1 : (dropMask[k] as number));
      }
      for (const m of [Ufull, Uzr, Uh]) m.dispose();

      const db = new Float32Array(resetAfter ? 2 * G : G);
      columnSums(dZx, M, G, db);
      if (dRec !== undefined) columnSums(dRec, M, G, db, G);
      // dU: resetAfter: hInᵀ·dRec. Otherwise [hInᵀ·dZx_zr | (r ⊙ h)ᵀ·dZx_h].
      const dU =
        dRec !== undefined
          ? weightGradient(hInAll, dRec, M, H, G, onCpu)
          : tf.concat(
              [
                weightGradient(hInAll, columns(dZx, M, G, 0, 2 * H), M, H, 2 * H, onCpu),
                weightGradient(auxAll as Float32Array, columns(dZx, M, G, 2 * H, G), M, H, H, onCpu),
              ],
              1,
            );
      return [...inputSideGradients(dZx, xData, WKept(), valid, N, onCpu), dU, tf.tensor(db, b.shape)];
    };
    return { value, gradFunc };
  });
}

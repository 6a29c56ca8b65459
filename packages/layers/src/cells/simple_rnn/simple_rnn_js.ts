import * as tf from '@tensorflow/tfjs-core';
import { customOp } from '../../ops/custom_op.js';
import { keepForBackward } from '../../ops/keep_for_backward.js';
import { tanhJs } from '../activations_js.js';
import { columnSums, inputProjection, inputSideGradients, weightGradient } from '../products_js.js';
import type { RecurrentRunOptions } from '../recurrent_options.js';
import {
  finalStateRows,
  gatherRows,
  gatherSequenceOutputs,
  planRecurrentRun,
  reorderRows,
} from '../run_plan.js';
import { StepMatrix } from '../step_matrix.js';
import type { SequenceShape } from '../sequence_shape.js';
import { simdKernels } from '../../kernels/simd_kernels.js';
import { simpleRnnSimd } from './simple_rnn_simd.js';

/**
 * The tutorial RNN for backends where reading tensors back is cheap (`cpu`, `wasm`): the input
 * projection `x·Wx` of every step is one `matMul`; the recurrence and its backpropagation through
 * time run in our WebAssembly SIMD kernels where they exist ({@link simpleRnnSimd}), else in JS
 * on Float32Arrays; the weight gradients are again one `matMul` each over all
 * steps. Those big products are tfjs ops on wasm and JS loops on cpu. Same function as
 * {@link simpleRnnReference}.
 *
 * Rows are processed longest first, so the sequences still running at step `t` are the first
 * `running[t]` rows and padding costs no recurrent arithmetic.
 * @internal
 */
export function simpleRnnJs(
  x: tf.Tensor2D,
  Wx: tf.Tensor2D,
  Wh: tf.Tensor2D,
  b: tf.Tensor1D,
  sequences: SequenceShape,
  options: RecurrentRunOptions = { returnSequences: false },
): tf.Tensor2D {
  const { lengths, batchSize: B, maxLen: T } = sequences;
  const [E, H] = Wx.shape;
  const N = B * T;
  const plan = planRecurrentRun(lengths, T, H, options.recurrentDropoutMask);
  const { order, running, valid, compact, M, onCpu, dropMask } = plan;
  const { returnSequences } = options;

  return customOp(
    [x, Wx, Wh, b] as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D],
    ([x, Wx, Wh, b]) => {
      const xData = gatherRows(x.dataSync() as Float32Array, valid, E); // [M, E]
      const WxKept = keepForBackward(Wx);
      // [M, H], compact row compact[r*T + t]
      const xWx =
        M === 0 ? new Float32Array(0) : inputProjection(tf.tensor2d(xData, [M, E]), xData, Wx, onCpu);
      const bias = b.dataSync() as Float32Array;
      const simd = simdKernels();
      if (simd !== undefined)
        return simpleRnnSimd(
          simd,
          { xW: xWx, gradients: (dA) => inputSideGradients(dA, xData, WxKept(), valid, N, onCpu) },
          Wh.dataSync() as Float32Array,
          bias,
          plan,
          sequences,
          returnSequences,
          H,
          options,
        );
      const WhStep = new StepMatrix(Wh.dataSync() as Float32Array, H, H);

      // h[t] (t = 0..T) is the state entering step t, rows in `order`; h[0] = 0 unless given.
      const h = new Float32Array((T + 1) * B * H);
      if (options.initialState !== undefined)
        h.set(reorderRows(options.initialState[0] as Float32Array, order, H));
      const hIn = new Float32Array(B * H); // h ⊙ recurrent dropout mask
      const hWh = new Float32Array(B * H);
      const recurrentInput = (t: number, rows: number): Float32Array => {
        const hPrev = h.subarray(t * B * H);
        if (dropMask === undefined) return hPrev;
        for (let k = 0; k < rows * H; k++) hIn[k] = (hPrev[k] as number) * (dropMask[k] as number);
        return hIn;
      };
      for (let t = 0; t < T; t++) {
        const rows = running[t] as number;
        if (rows === 0) break;
        WhStep.times(recurrentInput(t, rows), rows, hWh);
        const next = (t + 1) * B * H;
        for (let i = 0; i < rows; i++) {
          const step = (compact[(order[i] as number) * T + t] as number) * H;
          for (let j = 0; j < H; j++) {
            h[next + i * H + j] = tanhJs(
              (xWx[step + j] as number) + (hWh[i * H + j] as number) + (bias[j] as number),
            );
          }
        }
      }
      WhStep.dispose(); // its tensor (if any) is made again on the backward's first use
      const value = gatherSequenceOutputs(h, lengths, order, running, T, H, returnSequences);
      options.onFinalState?.([finalStateRows(h, lengths, order, H)]);

      const gradFunc = (dy: tf.Tensor2D): tf.Tensor[] => {
        const dyData = dy.dataSync() as Float32Array;
        // dh: gradient reaching the state entering the current step, rows in `order`.
        const dh = returnSequences ? new Float32Array(B * H) : reorderRows(dyData, order, H);
        const da = new Float32Array(B * H); // gradient at one step's pre-activation
        const dA = new Float32Array(M * H); // ... at every valid step's, compact row
        const hInAll = new Float32Array(M * H); // the recurrent product's input, compact row
        for (let t = T - 1; t >= 0; t--) {
          const rows = running[t] as number;
          if (rows === 0) continue;
          const left = recurrentInput(t, rows);
          const hNext = h.subarray((t + 1) * B * H);
          for (let i = 0; i < rows; i++) {
            const n = (order[i] as number) * T + t;
            const m = compact[n] as number;
            if (returnSequences)
              for (let j = 0; j < H; j++)
                dh[i * H + j] = (dh[i * H + j] as number) + (dyData[n * H + j] as number);
            for (let j = 0; j < H; j++) {
              const hj = hNext[i * H + j] as number;
              const g = (dh[i * H + j] as number) * (1 - hj * hj);
              da[i * H + j] = g;
              dA[m * H + j] = g;
            }
            hInAll.set(left.subarray(i * H, i * H + H), m * H);
          }
          // dh_{t-1} = (da·Whᵀ) ⊙ mask. Rows past their last step keep dh: state carried.
          WhStep.timesTransposed(da, rows, dh);
          if (dropMask !== undefined)
            for (let k = 0; k < rows * H; k++) dh[k] = (dh[k] as number) * (dropMask[k] as number);
        }
        WhStep.dispose();

        const db = new Float32Array(H);
        columnSums(dA, M, H, db);
        return [
          ...inputSideGradients(dA, xData, WxKept(), valid, N, onCpu),
          weightGradient(hInAll, dA, M, H, H, onCpu),
          tf.tensor1d(db),
        ];
      };
      return { value, gradFunc };
    },
  );
}

import * as tf from '@tensorflow/tfjs-core';
import type { CustomOpResult } from '../../ops/custom_op.js';
import { addStepOutputGradient, lastStateGradient, simdOutputAndKeep } from '../simd_state.js';
import type { RecurrentRunOptions } from '../recurrent_options.js';
import { finalStateRows, reorderRows } from '../run_plan.js';
import type { RecurrentRunPlan } from '../run_plan.js';
import type { SequenceShape } from '../sequence_shape.js';
import type { SimdKernels } from '../../kernels/simd_kernels.js';

/** What {@link simpleRnnSimd} needs of its caller's input side. */
export interface SimpleRnnSimdInput {
  /** `x·Wx` of the valid steps, `[M, H]`, compact rows. */
  xW: Float32Array;
  /** Gradients of `x` and `Wx` from the pre-activation gradients of the valid steps (`[M, H]`). */
  gradients: (dA: Float32Array) => [tf.Tensor2D, tf.Tensor2D];
}

/**
 * The tutorial RNN through our SIMD kernels (the `'js'` path where WebAssembly SIMD exists), as
 * the LSTM and GRU run: per step the gemm adds `h_in·Wh` to the gathered `x·Wx` rows and
 * `rnn_forward` writes `h = tanh(pre + b)` into the kernels' arena, where the states stay for
 * the backward pass unless another op needs the kernels first (see `SimdKernels.keep`). The
 * backward: `rnn_backward` gives `da = dh·(1 − h²)` and `db`, the gemms add `h_inᵀ·da` to `dWh`
 * and give the next `dh = da·Whᵀ`. Same function as `simpleRnnReference` (tanh in float32: the
 * kernels' rational approximation, absolute error < 3e-7).
 * @internal
 */
export function simpleRnnSimd(
  simd: SimdKernels,
  input: SimpleRnnSimdInput,
  WhData: Float32Array,
  bias: Float32Array,
  plan: RecurrentRunPlan,
  sequences: SequenceShape,
  returnSequences: boolean,
  H: number,
  state: Pick<RecurrentRunOptions, 'initialState' | 'onFinalState'> = {},
): CustomOpResult<tf.Tensor2D> {
  const { batchSize: B, maxLen: T } = sequences;
  const h0 = state.initialState?.[0];
  const h = simpleRnnSimdForward(
    simd,
    input.xW,
    WhData,
    bias,
    plan,
    B,
    T,
    H,
    h0 === undefined ? undefined : reorderRows(h0, plan.order, H),
  );
  state.onFinalState?.([finalStateRows(simd.view(h, (T + 1) * B * H), sequences.lengths, plan.order, H)]);
  const { value, kept } = simdOutputAndKeep(
    simd,
    { h: { at: h, size: (T + 1) * B * H } },
    sequences,
    plan,
    H,
    returnSequences,
  );
  const gradFunc = (dy: tf.Tensor2D): tf.Tensor[] => {
    const dyData = dy.dataSync() as Float32Array;
    const dhInitial = lastStateGradient(dyData, plan.order, B, H, returnSequences);
    const { dA, dWh, db } = simpleRnnSimdBackward(
      simd,
      kept.restore().h,
      WhData,
      plan,
      B,
      T,
      H,
      returnSequences,
      dyData,
      dhInitial,
    );
    kept.release();
    return [...input.gradients(dA), tf.tensor2d(dWh, [H, H]), tf.tensor1d(db)];
  };
  return { value, gradFunc };
}

/**
 * The forward loop (starts a kernel run); returns the arena offset of `h[t]` (t = 0..T,
 * `[(T + 1)·B·H]`, rows in length order).
 * @internal
 */
export function simpleRnnSimdForward(
  simd: SimdKernels,
  xW: Float32Array,
  WhData: Float32Array,
  bias: Float32Array,
  plan: RecurrentRunPlan,
  B: number,
  T: number,
  H: number,
  h0?: Float32Array,
): number {
  const { order, running, compact, dropMask } = plan;
  const S = B * H;
  simd.begin();
  const wh = simd.put(WhData);
  const bs = simd.put(bias);
  const pre = simd.alloc(S);
  const hIn = simd.alloc(S);
  const mask = dropMask === undefined ? -1 : simd.put(dropMask);
  const h = simd.alloc((T + 1) * S);
  if (h0 === undefined) simd.view(h, S).fill(0);
  else simd.view(h, S).set(h0);
  for (let t = 0; t < T; t++) {
    const rows = running[t] as number;
    if (rows === 0) break;
    const preView = simd.view(pre, rows * H);
    for (let i = 0; i < rows; i++) {
      const xo = (compact[(order[i] as number) * T + t] as number) * H;
      preView.set(xW.subarray(xo, xo + H), i * H);
    }
    const hin = simd.masked(h + t * S, mask, hIn, rows * H);
    simd.gemm(hin, wh, pre, rows, H, H, H, 1, H, H, true); // pre += h_in·Wh
    simd.rnnForward(pre, bs, h + (t + 1) * S, rows, H);
  }
  return h;
}

/**
 * Backpropagation through time on the states at `h` that {@link simpleRnnSimdForward} left in
 * the arena: the pre-activation gradients of the valid steps (`dA`, `[M, H]`, compact rows), `dWh`
 * and `db`.
 * @internal
 */
export function simpleRnnSimdBackward(
  simd: SimdKernels,
  h: number,
  WhData: Float32Array,
  plan: RecurrentRunPlan,
  B: number,
  T: number,
  H: number,
  returnSequences: boolean,
  dyData: Float32Array,
  dhInitial: Float32Array,
): { dA: Float32Array; dWh: Float32Array; db: Float32Array } {
  const { order, running, compact, dropMask, M } = plan;
  const S = B * H;
  const wht = simd.putTransposed(WhData, H, H);
  const dh = simd.put(dhInitial);
  const da = simd.alloc(S);
  const db = simd.alloc(H);
  const dWh = simd.alloc(H * H);
  const dA = simd.alloc(M * H);
  const hIn = simd.alloc(S);
  const mask = dropMask === undefined ? -1 : simd.put(dropMask);
  const rowsOfStep = simd.alloc(B);
  simd.view(db, H).fill(0);
  simd.view(dWh, H * H).fill(0);
  simd.view(dA, M * H).fill(0);
  const index = simd.intView(rowsOfStep, B);
  for (let t = T - 1; t >= 0; t--) {
    const rows = running[t] as number;
    if (rows === 0) continue;
    if (returnSequences) addStepOutputGradient(simd, dh, dyData, order, rows, t, T, H);
    simd.rnnBackward(h + (t + 1) * S, dh, da, db, rows, H);
    for (let i = 0; i < rows; i++) index[i] = compact[(order[i] as number) * T + t] as number;
    simd.addRows(da, dA, rowsOfStep, rows, H);
    const hin = simd.masked(h + t * S, mask, hIn, rows * H);
    simd.gemm(hin, da, dWh, H, rows, H, 1, H, H, H, true); // dWh += h_inᵀ·da
    // dh_{t-1} = (da·Whᵀ) ⊙ mask. Rows past their last step keep dh: state carried.
    simd.gemm(da, wht, dh, rows, H, H, H, 1, H, H, false);
    if (mask >= 0) simd.mul(dh, dh, mask, rows * H);
  }
  return {
    dA: simd.view(dA, M * H).slice(),
    dWh: simd.view(dWh, H * H).slice(),
    db: simd.view(db, H).slice(),
  };
}

import * as tf from '@tensorflow/tfjs-core';
import type { CustomOpResult } from './custom_op.js';
import { addStepOutputGradient, lastStateGradient, simdOutputAndKeep } from './recurrence_js.js';
import type { RecurrentRunPlan } from './recurrence_js.js';
import { finalStateRows, reorderRows } from './recurrent_options.js';
import type { RecurrentRunOptions } from './recurrent_options.js';
import type { SequenceShape } from './sequence_shape.js';
import type { SimdKernels } from './wasm/simd_kernels.js';

/** Arena offsets (floats) of a SIMD GRU run's state. */
interface SimdGruState {
  /** h[t] (t = 0..T), `[(T + 1) · B · H]`, rows in length order; h[0] = 0. */
  h: number;
  /** z, r, h̃ of every step, `[T · B · 3H]`. */
  acts: number;
  /** Per step: r ⊙ h_in (the candidate product's input) or, with `resetAfter`, h_in·U_h + rb_h. */
  aux: number;
}

/** What {@link gruSimd} needs of its caller's input side. */
export interface GruSimdInput {
  /** `x·W` of the valid steps, `[M, 3H]`, compact rows. */
  xW: Float32Array;
  /** Gradients of `x` and `W` from the pre-activation gradients of the valid steps (`[M, 3H]`). */
  gradients: (dZx: Float32Array) => [tf.Tensor2D, tf.Tensor2D];
}

/**
 * The GRU through our SIMD kernels (the `'js'` path where WebAssembly SIMD exists): per step
 * the gemm adds the recurrent products to the gathered `x·W` rows (without `resetAfter`: `h·U_zr`,
 * then the gate kernel, then `(r ⊙ h)·U_h`) and the gate kernels write the state, which stays
 * in the kernels' arena for the backward pass unless another op needs the kernels first (see
 * `SimdKernels.hold`). The backward mirrors it: gate-gradient kernels, `dz·Uᵀ` products for
 * `dh`, `hᵀ·dz` products accumulated into `dU`. Same function as `gruReference`.
 * @internal
 */
export function gruSimd(
  simd: SimdKernels,
  input: GruSimdInput,
  UData: Float32Array,
  bias: Float32Array,
  biasShape: readonly number[],
  plan: RecurrentRunPlan,
  sequences: SequenceShape,
  options: RecurrentRunOptions,
  H: number,
  resetAfter: boolean,
): CustomOpResult<tf.Tensor2D> {
  const { lengths, batchSize: B, maxLen: T } = sequences;
  const { returnSequences, initialState } = options;
  const { order } = plan;
  const G = 3 * H;
  const h0 = initialState === undefined ? undefined : reorderRows(initialState[0] as Float32Array, order, H);
  const state = forward(simd, input.xW, UData, bias, plan, B, T, H, resetAfter, h0);
  options.onFinalState?.([finalStateRows(simd.view(state.h, (T + 1) * B * H), lengths, order, H)]);
  const { value, kept } = simdOutputAndKeep(
    simd,
    {
      h: { at: state.h, size: (T + 1) * B * H },
      acts: { at: state.acts, size: T * B * G },
      aux: { at: state.aux, size: T * B * H },
    },
    sequences,
    plan,
    H,
    returnSequences,
  );
  const gradFunc = (dy: tf.Tensor2D): tf.Tensor[] => {
    const dyData = dy.dataSync() as Float32Array;
    const dhInitial = lastStateGradient(dyData, order, B, H, returnSequences);
    const { dZx, dU, db } = backward(
      simd,
      kept.restore(),
      UData,
      plan,
      B,
      T,
      H,
      resetAfter,
      returnSequences,
      dyData,
      dhInitial,
    );
    kept.release();
    return [...input.gradients(dZx), tf.tensor2d(dU, [H, G]), tf.tensor(db, [...biasShape])];
  };
  return { value, gradFunc };
}

function forward(
  simd: SimdKernels,
  xW: Float32Array,
  UData: Float32Array,
  bias: Float32Array,
  plan: RecurrentRunPlan,
  B: number,
  T: number,
  H: number,
  resetAfter: boolean,
  h0: Float32Array | undefined,
): SimdGruState {
  const { order, running, compact, dropMask } = plan;
  const G = 3 * H;
  const S = B * H;
  const gru = simd.gru;
  simd.begin();
  const u = simd.put(UData);
  const bs = simd.put(bias);
  const pre = simd.alloc(B * G);
  const rec = resetAfter ? simd.alloc(B * G) : -1;
  const hIn = simd.alloc(S);
  const mask = dropMask === undefined ? -1 : simd.put(dropMask);
  const state: SimdGruState = {
    h: simd.alloc((T + 1) * S),
    acts: simd.alloc(T * B * G),
    aux: simd.alloc(T * S),
  };
  if (h0 === undefined) simd.view(state.h, S).fill(0);
  else simd.view(state.h, S).set(h0);
  for (let t = 0; t < T; t++) {
    const rows = running[t] as number;
    if (rows === 0) break;
    const preView = simd.view(pre, rows * G);
    for (let i = 0; i < rows; i++) {
      const xo = (compact[(order[i] as number) * T + t] as number) * G;
      preView.set(xW.subarray(xo, xo + G), i * G);
    }
    const hPrev = state.h + t * S;
    const hin = simd.masked(hPrev, mask, hIn, rows * H);
    const acts = state.acts + t * B * G;
    const aux = state.aux + t * S;
    const hNext = state.h + (t + 1) * S;
    if (resetAfter) {
      simd.gemm(hin, u, rec, rows, H, G, H, 1, G, G, false);
      gru.resetAfter(pre, rec, bs, hPrev, acts, aux, hNext, rows, H);
    } else {
      simd.gemm(hin, u, pre, rows, H, 2 * H, H, 1, G, G, true); // pre_zr += h_in·U_zr
      gru.zr(pre, bs, hin, acts, aux, rows, H);
      simd.gemm(aux, u + 2 * H, pre + 2 * H, rows, H, H, H, 1, G, G, true); // pre_h += (r ⊙ h_in)·U_h
      gru.h(pre, bs, hPrev, acts, hNext, rows, H);
    }
  }
  return state;
}

function backward(
  simd: SimdKernels,
  state: SimdGruState,
  UData: Float32Array,
  plan: RecurrentRunPlan,
  B: number,
  T: number,
  H: number,
  resetAfter: boolean,
  returnSequences: boolean,
  dyData: Float32Array,
  dhInitial: Float32Array,
): { dZx: Float32Array; dU: Float32Array; db: Float32Array } {
  const { order, running, compact, dropMask, M } = plan;
  const G = 3 * H;
  const S = B * H;
  const gru = simd.gru;
  const { h, acts, aux } = state;
  const ut = simd.putTransposed(UData, H, G); // [3H × H]: U_zᵀ, U_rᵀ, U_hᵀ
  const dh = simd.put(dhInitial);
  const dLeft = simd.alloc(S);
  const dzx = simd.alloc(B * G);
  const drec = resetAfter ? simd.alloc(B * G) : -1;
  const dbSize = resetAfter ? 2 * G : G;
  const db = simd.alloc(dbSize);
  const dU = simd.alloc(H * G);
  const dZx = simd.alloc(M * G);
  const hIn = simd.alloc(S);
  const mask = dropMask === undefined ? -1 : simd.put(dropMask);
  const rowsOfStep = simd.alloc(B);
  simd.view(db, dbSize).fill(0);
  simd.view(dU, H * G).fill(0);
  simd.view(dZx, M * G).fill(0);
  const index = simd.intView(rowsOfStep, B);
  for (let t = T - 1; t >= 0; t--) {
    const rows = running[t] as number;
    if (rows === 0) continue;
    if (returnSequences) addStepOutputGradient(simd, dh, dyData, order, rows, t, T, H);
    const hPrev = h + t * S;
    const hin = simd.masked(hPrev, mask, hIn, rows * H);
    const actsT = acts + t * B * G;
    const auxT = aux + t * S;
    if (resetAfter) {
      gru.backResetAfter(actsT, auxT, hPrev, dh, dzx, drec, db, rows, H);
      simd.gemm(drec, ut, dLeft, rows, G, H, G, 1, H, H, false); // dRec·Uᵀ
      simd.gemm(hin, drec, dU, H, rows, G, 1, H, G, G, true); // dU += h_inᵀ·dRec
    } else {
      gru.backA(actsT, hPrev, dh, dzx, db, rows, H);
      simd.gemm(dzx + 2 * H, ut + 2 * H * H, dLeft, rows, H, H, G, 1, H, H, false); // d(r ⊙ h_in)
      gru.backB(actsT, hin, dLeft, dzx, db, rows, H);
      simd.gemm(dzx, ut, dLeft, rows, 2 * H, H, G, 1, H, H, true); // + dz_zr·U_zrᵀ
      simd.gemm(hin, dzx, dU, H, rows, 2 * H, 1, H, G, G, true); // dU_zr += h_inᵀ·dz_zr
      simd.gemm(auxT, dzx + 2 * H, dU + 2 * H, H, rows, H, 1, H, G, G, true); // dU_h += (r ⊙ h_in)ᵀ·dz_h
    }
    // dh_{t-1} = dh·z (done by the kernel) + d(h_in) ⊙ mask. Rows past their last step keep dh.
    if (mask >= 0) simd.mulAdd(dh, dLeft, mask, rows * H);
    else simd.add(dh, dLeft, rows * H);
    for (let i = 0; i < rows; i++) index[i] = compact[(order[i] as number) * T + t] as number;
    simd.addRows(dzx, dZx, rowsOfStep, rows, G);
  }
  return {
    dZx: simd.view(dZx, M * G).slice(),
    dU: simd.view(dU, H * G).slice(),
    db: simd.view(db, dbSize).slice(),
  };
}

import * as tf from '@tensorflow/tfjs-core';
import type { CustomOpResult } from '../../ops/custom_op.js';
import type { RecurrentRunPlan } from '../run_plan.js';
import { finalStateRows, reorderRows } from '../run_plan.js';
import { addStepOutputGradient, lastStateGradient, simdOutputAndKeep } from '../simd_state.js';
import type { SequenceShape } from '../sequence_shape.js';
import type { SimdKernels } from '../../kernels/simd_kernels.js';

/** Arena offsets (floats) of a SIMD GRU run's state. */
interface SimdGruState {
  /** h[t] (t = 0..T), `[(T + 1) · B · H]`, rows in length order; h[0] = 0. */
  h: number;
  /** z, r, h̃ of every step, `[T · B · 3H]`. */
  acts: number;
  /** Per step: r ⊙ h_in (the candidate product's input) or, with `resetAfter`, h_in·U_h + rb_h. */
  aux: number;
}

/** What {@link gruSimd} runs on: its caller's input side, the weights, the batch and its plan. */
export interface GruSimdRun {
  /** `x·W` of the valid steps, `[M, 3H]`, compact rows. */
  xW: Float32Array;
  /** Gradients of `x` and `W` from the pre-activation gradients of the valid steps (`[M, 3H]`). */
  gradients: (dZx: Float32Array) => [tf.Tensor2D, tf.Tensor2D];
  /** The recurrent kernel's values, `[H, 3H]`. */
  UData: Float32Array;
  /** The bias's values, `[3H]` (or `[2, 3H]` with `resetAfter`), and its shape. */
  bias: Float32Array;
  biasShape: readonly number[];
  /** Length order, running rows per step, compact rows, recurrent dropout mask. */
  plan: RecurrentRunPlan;
  sequences: SequenceShape;
  returnSequences: boolean;
  /** The state entering step 0, rows in sequence order (default zeros); no gradient flows into it. */
  initialState?: Float32Array;
  /** Receives each sequence's state after its last step. */
  onFinalState?: (state: Float32Array[]) => void;
  /** Units. */
  H: number;
  /** Keras' `reset_after` variant (the reset gate applied after the candidate's product). */
  resetAfter: boolean;
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
export function gruSimd(simd: SimdKernels, run: GruSimdRun): CustomOpResult<tf.Tensor2D> {
  const { plan, sequences, returnSequences, H } = run;
  const { batchSize: B, maxLen: T } = sequences;
  const G = 3 * H;
  const state = forward(simd, run);
  run.onFinalState?.([finalStateRows(simd.view(state.h, (T + 1) * B * H), sequences.lengths, plan.order, H)]);
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
    const dhInitial = lastStateGradient(dyData, plan.order, B, H, returnSequences);
    const { dZx, dU, db } = backward(simd, run, kept.restore(), dyData, dhInitial);
    kept.release();
    return [...run.gradients(dZx), tf.tensor2d(dU, [H, G]), tf.tensor(db, [...run.biasShape])];
  };
  return { value, gradFunc };
}

/** The forward loop: the state of every step into the arena (offsets returned). */
function forward(simd: SimdKernels, run: GruSimdRun): SimdGruState {
  const { xW, UData, bias, plan, H, resetAfter } = run;
  const { batchSize: B, maxLen: T } = run.sequences;
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
  if (run.initialState === undefined) simd.view(state.h, S).fill(0);
  else simd.view(state.h, S).set(reorderRows(run.initialState, order, H));
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

/**
 * Backpropagation through time on the state the forward left in the arena (`state`, restored),
 * from the output gradient `dyData` and the gradient reaching the last states `dhInitial`.
 */
function backward(
  simd: SimdKernels,
  run: GruSimdRun,
  state: SimdGruState,
  dyData: Float32Array,
  dhInitial: Float32Array,
): { dZx: Float32Array; dU: Float32Array; db: Float32Array } {
  const { UData, plan, H, resetAfter, returnSequences } = run;
  const { batchSize: B, maxLen: T } = run.sequences;
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

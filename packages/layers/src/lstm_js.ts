import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './custom_op.js';
import { keepForBackward } from './keep_for_backward.js';
import { matMulInto, matMulTransposedB, transposeJs } from './mat_mul_js.js';
import { simdKernels } from './wasm/simd_kernels.js';
import type { SimdKernels } from './wasm/simd_kernels.js';
import { denseInputSide, embeddedInputSide } from './input_side_js.js';
import type { InputSide } from './input_side_js.js';
import {
  planRecurrentRun,
  productInJs,
  readProduct,
  sigmoid,
  tanhJs,
  weightGradient,
} from './recurrence_js.js';
import type { RecurrentRunPlan } from './recurrence_js.js';
import type { RecurrentRunOptions } from './recurrent_options.js';
import { gatherSequenceOutputs, reorderRows } from './recurrent_options.js';
import type { SequenceShape } from './sequence_shape.js';

/**
 * The LSTM for backends where reading tensors back is cheap (`cpu`, `wasm`): the input
 * projection of every step is one `matMul`; per step one product `h·U` gives all four gates,
 * whose element-wise math runs in JS on Float32Arrays; backpropagation through time runs in JS
 * the same way, and the weight gradients are again one product each over all steps.
 * Same function as {@link lstmReference}.
 * @internal
 */
export function lstmJs(
  x: tf.Tensor2D,
  W: tf.Tensor2D,
  U: tf.Tensor2D,
  b: tf.Tensor1D,
  sequences: SequenceShape,
  options: RecurrentRunOptions,
): tf.Tensor2D {
  return lstmJsWith(x, W, U, b, sequences, options, (x, W, plan) => denseInputSide(x, W, plan));
}

/**
 * {@link lstmJs} reading its input from an embedding: the same function as
 * `lstmJs(embeddingLookup(table, ids), W, U, b, ...)`, with gradients for `table`, `W`, `U` and
 * `b`. The input projection is looked up per token from `table·W` (see
 * {@link embeddedInputSide}), so a training batch needs no `[steps, E]·[E, 4H]` products.
 * @param table `[vocabSize, E]` embedding matrix
 * @param ids `[batchSize * maxLen]` token ids, each in `[0, vocabSize)` (checked by the caller)
 * @internal
 */
export function lstmEmbeddedJs(
  table: tf.Tensor2D,
  ids: Int32Array,
  W: tf.Tensor2D,
  U: tf.Tensor2D,
  b: tf.Tensor1D,
  sequences: SequenceShape,
  options: RecurrentRunOptions,
): tf.Tensor2D {
  return lstmJsWith(table, W, U, b, sequences, options, (table, W, plan) =>
    embeddedInputSide(table, ids, W, plan),
  );
}

/** The JS LSTM with its input side (`x_t·W` and its gradients) supplied by `inputSide`. */
function lstmJsWith(
  x: tf.Tensor2D,
  W: tf.Tensor2D,
  U: tf.Tensor2D,
  b: tf.Tensor1D,
  sequences: SequenceShape,
  options: RecurrentRunOptions,
  inputSide: (x: tf.Tensor2D, W: tf.Tensor2D, plan: RecurrentRunPlan) => InputSide,
): tf.Tensor2D {
  const { lengths, batchSize: B, maxLen: T } = sequences;
  const H = U.shape[0];
  const G = 4 * H;
  const plan = planRecurrentRun(lengths, T, H, options.recurrentDropoutMask);
  const { order, running, compact, M, onCpu, dropMask } = plan;
  const { returnSequences } = options;

  return customOp([x, W, U, b] as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D], ([x, W, U, b]) => {
    // Valid step m (compact row compact[r*T + t]) reads its x·W at row rowOf[m] of xW.
    const { values: xW, rowOf, gradients: inputGradients, valueGradients } = inputSide(x, W, plan);
    const bias = b.dataSync() as Float32Array;
    // U's values are read only when a product runs in JS (a 256 KiB copy for 128 units).
    const UKept = keepForBackward(U);
    let UValues: Float32Array | undefined;
    const UData = (): Float32Array => (UValues ??= U.dataSync() as Float32Array);

    // h[t], c[t] (t = 0..T): the state entering step t, rows in `order`; h[0] = c[0] = 0.
    const h = new Float32Array((T + 1) * B * H);
    const c = new Float32Array((T + 1) * B * H);
    const acts = new Float32Array(T * B * G); // i, f, g, o of every step
    const tanhC = new Float32Array(T * B * H);
    const hIn = new Float32Array(B * H); // h ⊙ recurrent dropout mask
    const rec = new Float32Array(B * G);
    const recurrentInput = (t: number, rows: number): Float32Array => {
      const hPrev = h.subarray(t * B * H);
      if (dropMask === undefined) return hPrev;
      for (let k = 0; k < rows * H; k++) hIn[k] = (hPrev[k] as number) * (dropMask[k] as number);
      return hIn;
    };
    const simd = simdKernels();
    if (simd !== undefined)
      forwardSimd(
        simd,
        T,
        B,
        H,
        running,
        xW,
        rowOf,
        compact,
        order,
        UData(),
        bias,
        dropMask,
        h,
        c,
        acts,
        tanhC,
      );
    // Else JS loops, or tf.matMul with U itself (wasm keeps its packed form).
    else
      for (let t = 0; t < T; t++) {
        const rows = running[t] as number;
        if (rows === 0) break;
        const left = recurrentInput(t, rows);
        if (productInJs(rows, H, G)) matMulInto(left, UData(), rec, rows, H, G);
        else readProduct(left, rows, H, U, rec);
        forwardStep(t, rows, T, B, H, xW, rowOf, compact, order, rec, bias, c, h, acts, tanhC);
      }
    const value = gatherSequenceOutputs(h, lengths, order, running, T, H, returnSequences);

    const gradFunc = (dy: tf.Tensor2D): tf.Tensor[] => {
      const dyData = dy.dataSync() as Float32Array;
      // dh, dc: gradient reaching the state entering the current step, rows in `order`.
      const dh = returnSequences ? new Float32Array(B * H) : reorderRows(dyData, order, H);
      const db = new Float32Array(G);
      if (simd !== undefined) {
        const { dValues, dU } = backwardSimd(
          simd,
          T,
          B,
          H,
          running,
          returnSequences,
          dyData,
          order,
          compact,
          rowOf,
          xW.length / G,
          acts,
          tanhC,
          c,
          (UValues ??= UKept().dataSync() as Float32Array),
          dropMask,
          recurrentInput,
          dh,
          db,
        );
        return [...valueGradients(dValues), tf.tensor2d(dU, [H, G]), tf.tensor1d(db)];
      }
      const dc = new Float32Array(B * H);
      const dz = new Float32Array(B * G); // one step's gate pre-activations
      const dZ = new Float32Array(M * G); // every valid step's, compact row
      const hInAll = new Float32Array(M * H); // the recurrent product's input, compact row
      let UT: tf.Tensor2D | undefined;
      for (let t = T - 1; t >= 0; t--) {
        const rows = running[t] as number;
        if (rows === 0) continue;
        const left = recurrentInput(t, rows);
        backwardStep(
          t,
          rows,
          T,
          B,
          H,
          returnSequences,
          dyData,
          order,
          compact,
          acts,
          tanhC,
          c,
          left,
          dh,
          dc,
          dz,
          dZ,
          db,
          hInAll,
        );
        // dh_{t-1} = (dz·Uᵀ) ⊙ mask. Rows past their last step keep dh and dc: state carried.
        if (productInJs(rows, G, H))
          matMulTransposedB(dz, (UValues ??= UKept().dataSync() as Float32Array), dh, rows, G, H);
        else readProduct(dz, rows, G, (UT ??= tf.keep(tf.tidy(() => tf.transpose(UKept())))), dh);
        if (dropMask !== undefined)
          for (let k = 0; k < rows * H; k++) dh[k] = (dh[k] as number) * (dropMask[k] as number);
      }
      UT?.dispose();

      return [...inputGradients(dZ), weightGradient(hInAll, dZ, M, H, G, onCpu), tf.tensor1d(db)];
    };
    return { value, gradFunc };
  });
}

/*
 * The element-wise loops are top-level functions of their arrays: inside the customOp closure
 * every array would be a context slot (the backward closure captures them), reloaded on each
 * access, which made these loops several times slower.
 */

/** Gates and new state of the `rows` sequences running at step `t` (rows in length order). */
function forwardStep(
  t: number,
  rows: number,
  T: number,
  B: number,
  H: number,
  xW: Float32Array,
  rowOf: Int32Array,
  compact: Int32Array,
  order: Int32Array,
  rec: Float32Array,
  bias: Float32Array,
  c: Float32Array,
  h: Float32Array,
  acts: Float32Array,
  tanhC: Float32Array,
): void {
  const G = 4 * H;
  const s = t * B * H;
  const sNext = s + B * H;
  for (let i = 0; i < rows; i++) {
    const xo = (rowOf[compact[(order[i] as number) * T + t] as number] as number) * G;
    const ro = i * G;
    const ao = (t * B + i) * G;
    const ho = i * H;
    for (let j = 0; j < H; j++) {
      const ig = sigmoid((xW[xo + j] as number) + (rec[ro + j] as number) + (bias[j] as number));
      const fg = sigmoid((xW[xo + H + j] as number) + (rec[ro + H + j] as number) + (bias[H + j] as number));
      const gg = tanhJs(
        (xW[xo + 2 * H + j] as number) + (rec[ro + 2 * H + j] as number) + (bias[2 * H + j] as number),
      );
      const og = sigmoid(
        (xW[xo + 3 * H + j] as number) + (rec[ro + 3 * H + j] as number) + (bias[3 * H + j] as number),
      );
      const cn = fg * (c[s + ho + j] as number) + ig * gg;
      const tc = tanhJs(cn);
      c[sNext + ho + j] = cn;
      h[sNext + ho + j] = og * tc;
      acts[ao + j] = ig;
      acts[ao + H + j] = fg;
      acts[ao + 2 * H + j] = gg;
      acts[ao + 3 * H + j] = og;
      tanhC[(t * B + i) * H + j] = tc;
    }
  }
}

/**
 * Backpropagation through step `t` for its `rows` running sequences: gate gradients into `dz`
 * (this step, `[rows, G]`), `dZ` (compact rows) and `db`; `dc` carried to the previous step;
 * the recurrent product's input copied to `hInAll`.
 */
function backwardStep(
  t: number,
  rows: number,
  T: number,
  B: number,
  H: number,
  returnSequences: boolean,
  dyData: Float32Array,
  order: Int32Array,
  compact: Int32Array,
  acts: Float32Array,
  tanhC: Float32Array,
  c: Float32Array,
  left: Float32Array,
  dh: Float32Array,
  dc: Float32Array,
  dz: Float32Array,
  dZ: Float32Array,
  db: Float32Array,
  hInAll: Float32Array,
): void {
  const G = 4 * H;
  const s = t * B * H;
  for (let i = 0; i < rows; i++) {
    const n = (order[i] as number) * T + t;
    const m = compact[n] as number;
    const ho = i * H;
    const ao = (t * B + i) * G;
    if (returnSequences)
      for (let j = 0; j < H; j++) dh[ho + j] = (dh[ho + j] as number) + (dyData[n * H + j] as number);
    for (let j = 0; j < H; j++) {
      const ig = acts[ao + j] as number;
      const fg = acts[ao + H + j] as number;
      const gg = acts[ao + 2 * H + j] as number;
      const og = acts[ao + 3 * H + j] as number;
      const tc = tanhC[(t * B + i) * H + j] as number;
      const dhj = dh[ho + j] as number;
      const dcj = (dc[ho + j] as number) + dhj * og * (1 - tc * tc);
      dc[ho + j] = dcj * fg;
      const di = dcj * gg * ig * (1 - ig);
      const df = dcj * (c[s + ho + j] as number) * fg * (1 - fg);
      const dg = dcj * ig * (1 - gg * gg);
      const dO = dhj * tc * og * (1 - og);
      const zo = i * G;
      dz[zo + j] = di;
      dz[zo + H + j] = df;
      dz[zo + 2 * H + j] = dg;
      dz[zo + 3 * H + j] = dO;
      db[j] = (db[j] as number) + di;
      db[H + j] = (db[H + j] as number) + df;
      db[2 * H + j] = (db[2 * H + j] as number) + dg;
      db[3 * H + j] = (db[3 * H + j] as number) + dO;
    }
    dZ.set(dz.subarray(i * G, i * G + G), m * G);
    hInAll.set(left.subarray(ho, ho + H), m * H);
  }
}

/**
 * The forward loop through our SIMD kernels: per step, the rows' `x·W` are copied next to each
 * other, `h·U` is added by the gemm, the gate kernel writes the new state, and the step's rows
 * are copied out to the JS arrays the backward reads (`h`, `c`, `acts`, `tanhC`, same layout as
 * {@link forwardStep}'s).
 */
function forwardSimd(
  simd: SimdKernels,
  T: number,
  B: number,
  H: number,
  running: Int32Array,
  xW: Float32Array,
  rowOf: Int32Array,
  compact: Int32Array,
  order: Int32Array,
  UData: Float32Array,
  bias: Float32Array,
  dropMask: Float32Array | undefined,
  h: Float32Array,
  c: Float32Array,
  acts: Float32Array,
  tanhC: Float32Array,
): void {
  const G = 4 * H;
  simd.begin();
  const u = simd.put(UData);
  const bs = simd.put(bias);
  const pre = simd.alloc(B * G);
  const actsT = simd.alloc(B * G);
  const tcT = simd.alloc(B * H);
  const hIn = simd.alloc(B * H);
  // State ping-pong: rows only ever leave (running[t] never grows), so stale rows are never read.
  let cCur = simd.alloc(B * H);
  let cNext = simd.alloc(B * H);
  let hCur = simd.alloc(B * H);
  let hNext = simd.alloc(B * H);
  simd.view(cCur, B * H).fill(0);
  simd.view(hCur, B * H).fill(0);
  for (let t = 0; t < T; t++) {
    const rows = running[t] as number;
    if (rows === 0) break;
    const preView = simd.view(pre, rows * G);
    for (let i = 0; i < rows; i++) {
      const xo = (rowOf[compact[(order[i] as number) * T + t] as number] as number) * G;
      preView.set(xW.subarray(xo, xo + G), i * G);
    }
    let input = hCur;
    if (dropMask !== undefined) {
      const masked = simd.view(hIn, rows * H);
      const state = simd.view(hCur, rows * H);
      for (let k = 0; k < rows * H; k++) masked[k] = (state[k] as number) * (dropMask[k] as number);
      input = hIn;
    }
    simd.gemm(input, u, pre, rows, H, G, H, 1, G, G, true);
    simd.lstmForward(pre, bs, cCur, cNext, hNext, actsT, tcT, rows, H);
    acts.set(simd.view(actsT, rows * G), t * B * G);
    tanhC.set(simd.view(tcT, rows * H), t * B * H);
    c.set(simd.view(cNext, rows * H), (t + 1) * B * H);
    h.set(simd.view(hNext, rows * H), (t + 1) * B * H);
    [cCur, cNext] = [cNext, cCur];
    [hCur, hNext] = [hNext, hCur];
  }
}

/**
 * Backpropagation through time through our SIMD kernels: per step the rows' `acts`, `tanhC` and
 * entering `c` are copied in; the gate kernel gives `dz` and the next `dc`; `dz` is scatter-added
 * onto the gradient of the input-side rows it came from (`dValues`, rows as in `rowOf`), and
 * the gemms add `hᵀ·dz` to `dU` and give the next `dh = dz·Uᵀ`. `dh`, `dc`, `dU` and `dValues`
 * stay in the arena for the whole loop.
 */
function backwardSimd(
  simd: SimdKernels,
  T: number,
  B: number,
  H: number,
  running: Int32Array,
  returnSequences: boolean,
  dyData: Float32Array,
  order: Int32Array,
  compact: Int32Array,
  rowOf: Int32Array,
  valueRows: number,
  acts: Float32Array,
  tanhC: Float32Array,
  c: Float32Array,
  UData: Float32Array,
  dropMask: Float32Array | undefined,
  recurrentInput: (t: number, rows: number) => Float32Array,
  dhInitial: Float32Array,
  db: Float32Array,
): { dValues: Float32Array; dU: Float32Array } {
  const G = 4 * H;
  simd.begin();
  const ut = simd.put(transposeJs(UData, H, G));
  const dh = simd.put(dhInitial);
  const dc = simd.alloc(B * H);
  const dbOut = simd.alloc(G);
  const dU = simd.alloc(H * G);
  const dValues = simd.alloc(valueRows * G);
  const actsT = simd.alloc(B * G);
  const tcT = simd.alloc(B * H);
  const cT = simd.alloc(B * H);
  const hT = simd.alloc(B * H);
  const dz = simd.alloc(B * G);
  const rowsOfStep = simd.alloc(B);
  simd.view(dc, B * H).fill(0);
  simd.view(dbOut, G).fill(0);
  simd.view(dU, H * G).fill(0);
  simd.view(dValues, valueRows * G).fill(0);
  const index = simd.intView(rowsOfStep, B);
  for (let t = T - 1; t >= 0; t--) {
    const rows = running[t] as number;
    if (rows === 0) continue;
    if (returnSequences) {
      const dhView = simd.view(dh, rows * H);
      for (let i = 0; i < rows; i++) {
        const n = (order[i] as number) * T + t;
        for (let j = 0; j < H; j++)
          dhView[i * H + j] = (dhView[i * H + j] as number) + (dyData[n * H + j] as number);
      }
    }
    simd.view(actsT, rows * G).set(acts.subarray(t * B * G, t * B * G + rows * G));
    simd.view(tcT, rows * H).set(tanhC.subarray(t * B * H, t * B * H + rows * H));
    simd.view(cT, rows * H).set(c.subarray(t * B * H, t * B * H + rows * H));
    simd.view(hT, rows * H).set(recurrentInput(t, rows).subarray(0, rows * H));
    simd.lstmBackward(actsT, tcT, cT, dh, dc, dz, dbOut, rows, H);
    for (let i = 0; i < rows; i++)
      index[i] = rowOf[compact[(order[i] as number) * T + t] as number] as number;
    simd.addRows(dz, dValues, rowsOfStep, rows, G);
    // dU += h_inᵀ·dz
    simd.gemm(hT, dz, dU, H, rows, G, 1, H, G, G, true);
    // dh_{t-1} = (dz·Uᵀ) ⊙ mask. Rows past their last step keep dh and dc: state carried.
    simd.gemm(dz, ut, dh, rows, G, H, G, 1, H, H, false);
    if (dropMask !== undefined) {
      const dhView = simd.view(dh, rows * H);
      for (let k = 0; k < rows * H; k++) dhView[k] = (dhView[k] as number) * (dropMask[k] as number);
    }
  }
  db.set(simd.view(dbOut, G));
  return { dValues: simd.view(dValues, valueRows * G).slice(), dU: simd.view(dU, H * G).slice() };
}

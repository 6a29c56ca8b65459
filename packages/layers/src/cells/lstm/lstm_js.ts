import * as tf from '@tensorflow/tfjs-core';
import { productInJs } from '../../backend_path.js';
import { customOp } from '../../ops/custom_op.js';
import type { CustomOpResult } from '../../ops/custom_op.js';
import { keepForBackward } from '../../ops/keep_for_backward.js';
import { matMulInto, matMulTransposedB } from '../../kernels/mat_mul_js.js';
import { PANEL_WIDTH, packedSize, simdKernels } from '../../kernels/simd_kernels.js';
import type { SimdKernels } from '../../kernels/simd_kernels.js';
import { denseInputSide, embeddedInputSide, embeddingsInputSide, summedParts } from '../input_side_js.js';
import type { InputSide, InputSidePart } from '../input_side_js.js';
import { sigmoid, tanhJs } from '../activations_js.js';
import { weightGradient } from '../products_js.js';
import type { RecurrentRunOptions } from '../recurrent_options.js';
import { finalStateRows, gatherSequenceOutputs, planRecurrentRun, reorderRows } from '../run_plan.js';
import type { RecurrentRunPlan } from '../run_plan.js';
import { addStepOutputGradient, lastStateGradient, simdOutputAndKeep } from '../simd_state.js';
import { readProduct } from '../step_matrix.js';
import type { SequenceShape } from '../sequence_shape.js';

/**
 * The LSTM for backends where reading tensors back is cheap (`cpu`, `wasm`): the input
 * projection of every step is one product; per step one product `h·U` gives all four gates.
 * Where our WebAssembly SIMD kernels exist, every step (products and gate math, forward and
 * backward) runs in them with the state kept in their memory (see `lstmSimd`); otherwise the
 * gate math runs in JS on Float32Arrays between tfjs `matMul`s (wasm) or JS products (cpu).
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
  return lstmJsWith([x, W], U, b, sequences, options, ([x, W], plan) =>
    denseInputSide(x as tf.Tensor2D, W as tf.Tensor2D, plan),
  );
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
  return lstmJsWith([table, W], U, b, sequences, options, ([table, W], plan) =>
    embeddedInputSide(table as tf.Tensor2D, ids, W as tf.Tensor2D, plan),
  );
}

/**
 * {@link lstmJs} reading its input from the concatenation of several embeddings: the same
 * function as `lstmJs(concat(embeddingLookup(tables[0], ids[0]), …), W, U, b, ...)` (a
 * character and a label embedding), with gradients for every table, `W`, `U` and `b`; each
 * table's input projection is looked up per id (see {@link embeddingsInputSide}).
 * @param tables `[V_i, E_i]` embedding matrices; `W` is `[Σ E_i, 4H]`
 * @param ids one `[batchSize * maxLen]` id array per table, each id in its table (checked by the caller)
 * @internal
 */
export function lstmEmbeddingsJs(
  tables: tf.Tensor2D[],
  ids: Int32Array[],
  W: tf.Tensor2D,
  U: tf.Tensor2D,
  b: tf.Tensor1D,
  sequences: SequenceShape,
  options: RecurrentRunOptions,
): tf.Tensor2D {
  return lstmJsWith([...tables, W], U, b, sequences, options, (inputs, plan) =>
    embeddingsInputSide(inputs.slice(0, -1), ids, inputs.at(-1) as tf.Tensor2D, plan),
  );
}

/**
 * The JS LSTM with its input side (`x_t·W` and its gradients) supplied by `inputSide` from the
 * input-side tensors `inputs` (the last is the kernel `W`), which get its gradients.
 */
function lstmJsWith(
  inputs: tf.Tensor2D[],
  U: tf.Tensor2D,
  b: tf.Tensor1D,
  sequences: SequenceShape,
  options: RecurrentRunOptions,
  inputSide: (inputs: tf.Tensor2D[], plan: RecurrentRunPlan) => InputSide,
): tf.Tensor2D {
  const { lengths, batchSize: B, maxLen: T } = sequences;
  const H = U.shape[0];
  const G = 4 * H;
  const plan = planRecurrentRun(lengths, T, H, options.recurrentDropoutMask);
  const { order, running, compact, M, onCpu, dropMask } = plan;
  const { returnSequences } = options;

  const n = inputs.length;
  return customOp([...inputs, U, b], (all) => {
    const U = all[n] as tf.Tensor2D;
    const b = all[n + 1] as tf.Tensor1D;
    // Valid step m (compact row compact[r*T + t]) reads its x·W at row rowOf[m] of xW.
    const side = inputSide(all.slice(0, n) as tf.Tensor2D[], plan);
    const bias = b.dataSync() as Float32Array;
    const simd = simdKernels();
    if (simd !== undefined)
      return lstmSimd(simd, side, U.dataSync() as Float32Array, bias, plan, sequences, options, H);
    const { values: xW, rowOf } = summedParts(side, M, G);
    const inputGradients = side.gradients;
    // U's values are read only when a product runs in JS (a 256 KiB copy for 128 units).
    const UKept = keepForBackward(U);
    let UValues: Float32Array | undefined;
    const UData = (): Float32Array => (UValues ??= U.dataSync() as Float32Array);

    // h[t], c[t] (t = 0..T): the state entering step t, rows in `order`; h[0] = c[0] = 0 unless given.
    const h = new Float32Array((T + 1) * B * H);
    const c = new Float32Array((T + 1) * B * H);
    if (options.initialState !== undefined) {
      h.set(reorderRows(options.initialState[0] as Float32Array, order, H));
      c.set(reorderRows(options.initialState[1] as Float32Array, order, H));
    }
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
    const forwardRun: LstmForwardRun = { T, B, H, xW, rowOf, compact, order, rec, bias, c, h, acts, tanhC };
    // JS loops, or tf.matMul with U itself (wasm keeps its packed form).
    for (let t = 0; t < T; t++) {
      const rows = running[t] as number;
      if (rows === 0) break;
      const left = recurrentInput(t, rows);
      if (productInJs(rows, H, G)) matMulInto(left, UData(), rec, rows, H, G);
      else readProduct(left, rows, H, U, rec);
      forwardStep(t, rows, forwardRun);
    }
    const value = gatherSequenceOutputs(h, lengths, order, running, T, H, returnSequences);
    options.onFinalState?.([finalStateRows(h, lengths, order, H), finalStateRows(c, lengths, order, H)]);

    const gradFunc = (dy: tf.Tensor2D): tf.Tensor[] => {
      const dyData = dy.dataSync() as Float32Array;
      // dh, dc: gradient reaching the state entering the current step, rows in `order`.
      const dh = returnSequences ? new Float32Array(B * H) : reorderRows(dyData, order, H);
      const db = new Float32Array(G);
      const dc = new Float32Array(B * H);
      const dz = new Float32Array(B * G); // one step's gate pre-activations
      const dZ = new Float32Array(M * G); // every valid step's, compact row
      const hInAll = new Float32Array(M * H); // the recurrent product's input, compact row
      let UT: tf.Tensor2D | undefined;
      const backwardRun: LstmBackwardRun = {
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
        dh,
        dc,
        dz,
        dZ,
        db,
        hInAll,
      };
      for (let t = T - 1; t >= 0; t--) {
        const rows = running[t] as number;
        if (rows === 0) continue;
        const left = recurrentInput(t, rows);
        backwardStep(t, rows, left, backwardRun);
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
 * The element-wise loops are top-level functions that take their arrays from a run object made
 * once per loop and hold them in locals: inside the customOp closure every array would be a
 * context slot (the backward closure captures them), reloaded on each access, which made these
 * loops several times slower (docs/performance.md, "Closures and hot loops").
 */

/** What the forward step loop of a JS LSTM run reads and writes (arrays in length order). */
interface LstmForwardRun {
  /** Steps, sequences, units. */
  T: number;
  B: number;
  H: number;
  /** Input-side products `x·W`, row `rowOf[m]` for valid step `m`. */
  xW: Float32Array;
  rowOf: Int32Array;
  /** Compact row of flat step `r·T + t` (−1 on padding). */
  compact: Int32Array;
  /** Rows longest first. */
  order: Int32Array;
  /** This step's recurrent product `h·U`, `[rows, 4H]`. */
  rec: Float32Array;
  bias: Float32Array;
  /** States `c[t]`, `h[t]` (t = 0..T), every step's gates and tanh(c). */
  c: Float32Array;
  h: Float32Array;
  acts: Float32Array;
  tanhC: Float32Array;
}

/** Gates and new state of the `rows` sequences running at step `t` (rows in length order). */
function forwardStep(t: number, rows: number, run: LstmForwardRun): void {
  const { T, B, H, xW, rowOf, compact, order, rec, bias, c, h, acts, tanhC } = run;
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

/** What the backward step loop of a JS LSTM run reads and writes (arrays in length order). */
interface LstmBackwardRun {
  /** Steps, sequences, units. */
  T: number;
  B: number;
  H: number;
  /** Whether `dy` has a row per step (else it entered `dh` before the loop). */
  returnSequences: boolean;
  dyData: Float32Array;
  order: Int32Array;
  compact: Int32Array;
  /** The forward's gates, tanh(c) and cell states. */
  acts: Float32Array;
  tanhC: Float32Array;
  c: Float32Array;
  /** Gradients reaching the state entering the current step (updated in place). */
  dh: Float32Array;
  dc: Float32Array;
  /** This step's gate gradients `[rows, 4H]`; every valid step's (compact rows); the bias's. */
  dz: Float32Array;
  dZ: Float32Array;
  db: Float32Array;
  /** The recurrent product's input of every valid step (compact rows). */
  hInAll: Float32Array;
}

/**
 * Backpropagation through step `t` for its `rows` running sequences, whose recurrent product
 * read `left`: gate gradients into `dz` (this step, `[rows, G]`), `dZ` (compact rows) and `db`;
 * `dc` carried to the previous step; `left` copied to `hInAll`.
 */
function backwardStep(t: number, rows: number, left: Float32Array, run: LstmBackwardRun): void {
  const { T, B, H, returnSequences, dyData, order, compact, acts, tanhC, c, dh, dc, dz, dZ, db, hInAll } =
    run;
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

/** Arena offsets (floats) of a SIMD LSTM run's state. */
interface SimdLstmState {
  /** h[t] (t = 0..T), `[(T + 1) · B · H]`, rows in length order; h[0] = 0. */
  h: number;
  /** c[t], same layout. */
  c: number;
  /** i, f, g, o of every step, `[T · B · 4H]`. */
  acts: number;
  /** tanh(c[t + 1]) of every step, `[T · B · H]`. */
  tanhC: number;
}

/** What the SIMD loops of an LSTM run read: the batch's plan and sizes, the input side, the weights. */
interface SimdLstmRun {
  /** Length order, running rows per step, compact rows, recurrent dropout mask. */
  plan: RecurrentRunPlan;
  /** Steps, sequences, units. */
  T: number;
  B: number;
  H: number;
  /** Input-side products `x·W`: the sum of the parts' rows `rowOf[m]` for valid step `m`. */
  parts: InputSidePart[];
  UData: Float32Array;
  bias: Float32Array;
  returnSequences: boolean;
  /** `[h0, c0]` in length order (default zeros). */
  initial?: Float32Array[];
}

/**
 * The LSTM through our SIMD kernels: the forward keeps every step's state in the kernels' arena
 * and holds it there for the backward, so in the usual case (nothing else uses the kernels in
 * between, as in a one-layer classifier) no state is copied at all; if something else does, the
 * state is copied out first and back in for the backward.
 */
function lstmSimd(
  simd: SimdKernels,
  side: InputSide,
  UData: Float32Array,
  bias: Float32Array,
  plan: RecurrentRunPlan,
  sequences: SequenceShape,
  options: RecurrentRunOptions,
  H: number,
): CustomOpResult<tf.Tensor2D> {
  const { lengths, batchSize: B, maxLen: T } = sequences;
  const { returnSequences, initialState } = options;
  const G = 4 * H;
  const run: SimdLstmRun = {
    plan,
    T,
    B,
    H,
    parts: side.parts,
    UData,
    bias,
    returnSequences,
    ...(initialState === undefined
      ? {}
      : { initial: initialState.map((s) => reorderRows(s, plan.order, H)) }),
  };
  const state = forwardSimd(simd, run);
  options.onFinalState?.([
    finalStateRows(simd.view(state.h, (T + 1) * B * H), lengths, plan.order, H),
    finalStateRows(simd.view(state.c, (T + 1) * B * H), lengths, plan.order, H),
  ]);
  const { value, kept } = simdOutputAndKeep(
    simd,
    {
      h: { at: state.h, size: (T + 1) * B * H },
      c: { at: state.c, size: (T + 1) * B * H },
      acts: { at: state.acts, size: T * B * G },
      tanhC: { at: state.tanhC, size: T * B * H },
    },
    sequences,
    plan,
    H,
    returnSequences,
  );
  const gradFunc = (dy: tf.Tensor2D): tf.Tensor[] => {
    const dyData = dy.dataSync() as Float32Array;
    const dh = lastStateGradient(dyData, plan.order, B, H, returnSequences);
    const db = new Float32Array(G);
    const { dValues, dU } = backwardSimd(simd, run, kept.restore(), dyData, dh, db);
    kept.release();
    return [...side.valueGradients(dValues), tf.tensor2d(dU, [H, G]), tf.tensor1d(db)];
  };
  return { value, gradFunc };
}

/**
 * The forward loop through our SIMD kernels: per step, the rows' `x·W` are gathered next to
 * each other (the input-side parts' rows added up), `h·U` is added by the gemm, and the gate kernel writes the step's state into the arena.
 */
function forwardSimd(simd: SimdKernels, run: SimdLstmRun): SimdLstmState {
  const { plan, T, B, H, parts, UData, bias } = run;
  const { running, compact, order, dropMask } = plan;
  const G = 4 * H;
  const S = B * H; // one step's state block
  simd.begin();
  const u = placeRecurrentKernel(simd, UData, H, G, false);
  const bs = simd.put(bias);
  const pre = simd.alloc(B * G);
  const placed = parts.map(({ values }) => simd.put(values));
  const rowsOfStep = parts.map(() => simd.alloc(B));
  const more = parts.length > 1 ? simd.alloc(B * G) : -1; // the rows of parts after the first
  const hIn = simd.alloc(S);
  const mask = dropMask === undefined ? -1 : simd.put(dropMask);
  const state: SimdLstmState = {
    h: simd.alloc((T + 1) * S),
    c: simd.alloc((T + 1) * S),
    acts: simd.alloc(T * B * G),
    tanhC: simd.alloc(T * S),
  };
  // Only h[0], c[0] and the rows each step writes are ever read.
  if (run.initial === undefined) {
    simd.view(state.h, S).fill(0);
    simd.view(state.c, S).fill(0);
  } else {
    simd.view(state.h, S).set(run.initial[0] as Float32Array);
    simd.view(state.c, S).set(run.initial[1] as Float32Array);
  }
  for (let t = 0; t < T; t++) {
    const rows = running[t] as number;
    if (rows === 0) break;
    parts.forEach(({ rowOf }, p) => {
      const index = simd.intView(rowsOfStep[p] as number, rows);
      for (let i = 0; i < rows; i++)
        index[i] = rowOf[compact[(order[i] as number) * T + t] as number] as number;
      simd.gatherRows(placed[p] as number, rowsOfStep[p] as number, p === 0 ? pre : more, rows, G);
      if (p > 0) simd.add(pre, more, rows * G);
    });
    // h[0]·U is 0 when the run starts from zeros: the first step has no recurrent product.
    if (t > 0 || run.initial !== undefined)
      u.times(simd.masked(state.h + t * S, mask, hIn, rows * H), pre, rows, true);
    simd.lstmForward(
      pre,
      bs,
      state.c + t * S,
      state.c + (t + 1) * S,
      state.h + (t + 1) * S,
      state.acts + t * B * G,
      state.tanhC + t * S,
      rows,
      H,
    );
  }
  return state;
}

/**
 * Backpropagation through time through our SIMD kernels, on the state the forward left in the
 * arena (`state`: its offsets once restored), from the output gradient `dyData` and the gradient
 * reaching the last states `dhInitial`: per step the gate kernel gives `dz` and the next `dc`;
 * `dz` is scatter-added onto the gradient of each input-side part's rows it came from
 * (`dValues`, one per part, rows as in its `rowOf`), and the gemms add `h_inᵀ·dz` to `dU` and give the next `dh = dz·Uᵀ`. Adds the
 * bias gradient to `db`.
 */
function backwardSimd(
  simd: SimdKernels,
  run: SimdLstmRun,
  state: SimdLstmState,
  dyData: Float32Array,
  dhInitial: Float32Array,
  db: Float32Array,
): { dValues: Float32Array[]; dU: Float32Array } {
  const { plan, T, B, H, parts, UData, returnSequences } = run;
  const { running, compact, order, dropMask } = plan;
  const G = 4 * H;
  const S = B * H;
  const valueSizes = parts.map(({ values }) => values.length);
  const { h, c, acts, tanhC } = state;
  const ut = placeRecurrentKernel(simd, UData, H, G, true);
  const dh = simd.put(dhInitial);
  const dc = simd.alloc(S);
  const dbOut = simd.alloc(G);
  const dU = simd.alloc(H * G);
  const dValues = valueSizes.map((size) => simd.alloc(size));
  const hIn = simd.alloc(S);
  const mask = dropMask === undefined ? -1 : simd.put(dropMask);
  const dz = simd.alloc(B * G);
  // dz's panels for dU += h_inᵀ·dz (gemmPackedStrided; G is a whole number of panels when H is even).
  const dzPanels = G % PANEL_WIDTH === 0 ? simd.alloc(packedSize(B, G)) : -1;
  const rowsOfStep = simd.alloc(B);
  simd.view(dc, S).fill(0);
  simd.view(dbOut, G).fill(0);
  simd.view(dU, H * G).fill(0);
  dValues.forEach((at, p) => simd.view(at, valueSizes[p] as number).fill(0));
  const index = simd.intView(rowsOfStep, B);
  for (let t = T - 1; t >= 0; t--) {
    const rows = running[t] as number;
    if (rows === 0) continue;
    if (returnSequences) addStepOutputGradient(simd, dh, dyData, order, rows, t, T, H);
    simd.lstmBackward(acts + t * B * G, tanhC + t * S, c + t * S, dh, dc, dz, dbOut, rows, H);
    parts.forEach(({ rowOf }, p) => {
      for (let i = 0; i < rows; i++)
        index[i] = rowOf[compact[(order[i] as number) * T + t] as number] as number;
      simd.addRows(dz, dValues[p] as number, rowsOfStep, rows, G);
    });
    // dU += h_inᵀ·dz, with h_in the recurrent product's input (h ⊙ mask under recurrent dropout).
    // (Nothing to add when h[0] is the zero start.)
    if (t > 0 || run.initial !== undefined) {
      const input = simd.masked(h + t * S, mask, hIn, rows * H);
      if (dzPanels >= 0) {
        simd.packPanels(dz, dzPanels, rows, G, G, 1);
        simd.gemmPackedStrided(input, dzPanels, dU, H, rows, G, 1, H, G, true);
      } else simd.gemm(input, dz, dU, H, rows, G, 1, H, G, G, true);
    }
    // dh_{t-1} = (dz·Uᵀ) ⊙ mask. Rows past their last step keep dh and dc: state carried. The
    // gradient reaching the initial state (t = 0) is not needed: it is a constant.
    if (t === 0) break;
    ut.times(dz, dh, rows, false);
    if (mask >= 0) simd.mul(dh, dh, mask, rows * H);
  }
  db.set(simd.view(dbOut, G));
  return {
    dValues: dValues.map((at, p) => simd.view(at, valueSizes[p] as number).slice()),
    dU: simd.view(dU, H * G).slice(),
  };
}

/** A recurrent kernel `U [H × G]` (or its transpose `[G × H]`) placed in the arena for per-step products. */
interface PlacedKernel {
  /** `out[0:rows] (+)= left[0:rows]·M` (offsets in floats; rows of `left` and `out` packed). */
  times(left: number, out: number, rows: number, accumulate: boolean): void;
}

/**
 * Places `U [H × G]` (or `Uᵀ` when `transposed`) for the per-step products of a run: as panels
 * for `gemmPacked` when its columns are whole panels (it is then read front to back once per
 * product: 1 MiB for 256 units, more than L2 holds), else row-major for `gemm`.
 */
function placeRecurrentKernel(
  simd: SimdKernels,
  UData: Float32Array,
  H: number,
  G: number,
  transposed: boolean,
): PlacedKernel {
  const [k, n] = transposed ? [G, H] : [H, G];
  if (n % PANEL_WIDTH === 0) {
    const at = simd.put(UData);
    const panels = transposed ? simd.putPanels(at, k, n, 1, G) : simd.putPanels(at, k, n, G, 1);
    return { times: (left, out, rows, acc) => simd.gemmPacked(left, panels, out, rows, k, n, k, n, acc) };
  }
  const at = transposed ? simd.putTransposed(UData, H, G) : simd.put(UData);
  return { times: (left, out, rows, acc) => simd.gemm(left, at, out, rows, k, n, k, 1, n, n, acc) };
}

import * as tf from '@tensorflow/tfjs-core';
import { matMulSlowerThanJs, productInJs } from '../backend_path.js';
import { matMulInto, matMulTransposedA, matMulTransposedB, transposeJs } from '../kernels/mat_mul_js.js';
import { gatherSequenceOutputs, reorderRows } from './recurrent_options.js';
import type { SequenceShape } from './sequence_shape.js';
import { simdKernels } from '../kernels/simd_kernels.js';
import type { SimdKernels } from '../kernels/simd_kernels.js';

/**
 * Shared pieces of the `'js'` recurrent paths (cpu/wasm): rows are processed longest first, so
 * the sequences still running at step `t` are the first `running[t]` rows and padding costs no
 * recurrent arithmetic; big products go to tfjs (wasm) or stay in JS (cpu, small ones).
 * @internal
 */
export interface LengthOrder {
  /** Row indices sorted by decreasing length (stable). */
  order: Int32Array;
  /** `running[t]`: how many sequences have a step `t`. */
  running: Int32Array;
}

/** Rows sorted longest first, and how many run at each step. @internal */
export function lengthOrder(lengths: Int32Array, maxLen: number): LengthOrder {
  const order = Int32Array.from({ length: lengths.length }, (_, r) => r).sort(
    (p, q) => (lengths[q] as number) - (lengths[p] as number) || p - q,
  );
  const running = new Int32Array(maxLen);
  for (const r of order)
    for (let t = 0; t < (lengths[r] as number); t++) running[t] = (running[t] as number) + 1;
  return { order, running };
}

/*
 * wasm's matMul packs its second operand for XNNPACK on first use of that tensor, which costs
 * more than the product itself when the operand is a fresh 128×128 matrix (measured: [7,128] ·
 * fresh [128,128] ≈ 70 µs; fresh [128,128] · [128,7] ≈ 15 µs). Weights are fresh tensors every
 * step, so with few rows (short names, batch 1) the products are turned around to put the
 * weight matrix first.
 */

/** `x·W` as a Float32Array `[N, G]` (no bias). @internal */
export function inputProjection(
  x: tf.Tensor2D,
  xData: Float32Array,
  W: tf.Tensor2D,
  inJs: boolean,
): Float32Array {
  const [N, E] = x.shape;
  const G = W.shape[1];
  const simd = simdProduct(xData, W.dataSync() as Float32Array, N, E, G);
  if (simd !== undefined) return simd;
  if (inJs) {
    const out = new Float32Array(N * G);
    matMulInto(xData, W.dataSync() as Float32Array, out, N, E, G);
    return out;
  }
  // W is usually a variable, whose packed form wasm keeps between calls: x·W as it is.
  const product = tf.matMul(x, W);
  const out = product.dataSync() as Float32Array;
  product.dispose();
  return out;
}

/** `dx = dA·Wᵀ` as a tensor `[N, E]` (`dA` is `[N, G]`, `W` is `[E, G]`). @internal */
export function inputGradient(
  dA: Float32Array,
  dATensor: tf.Tensor2D,
  W: tf.Tensor2D,
  N: number,
): tf.Tensor2D {
  const [E, G] = W.shape;
  if (N >= G) return tf.matMul(dATensor, tf.transpose(W));
  // dxᵀ = W·dAᵀ
  const product = tf.matMul(W, tf.tensor2d(transposeJs(dA, N, G), [G, N]));
  return tf.tensor2d(transposeJs(product.dataSync() as Float32Array, E, N), [N, E]);
}

/** Up to this many elements a transpose is cheaper in JS than as a tfjs kernel. */
const JS_TRANSPOSE_MAX_ELEMENTS = 4096;

/** The transpose of the `[rows×cols]` matrix `data` as a tensor. @internal */
export function transposed(data: Float32Array, rows: number, cols: number): tf.Tensor2D {
  if (rows * cols <= JS_TRANSPOSE_MAX_ELEMENTS)
    return tf.tensor2d(transposeJs(data, rows, cols), [cols, rows]);
  return tf.transpose(tf.tensor2d(data, [rows, cols]));
}

/** `out[0:rows] = left[0:rows] · right` through a tfjs matMul and a read-back. @internal */
export function readProduct(
  left: Float32Array,
  rows: number,
  k: number,
  right: tf.Tensor2D,
  out: Float32Array,
): void {
  // No tidy: its scope bookkeeping costs about as much as the product of a single row.
  const a = tf.tensor2d(left.subarray(0, rows * k), [rows, k]);
  const product = tf.matMul(a, right);
  out.set(product.dataSync());
  product.dispose();
  a.dispose();
}

/** Beyond ±this, tanh is 1 to float32 precision (tanh(7.905) = 1 − 2.7e-7). */
const TANH_CLAMP = 7.90531110763549805;

/**
 * tanh to float32 accuracy, with no exponential: the [13/6] odd rational minimax approximation
 * that Eigen uses for float tanh (`x·P(x²) / Q(x²)` on |x| < 7.905, ±1 beyond). Absolute error
 * below 3e-7 everywhere (float32 spacing near 1 is 6e-8; tested against `Math.tanh`); relative
 * error below 2e-7 near 0. In the gate loops it costs about half of an exponential-based tanh
 * (measured: the LSTM forward gate loop 56 → 34 ns per unit), because it needs no float→int
 * rounding and no table look-ups (PERFORMANCE.md lesson 7).
 * @internal
 */
export function tanhJs(x: number): number {
  if (x >= TANH_CLAMP) return 1;
  if (x <= -TANH_CLAMP) return -1;
  const x2 = x * x;
  const p =
    4.89352455891786e-3 +
    x2 *
      (6.37261928875436e-4 +
        x2 *
          (1.48572235717979e-5 +
            x2 *
              (5.12229709037114e-8 +
                x2 * (-8.60467152213735e-11 + x2 * (2.00018790482477e-13 + x2 * -2.76076847742355e-16)))));
  const q =
    4.89352518554385e-3 + x2 * (2.268434632439e-3 + x2 * (1.18534705686654e-4 + x2 * 1.19825839466702e-6));
  return (x * p) / q;
}

/** σ(a) = (1 + tanh(a/2)) / 2, through {@link tanhJs}: absolute error below 1.5e-7. @internal */
export function sigmoid(a: number): number {
  return 0.5 + 0.5 * tanhJs(0.5 * a);
}

/** Where a {@link StepMatrix} put its matrix and its input and output rows in the SIMD arena. */
interface Placement {
  generation: number;
  matrix: number;
  input: number;
  output: number;
  maxRows: number;
}

/**
 * A weight matrix `[rows × cols]` multiplied by a few state rows per step: through our SIMD
 * kernels where they exist (the matrix is copied into their arena once per loop), else in JS
 * when that is cheaper (see {@link productInJs}), else through `tf.matMul` with a tensor made
 * once. Call {@link StepMatrix.dispose} when the loop is done. A loop that uses step matrices
 * starts with {@link simdRun} (it empties the arena).
 * @internal
 */
export class StepMatrix {
  private tensor: tf.Tensor2D | undefined;
  private tensorT: tf.Tensor2D | undefined;
  private placed: Placement | undefined;
  private placedT: Placement | undefined;

  /**
   * @param maxRows the most rows a product will have (the arena room for them); more are
   * handled by placing the matrix again
   */
  constructor(
    readonly data: Float32Array,
    readonly rows: number,
    readonly cols: number,
    private readonly maxRows = 64,
  ) {}

  /** `out[0:m] = left[0:m] · M`. */
  times(left: Float32Array, m: number, out: Float32Array): void {
    const simd = simdKernels();
    if (simd !== undefined) out.set(this.simdProduct(simd, false, left, m));
    else if (productInJs(m, this.rows, this.cols)) matMulInto(left, this.data, out, m, this.rows, this.cols);
    else
      readProduct(
        left,
        m,
        this.rows,
        (this.tensor ??= tf.keep(tf.tensor2d(this.data, [this.rows, this.cols]))),
        out,
      );
  }

  /** `out[0:m] = left[0:m] · Mᵀ`. */
  timesTransposed(left: Float32Array, m: number, out: Float32Array): void {
    const simd = simdKernels();
    if (simd !== undefined) out.set(this.simdProduct(simd, true, left, m));
    else if (productInJs(m, this.cols, this.rows))
      matMulTransposedB(left, this.data, out, m, this.cols, this.rows);
    else
      readProduct(
        left,
        m,
        this.cols,
        (this.tensorT ??= tf.keep(
          tf.tensor2d(transposeJs(this.data, this.rows, this.cols), [this.cols, this.rows]),
        )),
        out,
      );
  }

  /** `left[0:m] · M` (or `· Mᵀ`) through the SIMD kernels, as a view of their arena. */
  private simdProduct(simd: SimdKernels, transposed: boolean, left: Float32Array, m: number): Float32Array {
    const k = transposed ? this.cols : this.rows;
    const n = transposed ? this.rows : this.cols;
    let p = transposed ? this.placedT : this.placed;
    if (p === undefined || p.generation !== simd.generation || p.maxRows < m) {
      const maxRows = Math.max(m, this.maxRows);
      p = {
        generation: simd.generation,
        matrix: simd.put(transposed ? transposeJs(this.data, this.rows, this.cols) : this.data),
        input: simd.alloc(maxRows * k),
        output: simd.alloc(maxRows * n),
        maxRows,
      };
      if (transposed) this.placedT = p;
      else this.placed = p;
    }
    simd.view(p.input, m * k).set(left.subarray(0, m * k));
    simd.gemm(p.input, p.matrix, p.output, m, k, n, k, 1, n, n);
    return simd.view(p.output, m * n);
  }

  dispose(): void {
    this.tensor?.dispose();
    this.tensorT?.dispose();
    this.tensor = undefined;
    this.tensorT = undefined;
    this.placed = undefined;
    this.placedT = undefined;
  }
}

/** A region of the SIMD arena: offset and size in floats. @internal */
export interface ArenaRegion {
  at: number;
  size: number;
}

/**
 * The output of a SIMD recurrence whose states `h[t]` (t = 0..T, rows in length order) are at
 * `regions.h` of the arena, and a hold on its state `regions` for the backward pass (sticky
 * under a gradient tape, see `SimdKernels.keep`).
 * @internal
 */
export function simdOutputAndKeep<R extends { h: ArenaRegion } & Record<string, ArenaRegion>>(
  simd: SimdKernels,
  regions: R,
  sequences: SequenceShape,
  plan: LengthOrder,
  H: number,
  returnSequences: boolean,
): { value: tf.Tensor2D; kept: { restore: () => Record<keyof R & string, number>; release: () => void } } {
  const { lengths, batchSize: B, maxLen: T } = sequences;
  const value = gatherSequenceOutputs(
    simd.view(regions.h.at, (T + 1) * B * H),
    lengths,
    plan.order,
    plan.running,
    T,
    H,
    returnSequences,
  );
  return { value, kept: simd.keep<keyof R & string>(regions, recordingGradients()) };
}

/**
 * Adds a sequence-returning recurrence's output gradient at step `t` (`dyData` rows
 * `order[i]·T + t`) to the state gradient `dh` of its `rows` running rows (rows in length order).
 * @internal
 */
export function addStepOutputGradient(
  simd: SimdKernels,
  dh: number,
  dyData: Float32Array,
  order: Int32Array,
  rows: number,
  t: number,
  T: number,
  H: number,
): void {
  const dhView = simd.view(dh, rows * H);
  for (let i = 0; i < rows; i++) {
    const n = (order[i] as number) * T + t;
    for (let j = 0; j < H; j++)
      dhView[i * H + j] = (dhView[i * H + j] as number) + (dyData[n * H + j] as number);
  }
}

/**
 * The gradient reaching the last states of a recurrence from `dy`, rows in length order; zeros
 * when it returns sequences (then `dy` enters step by step).
 * @internal
 */
export function lastStateGradient(
  dyData: Float32Array,
  order: Int32Array,
  B: number,
  H: number,
  returnSequences: boolean,
): Float32Array {
  return returnSequences ? new Float32Array(B * H) : reorderRows(dyData, order, H);
}

/**
 * Whether a gradient tape is recording (inside `tf.grads` / `tf.variableGrads`): then a custom
 * op's backward pass will run, and its state is worth keeping in the SIMD arena.
 * @internal
 */
export function recordingGradients(): boolean {
  return tf.engine().state.gradientDepth > 0;
}

/**
 * Starts a loop's use of the SIMD kernels (empties their arena; earlier placements are gone) and
 * returns them, or undefined where there are none.
 * @internal
 */
export function simdRun(): SimdKernels | undefined {
  const simd = simdKernels();
  simd?.begin();
  return simd;
}

/**
 * `op(a)·op(b)` as a new `[m, n]` array through the SIMD kernels (`a` is `[m, k]`, or `[k, m]`
 * when `transposeA`; `b` is `[k, n]`, or `[n, k]` when `transposeB`, transposed in the arena);
 * undefined where there are none.
 */
function simdMatMul(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  transposeA: boolean,
  transposeB = false,
): Float32Array | undefined {
  const simd = simdRun();
  if (simd === undefined) return undefined;
  const aOff = simd.put(a.subarray(0, m * k));
  const bOff = transposeB ? simd.putTransposed(b.subarray(0, k * n), n, k) : simd.put(b.subarray(0, k * n));
  const out = simd.alloc(m * n);
  if (transposeA) simd.gemm(aOff, bOff, out, m, k, n, 1, m, n, n);
  else simd.gemm(aOff, bOff, out, m, k, n, k, 1, n, n);
  return simd.view(out, m * n).slice();
}

/**
 * `aᵀ·b` for row sets `a [M, k]` and `b [M, n]` (a weight gradient) through the SIMD kernels,
 * as a new array `[k, n]`; undefined where there are none.
 * @internal
 */
export function simdTransposedProduct(
  a: Float32Array,
  b: Float32Array,
  M: number,
  k: number,
  n: number,
): Float32Array | undefined {
  return simdMatMul(a, b, k, M, n, true);
}

/**
 * `a·bᵀ` for `a [m, k]` and `b [n, k]` through the SIMD kernels, as a new array `[m, n]`;
 * undefined where there are none.
 * @internal
 */
export function simdProductTransposedB(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
): Float32Array | undefined {
  return simdMatMul(a, b, m, k, n, false, true);
}

/**
 * `a·b` for `a [m, k]` and `b [k, n]` through the SIMD kernels, as a new array `[m, n]`;
 * undefined where there are none.
 * @internal
 */
export function simdProduct(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
): Float32Array | undefined {
  return simdMatMul(a, b, m, k, n, false);
}

/** Columns `[from, to)` of a row-major `[rows × cols]` matrix. @internal */
export function columns(
  src: Float32Array,
  rows: number,
  cols: number,
  from: number,
  to: number,
): Float32Array {
  const width = to - from;
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) out.set(src.subarray(r * cols + from, r * cols + to), r * width);
  return out;
}

/** Column sums of a row-major `[rows × cols]` matrix, written at `out[offset...]`. @internal */
export function columnSums(
  src: Float32Array,
  rows: number,
  cols: number,
  out: Float32Array,
  offset = 0,
): void {
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < cols; j++)
      out[offset + j] = (out[offset + j] as number) + (src[r * cols + j] as number);
}

/**
 * The valid (non-padding) rows of a `[batchSize * maxLen, ...]` layout: `valid[c]` is the flat
 * row `r * maxLen + t` of compact row `c`, and `compact[n]` the compact row of flat row `n`
 * (−1 on padding). The input projection and the weight gradients run on valid rows only, so
 * padding costs no arithmetic there either.
 * @internal
 */
export function validRows(lengths: Int32Array, maxLen: number): { valid: Int32Array; compact: Int32Array } {
  const compact = new Int32Array(lengths.length * maxLen).fill(-1);
  let count = 0;
  for (let r = 0; r < lengths.length; r++)
    for (let t = 0; t < (lengths[r] as number); t++) compact[r * maxLen + t] = count++;
  const valid = new Int32Array(count);
  for (let n = 0; n < compact.length; n++) if ((compact[n] as number) >= 0) valid[compact[n] as number] = n;
  return { valid, compact };
}

/** Rows `valid[c]` of a `[N, width]` matrix, as a new `[valid.length, width]` one. @internal */
export function gatherRows(src: Float32Array, valid: Int32Array, width: number): Float32Array {
  const out = new Float32Array(valid.length * width);
  for (let c = 0; c < valid.length; c++) {
    const from = (valid[c] as number) * width;
    out.set(src.subarray(from, from + width), c * width);
  }
  return out;
}

/** The inverse of {@link gatherRows}: a `[rows, width]` matrix, zero outside the valid rows. @internal */
export function scatterRows(src: Float32Array, valid: Int32Array, rows: number, width: number): Float32Array {
  const out = new Float32Array(rows * width);
  for (let c = 0; c < valid.length; c++)
    out.set(src.subarray(c * width, (c + 1) * width), (valid[c] as number) * width);
  return out;
}

/**
 * Gradients of the input-side product `x·W` of a `'js'` recurrent path from the pre-activation
 * gradients `dZ` of the valid rows (`[M, G]`, compact order): `dx` (`[N, E]`, zero on padding
 * rows) and `dW = xᵀ·dZ`. In JS on cpu, through `tf.matMul` elsewhere.
 * @internal
 */
export function inputSideGradients(
  dZ: Float32Array,
  xData: Float32Array,
  W: tf.Tensor2D,
  valid: Int32Array,
  N: number,
  onCpu: boolean,
): [tf.Tensor2D, tf.Tensor2D] {
  const [E, G] = W.shape;
  const M = valid.length;
  if (M === 0) return [tf.zeros([N, E]), tf.zeros([E, G])];
  const WData = W.dataSync() as Float32Array;
  const dxSimd = simdProductTransposedB(dZ, WData, M, G, E);
  if (dxSimd !== undefined)
    return [
      tf.tensor2d(scatterRows(dxSimd, valid, N, E), [N, E]),
      tf.tensor2d(simdTransposedProduct(xData, dZ, M, E, G) as Float32Array, [E, G]),
    ];
  if (onCpu) {
    const dx = new Float32Array(M * E);
    matMulTransposedB(dZ, WData, dx, M, G, E);
    return [
      tf.tensor2d(scatterRows(dx, valid, N, E), [N, E]),
      tf.tensor2d(matMulTransposedA(xData, dZ, M, E, G), [E, G]),
    ];
  }
  const dZTensor = tf.tensor2d(dZ, [M, G]);
  const dxCompact = inputGradient(dZ, dZTensor, W, M);
  const dx = tf.tensor2d(scatterRows(dxCompact.dataSync() as Float32Array, valid, N, E), [N, E]);
  dxCompact.dispose();
  return [dx, tf.matMul(transposed(xData, M, E), dZTensor)];
}

/** `aᵀ·b` for `[M, k]` and `[M, n]` row sets (a weight gradient): in JS on cpu, else `tf.matMul`. @internal */
export function weightGradient(
  a: Float32Array,
  b: Float32Array,
  M: number,
  k: number,
  n: number,
  onCpu: boolean,
): tf.Tensor2D {
  if (M === 0) return tf.zeros([k, n]);
  const simd = simdTransposedProduct(a, b, M, k, n);
  if (simd !== undefined) return tf.tensor2d(simd, [k, n]);
  if (onCpu) return tf.tensor2d(matMulTransposedA(a, b, M, k, n), [k, n]);
  return tf.matMul(transposed(a, M, k), tf.tensor2d(b, [M, n]));
}

/** What every JS recurrence (tutorial RNN, LSTM, GRU) derives from the batch before its loop. */
export interface RecurrentRunPlan extends LengthOrder {
  /** Flat `[b*T + t]` indices of the valid (non-padding) steps. */
  valid: Int32Array;
  /** Row of each valid step in the compacted `[M, ·]` input-side arrays. */
  compact: Int32Array;
  /** Number of valid steps: the input-side products run on these rows only. */
  M: number;
  /** {@link matMulSlowerThanJs} (the cpu backend): every product without SIMD kernels is done in JS. */
  onCpu: boolean;
  /** The recurrent dropout mask with its rows in the length order, when there is one. */
  dropMask: Float32Array | undefined;
}

/** The shared set-up of a JS recurrence over `lengths` (`maxLen` steps) with `units` units. */
export function planRecurrentRun(
  lengths: Int32Array,
  maxLen: number,
  units: number,
  recurrentDropoutMask: Float32Array | undefined,
): RecurrentRunPlan {
  const { order, running } = lengthOrder(lengths, maxLen);
  const { valid, compact } = validRows(lengths, maxLen);
  return {
    order,
    running,
    valid,
    compact,
    M: valid.length,
    onCpu: matMulSlowerThanJs(),
    dropMask: recurrentDropoutMask && reorderRows(recurrentDropoutMask, order, units),
  };
}

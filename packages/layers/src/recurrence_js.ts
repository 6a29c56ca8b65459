import * as tf from '@tensorflow/tfjs-core';
import { matMulInto, matMulTransposedA, matMulTransposedB, transposeJs } from './mat_mul_js.js';
import { reorderRows } from './recurrent_options.js';

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

/**
 * Per-step products up to this many multiply-adds run in JS on wasm; larger ones through
 * `tf.matMul` (measured on wasm: 1×128 · 128×512 ≈ 65 µs in JS, ≈ 20 µs as `tf.matMul` with
 * its read-back once the weight matrix is packed).
 */
const WASM_JS_STEP_PRODUCT_MAX = 128 * 128;

/**
 * Whether a product of `rows × k · k × n` is done in JS: always on the cpu backend (its matMul
 * is slower than the JS loops at any size, PERFORMANCE.md lesson 8), for small ones elsewhere.
 * @internal
 */
export function productInJs(rows: number, k: number, n: number): boolean {
  return tf.getBackend() === 'cpu' || rows * k * n <= WASM_JS_STEP_PRODUCT_MAX;
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

/** 2^k for k in [−127, 128], at index k + 127. */
const POW2 = Float64Array.from({ length: 256 }, (_, i) => 2 ** (i - 127));
/** 2^(j/64) for j in [0, 64). */
const POW2_64THS = Float64Array.from({ length: 64 }, (_, j) => 2 ** (j / 64));
/** 64 / ln 2, and ln 2 / 64 split so that `k · hi` is exact for |k| < 2^13. */
const INV_LN2_64THS = 64 / Math.LN2;
const LN2_64THS_HI = 0.693145751953125 / 64;
const LN2_64THS_LO = 1.4286068203094173e-6 / 64;
/** Shifts `x · 64/ln 2 + 0.5` positive, so that `| 0` (truncation) is a floor. */
const FLOOR_SHIFT = 16384;

/**
 * e^x for the gate math, clamped to [−87, 88] (the float32 range): e^x = 2^m · 2^(j/64) · e^r
 * with k = 64m + j = round(64x / ln 2) and |r| ≤ ln 2 / 128, the powers of two from tables and
 * e^r by its Taylor polynomial to r⁵. Relative error below 1e-13 (float32 rounding is 6e-8), so
 * results equal `Math.exp`'s once stored as float32 (tested), at a fraction of its cost: V8's
 * `Math.exp` is a call out of the compiled loop (PERFORMANCE.md lesson 7), and the short
 * polynomial and integer rounding keep this one cheap enough to inline (≈ 3× faster than a
 * degree-8 polynomial with `Math.floor`).
 * @internal
 */
export function expJs(x: number): number {
  const v = x < -87 ? -87 : x > 88 ? 88 : x;
  const k = ((v * INV_LN2_64THS + (FLOOR_SHIFT + 0.5)) | 0) - FLOOR_SHIFT;
  const r = v - k * LN2_64THS_HI - k * LN2_64THS_LO;
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120)))));
  return p * (POW2_64THS[k & 63] as number) * (POW2[(k >> 6) + 127] as number);
}

/** σ(a) = 1 / (1 + e^−a). @internal */
export function sigmoid(a: number): number {
  return 1 / (1 + expJs(-a));
}

/** tanh(a) = 1 − 2 / (e^{2a} + 1), one exponential (V8's `Math.tanh` costs ≈ 2 `Math.exp`). @internal */
export function tanhJs(a: number): number {
  return 1 - 2 / (expJs(2 * a) + 1);
}

/**
 * A weight matrix `[rows × cols]` multiplied by a few state rows per step: in JS when that is
 * cheaper (see {@link productInJs}), else through `tf.matMul` with a tensor made once.
 * Call {@link StepMatrix.dispose} when the loop is done.
 * @internal
 */
export class StepMatrix {
  private tensor: tf.Tensor2D | undefined;
  private tensorT: tf.Tensor2D | undefined;

  constructor(
    readonly data: Float32Array,
    readonly rows: number,
    readonly cols: number,
  ) {}

  /** `out[0:m] = left[0:m] · M`. */
  times(left: Float32Array, m: number, out: Float32Array): void {
    if (productInJs(m, this.rows, this.cols)) matMulInto(left, this.data, out, m, this.rows, this.cols);
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
    if (productInJs(m, this.cols, this.rows))
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

  dispose(): void {
    this.tensor?.dispose();
    this.tensorT?.dispose();
    this.tensor = undefined;
    this.tensorT = undefined;
  }
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
  if (onCpu) {
    const dx = new Float32Array(M * E);
    matMulTransposedB(dZ, W.dataSync() as Float32Array, dx, M, G, E);
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
  /**
   * The cpu backend's matMul is slower than the JS loops at any size (PERFORMANCE.md lesson 8):
   * there every product is done in JS.
   */
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
    onCpu: tf.getBackend() === 'cpu',
    dropMask: recurrentDropoutMask && reorderRows(recurrentDropoutMask, order, units),
  };
}

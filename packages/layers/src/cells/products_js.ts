import * as tf from '@tensorflow/tfjs-core';
import { matMulInto, matMulTransposedA, matMulTransposedB, transposeJs } from '../kernels/mat_mul_js.js';
import { PANEL_WIDTH, simdKernels } from '../kernels/simd_kernels.js';
import type { SimdKernels } from '../kernels/simd_kernels.js';
import { scatterRows } from './run_plan.js';

// Where each product of a `'js'` recurrent path runs: our SIMD kernels where they exist, else JS
// loops or `tf.matMul` (see `productInJs` in backend_path.ts).

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
  const [rsA, csA] = transposeA ? [1, m] : [k, 1];
  const out = simd.alloc(m * n);
  if (n % PANEL_WIDTH === 0) {
    // B packed in panels (straight from its transpose when transposeB): read front to back.
    const bRaw = simd.put(b.subarray(0, k * n));
    const bp = transposeB ? simd.putPanels(bRaw, k, n, 1, k) : simd.putPanels(bRaw, k, n, n, 1);
    simd.gemmPackedStrided(aOff, bp, out, m, k, n, rsA, csA, n);
  } else {
    const bOff = transposeB ? simd.putTransposed(b.subarray(0, k * n), n, k) : simd.put(b.subarray(0, k * n));
    simd.gemm(aOff, bOff, out, m, k, n, rsA, csA, n, n);
  }
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

import * as tf from '@tensorflow/tfjs-core';
import { keepForBackward } from '../ops/keep_for_backward.js';
import { matMulInto, matMulTransposedA, matMulTransposedB, transposeJs } from '../kernels/mat_mul_js.js';
import {
  inputProjection,
  inputSideGradients,
  simdProduct,
  simdProductTransposedB,
  simdTransposedProduct,
} from './products_js.js';
import type { RecurrentRunPlan } from './run_plan.js';

/**
 * The input side `x_t·W` of a `'js'` recurrence: the projection each valid step reads, and the
 * gradients of the two input-side tensors once the pre-activation gradients are known.
 * @internal
 */
export interface InputSide {
  /** Projected rows, row-major `[rows, G]`; valid step `m` (compact order) reads row `rowOf[m]`. */
  values: Float32Array;
  /** Row of {@link InputSide.values} for each valid step, `[M]`. */
  rowOf: Int32Array;
  /** Gradients of the two input-side tensors from the pre-activation gradients `dZ` (`[M, G]`). */
  gradients: (dZ: Float32Array) => [tf.Tensor2D, tf.Tensor2D];
  /**
   * The same from the gradient of {@link InputSide.values} itself (`dValues[r] = Σ dZ[m]` over
   * the steps `m` with `rowOf[m] = r`), for callers that accumulate it directly.
   */
  valueGradients: (dValues: Float32Array) => [tf.Tensor2D, tf.Tensor2D];
}

/** `[0, 1, ..., M − 1]`. */
function identityRows(M: number): Int32Array {
  return Int32Array.from({ length: M }, (_, m) => m);
}

/**
 * Input side from a `[batchSize * maxLen, E]` input `x` and a kernel `W` (`[E, G]`): one
 * product over the valid rows.
 * @internal
 */
export function denseInputSide(x: tf.Tensor2D, W: tf.Tensor2D, plan: RecurrentRunPlan): InputSide {
  const [N, E] = x.shape;
  const { valid, M, onCpu } = plan;
  const xAll = x.dataSync() as Float32Array;
  const xData = new Float32Array(M * E);
  for (let m = 0; m < M; m++) {
    const from = (valid[m] as number) * E;
    xData.set(xAll.subarray(from, from + E), m * E);
  }
  const WKept = keepForBackward(W);
  const values = M === 0 ? new Float32Array(0) : inputProjection(tf.tensor2d(xData, [M, E]), xData, W, onCpu);
  const gradients = (dZ: Float32Array): [tf.Tensor2D, tf.Tensor2D] =>
    inputSideGradients(dZ, xData, WKept(), valid, N, onCpu);
  return { values, rowOf: identityRows(M), gradients, valueGradients: gradients };
}

/** `a·b` as a Float32Array: in JS on cpu (from `aData`, `bData`), else one `tf.matMul`. */
function product(
  a: tf.Tensor2D,
  aData: Float32Array,
  b: tf.Tensor2D,
  bData: Float32Array,
  onCpu: boolean,
): Float32Array {
  const [m, k] = a.shape;
  const n = b.shape[1];
  const simd = simdProduct(aData, bData, m, k, n);
  if (simd !== undefined) return simd;
  if (onCpu) {
    const out = new Float32Array(m * n);
    matMulInto(aData, bData, out, m, k, n);
    return out;
  }
  // b is usually a variable, whose packed form wasm keeps between calls.
  const p = tf.matMul(a, b);
  const out = p.dataSync() as Float32Array;
  p.dispose();
  return out;
}

/**
 * Input side of a recurrence reading an embedding: `x_n = table[ids[n]]`, so `x_n·W` is row
 * `ids[n]` of `table·W`. When the batch has more valid steps than the table has rows, the whole
 * table is projected once (`[V, E]·[E, G]`) and each step reads its token's row; the gradient
 * scatter-adds `dZ` onto the token rows (`dP`, `[V, G]`) and then needs only two products of the
 * table's size: `dTable = dP·Wᵀ`, `dW = tableᵀ·dP`. With few steps (a single name) the valid
 * rows are looked up and projected instead, and `dx = dZ·Wᵀ` is scatter-added onto the table.
 * Both compute `embeddingLookup` followed by the input projection of a `'js'` recurrence.
 * @internal
 */
export function embeddedInputSide(
  table: tf.Tensor2D,
  ids: Int32Array,
  W: tf.Tensor2D,
  plan: RecurrentRunPlan,
): InputSide {
  const [V, E] = table.shape;
  const G = W.shape[1];
  const { valid, M, onCpu } = plan;
  const tableData = table.dataSync() as Float32Array;
  const WData = W.dataSync() as Float32Array;
  const tokenOf = new Int32Array(M);
  for (let m = 0; m < M; m++) tokenOf[m] = ids[valid[m] as number] as number;

  if (M >= V) {
    const values = product(table, tableData, W, WData, onCpu);
    const valueGradients = (dP: Float32Array): [tf.Tensor2D, tf.Tensor2D] => {
      const dTableSimd = simdProductTransposedB(dP, WData, V, G, E);
      if (dTableSimd !== undefined)
        return [
          tf.tensor2d(dTableSimd, [V, E]),
          tf.tensor2d(simdTransposedProduct(tableData, dP, V, E, G) as Float32Array, [E, G]),
        ];
      if (onCpu) {
        const dTable = new Float32Array(V * E);
        matMulTransposedB(dP, WData, dTable, V, G, E);
        return [tf.tensor2d(dTable, [V, E]), tf.tensor2d(matMulTransposedA(tableData, dP, V, E, G), [E, G])];
      }
      const dPTensor = tf.tensor2d(dP, [V, G]);
      return [
        tf.matMul(dPTensor, tf.tensor2d(transposeJs(WData, E, G), [G, E])),
        tf.matMul(tf.tensor2d(transposeJs(tableData, V, E), [E, V]), dPTensor),
      ];
    };
    return {
      values,
      rowOf: tokenOf,
      gradients: (dZ) => {
        const dP = new Float32Array(V * G);
        for (let m = 0; m < M; m++) {
          const to = (tokenOf[m] as number) * G;
          const from = m * G;
          for (let j = 0; j < G; j++) dP[to + j] = (dP[to + j] as number) + (dZ[from + j] as number);
        }
        return valueGradients(dP);
      },
      valueGradients,
    };
  }

  const xData = new Float32Array(M * E);
  for (let m = 0; m < M; m++) {
    const from = (tokenOf[m] as number) * E;
    xData.set(tableData.subarray(from, from + E), m * E);
  }
  const values = M === 0 ? new Float32Array(0) : product(tf.tensor2d(xData, [M, E]), xData, W, WData, onCpu);
  const gradients = (dZ: Float32Array): [tf.Tensor2D, tf.Tensor2D] => {
    const dTable = new Float32Array(V * E);
    if (M === 0) return [tf.tensor2d(dTable, [V, E]), tf.zeros([E, G])];
    const dx = new Float32Array(M * E);
    matMulTransposedB(dZ, WData, dx, M, G, E);
    for (let m = 0; m < M; m++) {
      const to = (tokenOf[m] as number) * E;
      const from = m * E;
      for (let e = 0; e < E; e++) dTable[to + e] = (dTable[to + e] as number) + (dx[from + e] as number);
    }
    return [tf.tensor2d(dTable, [V, E]), tf.tensor2d(matMulTransposedA(xData, dZ, M, E, G), [E, G])];
  };
  return { values, rowOf: identityRows(M), gradients, valueGradients: gradients };
}

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
  /**
   * The projected rows: valid step `m` (compact order) reads `Σ_p parts[p].values` row
   * `parts[p].rowOf[m]` (one part, or one per embedding of a concatenated input).
   */
  parts: InputSidePart[];
  /**
   * Gradients of the input-side tensors (the input or its embedding tables, then the kernel `W`)
   * from the pre-activation gradients `dZ` (`[M, G]`).
   */
  gradients: (dZ: Float32Array) => tf.Tensor2D[];
  /**
   * The same from the gradients of the parts' values themselves (`dValues[p][r] = Σ dZ[m]` over
   * the steps `m` with `parts[p].rowOf[m] = r`), for callers that accumulate them directly.
   */
  valueGradients: (dValues: Float32Array[]) => tf.Tensor2D[];
}

/** Rows of an {@link InputSide}: `values` `[rows, G]` row-major, row `rowOf[m]` for valid step `m`. @internal */
export interface InputSidePart {
  values: Float32Array;
  rowOf: Int32Array;
}

/** The rows of `side` as one part: its only part, or the parts' sum per valid step (`[M, G]`). @internal */
export function summedParts(side: InputSide, M: number, G: number): InputSidePart {
  if (side.parts.length === 1) return side.parts[0] as InputSidePart;
  const values = new Float32Array(M * G);
  for (const { values: part, rowOf } of side.parts)
    for (let m = 0; m < M; m++) {
      const from = (rowOf[m] as number) * G;
      const to = m * G;
      for (let j = 0; j < G; j++) values[to + j] = (values[to + j] as number) + (part[from + j] as number);
    }
  return { values, rowOf: identityRows(M) };
}

/** An input side of one part whose gradients take a single array. */
function onePart(
  values: Float32Array,
  rowOf: Int32Array,
  gradients: (dZ: Float32Array) => tf.Tensor2D[],
  valueGradients: (dValues: Float32Array) => tf.Tensor2D[],
): InputSide {
  return {
    parts: [{ values, rowOf }],
    gradients,
    valueGradients: (dValues) => valueGradients(dValues[0] as Float32Array),
  };
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
  return onePart(values, identityRows(M), gradients, gradients);
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
    return onePart(
      values,
      tokenOf,
      (dZ) => valueGradients(scatterAddRows(dZ, tokenOf, M, G, V)),
      valueGradients,
    );
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
  return onePart(values, identityRows(M), gradients, gradients);
}

/**
 * Input side of a recurrence whose input concatenates rows of several embeddings, `x_n =
 * [tables[0][ids[0][n]] ; tables[1][ids[1][n]] ; …]` (a character and a label embedding), with
 * `W` the kernel over the concatenation (`[Σ E_i, G]`): `x_n·W = Σ_i (tables[i]·W_i)[ids[i][n]]`
 * with `W_i` the rows of `W` for table `i`. Each table is projected once (`[V_i, E_i]·[E_i, G]`),
 * a part of the input side, and each valid step adds its rows; the gradient scatter-adds `dZ` onto each table's projected
 * rows (`dP_i`, `[V_i, G]`) and then needs `dTable_i = dP_i·W_iᵀ` and `dW_i = tables[i]ᵀ·dP_i`.
 * The same function as the embedding lookups, their concatenation and the input projection, without
 * the `[steps, Σ E_i]·[Σ E_i, G]` products. Gradients in the order of `tables`, then `W`.
 * @param ids one `[batchSize * maxLen]` id array per table, each id in its table (checked by the caller)
 * @internal
 */
export function embeddingsInputSide(
  tables: tf.Tensor2D[],
  ids: Int32Array[],
  W: tf.Tensor2D,
  plan: RecurrentRunPlan,
): InputSide {
  if (tables.length === 1) return embeddedInputSide(tables[0] as tf.Tensor2D, ids[0] as Int32Array, W, plan);
  const G = W.shape[1];
  const { valid, M, onCpu } = plan;
  const WData = W.dataSync() as Float32Array;
  const parts = tables.map((table, i) => {
    const [V, E] = table.shape;
    const from = tables.slice(0, i).reduce((n, t) => n + t.shape[1], 0);
    const tableData = table.dataSync() as Float32Array;
    const WPart = WData.subarray(from * G, (from + E) * G);
    const rowOf = new Int32Array(M);
    const idList = ids[i] as Int32Array;
    for (let m = 0; m < M; m++) rowOf[m] = idList[valid[m] as number] as number;
    const projected = product(table, tableData, tf.tensor2d(WPart, [E, G]), WPart, onCpu);
    return { V, E, tableData, WPart, rowOf, projected };
  });
  const valueGradients = (dPs: Float32Array[]): tf.Tensor2D[] => {
    const dTables: tf.Tensor2D[] = [];
    const dW = new Float32Array(WData.length);
    let row = 0;
    parts.forEach(({ V, E, tableData, WPart }, i) => {
      const dP = dPs[i] as Float32Array;
      const dTable = simdProductTransposedB(dP, WPart, V, G, E);
      const dWPart = simdTransposedProduct(tableData, dP, V, E, G);
      if (dTable !== undefined && dWPart !== undefined) {
        dTables.push(tf.tensor2d(dTable, [V, E]));
        dW.set(dWPart, row * G);
      } else {
        const dTableJs = new Float32Array(V * E);
        matMulTransposedB(dP, WPart, dTableJs, V, G, E);
        dTables.push(tf.tensor2d(dTableJs, [V, E]));
        dW.set(matMulTransposedA(tableData, dP, V, E, G), row * G);
      }
      row += E;
    });
    return [...dTables, tf.tensor2d(dW, [row, G])];
  };
  return {
    parts: parts.map(({ projected, rowOf }) => ({ values: projected, rowOf })),
    gradients: (dZ) => valueGradients(parts.map(({ V, rowOf }) => scatterAddRows(dZ, rowOf, M, G, V))),
    valueGradients,
  };
}

/** `out [outRows × width]` with `out[index[m]] += src[m]` for `m < rows`. */
function scatterAddRows(
  src: Float32Array,
  index: Int32Array,
  rows: number,
  width: number,
  outRows: number,
): Float32Array {
  const out = new Float32Array(outRows * width);
  for (let m = 0; m < rows; m++) {
    const to = (index[m] as number) * width;
    const from = m * width;
    for (let j = 0; j < width; j++) out[to + j] = (out[to + j] as number) + (src[from + j] as number);
  }
  return out;
}

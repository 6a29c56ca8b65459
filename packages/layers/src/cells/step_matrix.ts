import * as tf from '@tensorflow/tfjs-core';
import { productInJs } from '../backend_path.js';
import { matMulInto, matMulTransposedB, transposeJs } from '../kernels/mat_mul_js.js';
import { simdKernels } from '../kernels/simd_kernels.js';
import type { SimdKernels } from '../kernels/simd_kernels.js';

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
 * starts with `simdRun` (products_js.ts; it empties the arena).
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

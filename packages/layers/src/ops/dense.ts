import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './custom_op.js';
import { keepForBackward } from './keep_for_backward.js';
import type { CustomOpResult } from './custom_op.js';
import {
  JS_MATMUL_MAX_MULTIPLY_ADDS,
  matMulInto,
  matMulTransposedA,
  matMulTransposedB,
} from '../kernels/mat_mul_js.js';
import { resolvePath } from '../backend_path.js';
import type { OpPath } from '../backend_path.js';

/**
 * Fully connected layer `y = x·W + b` with a hand-written gradient:
 * `dx = dy·Wᵀ`, `dW = xᵀ·dy`, `db = Σ_rows dy`.
 *
 * The backward needs `x` and `W`, which may be intermediates freed before it runs. On
 * `cpu`/`wasm` small layers (the classifier's output layer at small batch sizes) run entirely
 * in JS, larger ones read `x` and `W` into JS during the forward pass; elsewhere they are kept
 * with customGrad's `save`. Transposes are explicit and followed by a plain `matMul`:
 * autodiff's transposed matMuls run on a slow path on wasm (docs/performance.md, "Transposed
 * matMuls under autodiff").
 *
 * @param x `[batch, inFeatures]`
 * @param W `[inFeatures, outFeatures]` (Keras `kernel` layout)
 * @param b `[outFeatures]`
 * @param options `path`: implementation, see {@link OpPath} (default `'auto'`)
 * @returns `[batch, outFeatures]`
 *
 * @example
 * ```ts
 * const y = dense(tf.ones([2, 3]), tf.ones([3, 4]), tf.zeros([4])); // every entry 3
 * ```
 */
export function dense(
  x: tf.Tensor2D,
  W: tf.Tensor2D,
  b: tf.Tensor1D,
  options: { path?: OpPath } = {},
): tf.Tensor2D {
  const path = resolvePath(options.path);
  const [rows, inFeatures] = x.shape;
  const outFeatures = W.shape[1];
  return customOp(
    [x, W, b] as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D],
    ([x, W, b], save): CustomOpResult<tf.Tensor2D> => {
      if (path === 'js' && rows * inFeatures * outFeatures <= JS_MATMUL_MAX_MULTIPLY_ADDS)
        return denseJs(x, W, b);
      const value = tf.add<tf.Tensor2D>(tf.matMul(x, W), b);
      const backward = (dy: tf.Tensor2D, xKept: tf.Tensor2D, WKept: tf.Tensor2D): tf.Tensor[] => [
        tf.matMul(dy, tf.transpose(WKept)),
        tf.matMul(tf.transpose(xKept), dy),
        tf.sum(dy, 0),
      ];
      if (path === 'js') {
        const [xKept, WKept] = [keepForBackward(x), keepForBackward(W)];
        return { value, gradFunc: (dy) => backward(dy, xKept(), WKept()) };
      }
      save([x, W]);
      return {
        value,
        gradFunc: (dy, [xSaved, WSaved]) => backward(dy, xSaved as tf.Tensor2D, WSaved as tf.Tensor2D),
      };
    },
  );
}

/** The whole layer in JS: for small layers the tfjs kernels would cost more than the arithmetic. */
function denseJs(x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D): CustomOpResult<tf.Tensor2D> {
  const [rows, inFeatures] = x.shape;
  const outFeatures = W.shape[1];
  const xData = x.dataSync() as Float32Array;
  const WData = W.dataSync() as Float32Array;
  const bData = b.dataSync() as Float32Array;
  const y = new Float32Array(rows * outFeatures);
  matMulInto(xData, WData, y, rows, inFeatures, outFeatures);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < outFeatures; j++)
      y[r * outFeatures + j] = (y[r * outFeatures + j] as number) + (bData[j] as number);
  return {
    value: tf.tensor2d(y, [rows, outFeatures]),
    gradFunc: (dy) => {
      const dyData = dy.dataSync() as Float32Array;
      const dx = new Float32Array(rows * inFeatures);
      matMulTransposedB(dyData, WData, dx, rows, outFeatures, inFeatures);
      const db = new Float32Array(outFeatures);
      for (let r = 0; r < rows; r++)
        for (let j = 0; j < outFeatures; j++)
          db[j] = (db[j] as number) + (dyData[r * outFeatures + j] as number);
      return [
        tf.tensor2d(dx, [rows, inFeatures]),
        tf.tensor2d(matMulTransposedA(xData, dyData, rows, inFeatures, outFeatures), [
          inFeatures,
          outFeatures,
        ]),
        tf.tensor1d(db),
      ];
    },
  };
}

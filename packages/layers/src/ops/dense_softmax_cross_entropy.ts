import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@charrnn/core';
import { customOp } from './custom_op.js';
import { crossEntropyTargets, crossEntropyValues } from './softmax_cross_entropy.js';
import type { SimdKernels } from '../kernels/simd_kernels.js';

/**
 * `softmaxCrossEntropy(dense(x, W, b), labels, { exampleWeights })` as one op through our SIMD
 * kernels, computed on the rows of non-zero weight only: a language model's per-step output
 * layer and loss, whose padding rows (weight 0) then cost nothing — neither the `[rows, H]·[H, V]`
 * product nor its two gradient products, nor tfjs kernels and their transposes. The same
 * function and gradients (`dx` is 0 on the rows of weight 0).
 *
 * @param simd the kernels to run the products on (the caller checks they exist)
 * @param x `[rows, H]`
 * @param W `[H, V]`
 * @param b `[V]`
 * @param labels one class id in `[0, V)` per row
 * @param exampleWeights one non-negative weight per row (0: ignored), some positive
 * @returns the weighted mean cross-entropy, a scalar
 * @throws InvalidArgumentError on a label out of range or sizes that do not fit
 * @internal
 */
export function denseSoftmaxCrossEntropy(
  simd: SimdKernels,
  x: tf.Tensor2D,
  W: tf.Tensor2D,
  b: tf.Tensor1D,
  labels: Int32Array,
  exampleWeights: Float32Array,
): tf.Scalar {
  const [rows, H] = x.shape;
  const V = W.shape[1];
  if (W.shape[0] !== H || b.shape[0] !== V)
    throw new InvalidArgumentError(
      `W [${W.shape.join(', ')}] and b [${b.shape.join(', ')}] do not fit x [${rows}, ${H}]`,
      { field: 'W' },
    );
  if (labels.length !== rows || exampleWeights.length !== rows)
    throw new InvalidArgumentError(`labels and exampleWeights need one entry per row (${rows})`, {
      field: 'labels',
    });
  const kept: number[] = [];
  for (let n = 0; n < rows; n++) if ((exampleWeights[n] as number) !== 0) kept.push(n);
  const M = kept.length;
  const keptRows = Int32Array.from(kept);
  const { weightedTarget, c } = crossEntropyTargets(
    Int32Array.from(kept, (n) => labels[n] as number),
    M,
    V,
    { exampleWeights: Float32Array.from(kept, (n) => exampleWeights[n] as number) },
  );
  return customOp([x, W, b] as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D], ([x, W, b]) => {
    const xData = x.dataSync() as Float32Array;
    const WData = W.dataSync() as Float32Array;
    const bias = b.dataSync() as Float32Array;
    // The kept rows of x, compact: the forward's input and the weight gradient's left side.
    const xKept = new Float32Array(M * H);
    for (let m = 0; m < M; m++) {
      const from = (keptRows[m] as number) * H;
      xKept.set(xData.subarray(from, from + H), m * H);
    }
    // Allocated above what the arena holds, without begin(): a begin() while the recurrent layers
    // keep their states for the backward pass (two LSTM layers of a text model: beyond
    // SimdKernels.stickyArenaLimit) would copy those states out and back. The next run's begin()
    // frees these regions.
    const xa = simd.put(xKept);
    const wa = simd.put(WData);
    const z = simd.alloc(M * V);
    simd.gemm(xa, wa, z, M, H, V, H, 1, V, V);
    const logits = simd.view(z, M * V).slice();
    for (let m = 0; m < M; m++)
      for (let k = 0; k < V; k++) logits[m * V + k] = (logits[m * V + k] as number) + (bias[k] as number);
    const { loss, dLogits } = crossEntropyValues(logits, weightedTarget, c, M, V);
    return {
      value: tf.scalar(loss),
      gradFunc: (dy) => {
        const dz = dLogits(dy.dataSync()[0] as number);
        const db = new Float32Array(V);
        for (let m = 0; m < M; m++)
          for (let k = 0; k < V; k++) db[k] = (db[k] as number) + (dz[m * V + k] as number);
        const dza = simd.put(dz); // no begin(), as in the forward pass
        const xb = simd.put(xKept);
        const wt = simd.putTransposed(WData, H, V);
        const dxKept = simd.alloc(M * H);
        const dW = simd.alloc(H * V);
        simd.gemm(dza, wt, dxKept, M, V, H, V, 1, H, H); // dx = dz·Wᵀ
        simd.gemm(xb, dza, dW, H, M, V, 1, H, V, V); // dW = xᵀ·dz
        const dx = new Float32Array(rows * H);
        const dxView = simd.view(dxKept, M * H);
        for (let m = 0; m < M; m++) dx.set(dxView.subarray(m * H, (m + 1) * H), (keptRows[m] as number) * H);
        return [
          tf.tensor2d(dx, [rows, H]),
          tf.tensor2d(simd.view(dW, H * V).slice(), [H, V]),
          tf.tensor1d(db),
        ];
      },
    };
  });
}

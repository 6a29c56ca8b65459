import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { dense } from './dense.js';
import { denseSoftmaxCrossEntropy } from './dense_softmax_cross_entropy.js';
import { softmaxCrossEntropy } from './softmax_cross_entropy.js';
import { SimdKernels } from '../kernels/simd_kernels.js';
import {
  BACKENDS,
  maxRelDiff,
  randomArray,
  useBackend,
  withoutKernelLeakCheck,
} from '../test-utils/tf_test_setup.js';

describe.each(BACKENDS)('denseSoftmaxCrossEntropy on the %s backend', (backend) => {
  let available = false;
  beforeAll(async () => {
    available = await useBackend(backend);
    if (!available) console.warn(`skipping: the ${backend} backend does not start here`);
  });
  const simd = SimdKernels.create('plain');

  // Vocabulary sizes around the 4 × 8 blocks; weights 0 (padding), 1 and fractional.
  it.each([
    [13, 7, 5],
    [40, 16, 61],
    [9, 3, 1],
  ])('equals softmaxCrossEntropy(dense(x, W, b)), gradients included (rows %i, H %i, V %i)', (rows, H, V) => {
    if (!available || simd === undefined) return;
    const labels = Int32Array.from({ length: rows }, (_, n) => (n * 7 + 1) % V);
    const weights = Float32Array.from({ length: rows }, (_, n) => (n % 4 === 1 ? 0 : n % 3 === 0 ? 0.5 : 1));
    const inputs = [
      tf.tensor2d(randomArray(rows * H, 1, 1), [rows, H]),
      tf.tensor2d(randomArray(H * V, 2, 0.5), [H, V]),
      tf.tensor1d(randomArray(V, 3, 0.3)),
    ];
    const results = [
      // The ops paths keep tensors with customGrad's save(): see withoutKernelLeakCheck.
      (x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D) =>
        withoutKernelLeakCheck(() =>
          softmaxCrossEntropy(dense(x, W, b, { path: 'ops' }), labels, {
            exampleWeights: weights,
            path: 'ops',
          }),
        ),
      (x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D) =>
        denseSoftmaxCrossEntropy(simd, x, W, b, labels, weights),
    ].map((f) => {
      const loss = (t: tf.Tensor[]): tf.Scalar =>
        f(t[0] as tf.Tensor2D, t[1] as tf.Tensor2D, t[2] as tf.Tensor1D);
      const value = tf.tidy(() => loss(inputs));
      const grads = tf.grads((...t) => loss(t))(inputs);
      const out = {
        value: value.dataSync()[0] as number,
        grads: grads.map((g) => new Float32Array(g.dataSync())),
      };
      tf.dispose([value, ...grads]);
      return out;
    });
    const [want, got] = results as [(typeof results)[0], (typeof results)[0]];
    expect(Math.abs(got.value - want.value)).toBeLessThan(1e-5);
    got.grads.forEach((g, i) =>
      expect(maxRelDiff(g, want.grads[i] as Float32Array), `gradient ${i}`).toBeLessThan(1e-5),
    );
    // Rows of weight 0 get no gradient.
    const dx = got.grads[0] as Float32Array;
    for (let n = 1; n < rows; n += 4)
      expect(Array.from(dx.subarray(n * H, (n + 1) * H)).every((v) => v === 0)).toBe(true);
    tf.dispose(inputs);
  });

  it('names a label out of range and sizes that do not fit', () => {
    if (!available || simd === undefined) return;
    const x = tf.zeros([2, 3]) as tf.Tensor2D;
    const W = tf.zeros([3, 4]) as tf.Tensor2D;
    const b = tf.zeros([4]) as tf.Tensor1D;
    expect(() =>
      denseSoftmaxCrossEntropy(simd, x, W, b, Int32Array.from([0, 4]), new Float32Array([1, 1])),
    ).toThrow(/labels\[1\] = 4 is outside \[0, 4\)/);
    expect(() =>
      denseSoftmaxCrossEntropy(simd, x, W, b, Int32Array.from([0]), new Float32Array([1])),
    ).toThrow(/one entry per row \(2\)/);
    tf.dispose([x, W, b]);
  });
});

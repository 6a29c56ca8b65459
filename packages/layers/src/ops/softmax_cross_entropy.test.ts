import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { softmaxCrossEntropy } from './softmax_cross_entropy.js';
import type { SoftmaxCrossEntropyOptions } from './softmax_cross_entropy.js';
import { BACKENDS, useBackend, withoutKernelLeakCheck } from '../test-utils/tf_test_setup.js';

const PATHS = ['js', 'ops'] as const;

/** Loss and its gradient with respect to the logits. */
function run(
  logits: number[][],
  labels: number[],
  options: SoftmaxCrossEntropyOptions,
): { loss: number; grad: number[] } {
  // The ops path keeps log-probabilities with customGrad's save(): see withoutKernelLeakCheck.
  const loss = (x: tf.Tensor2D): tf.Scalar =>
    withoutKernelLeakCheck(() => softmaxCrossEntropy(x, Int32Array.from(labels), options));
  const z = tf.tensor2d(logits);
  const lossTensor = tf.tidy(() => loss(z));
  const [g] = tf.grads((x) => loss(x as tf.Tensor2D))([z]);
  const out = { loss: lossTensor.dataSync()[0] as number, grad: Array.from((g as tf.Tensor).dataSync()) };
  tf.dispose([z, lossTensor, g as tf.Tensor]);
  return out;
}

describe.each(BACKENDS)('softmaxCrossEntropy on the %s backend', (backend) => {
  let available = false;
  beforeAll(async () => {
    available = await useBackend(backend);
  });

  describe.each(PATHS)('%s path', (path) => {
    it('matches the hand-computed loss and gradient', () => {
      if (!available) return;
      // Row 0: p = softmax([2, 0, 0]) = [e²/(e²+2), 1/(e²+2), 1/(e²+2)], label 0.
      // Row 1: p = [1/3, 1/3, 1/3], label 2.
      const s = Math.exp(2) + 2;
      const { loss, grad } = run(
        [
          [2, 0, 0],
          [1, 1, 1],
        ],
        [0, 2],
        { path },
      );
      expect(loss).toBeCloseTo((Math.log(s) - 2 + Math.log(3)) / 2, 6);
      const expected = [(Math.exp(2) / s - 1) / 2, 1 / s / 2, 1 / s / 2, 1 / 6, 1 / 6, (1 / 3 - 1) / 2];
      grad.forEach((g, i) => expect(g).toBeCloseTo(expected[i] as number, 6));
    });

    it('stays finite for huge logits', () => {
      if (!available) return;
      const { loss, grad } = run([[1000, -1000, 0]], [1], { path });
      expect(loss).toBeCloseTo(2000, 2);
      expect(grad.every(Number.isFinite)).toBe(true);
      expect(grad[1]).toBeCloseTo(-1, 6);
    });

    it('applies label smoothing as (1 − ε)·onehot + ε/C', () => {
      if (!available) return;
      // Uniform logits: loss = −Σ target_k · log(1/4) = log 4 whatever the target; grad = p − target.
      const { loss, grad } = run([[0, 0, 0, 0]], [3], { path, labelSmoothing: 0.2 });
      expect(loss).toBeCloseTo(Math.log(4), 6);
      [0.25 - 0.05, 0.25 - 0.05, 0.25 - 0.05, 0.25 - 0.85].forEach((g, i) =>
        expect(grad[i]).toBeCloseTo(g, 6),
      );
    });

    it('weights examples by their class weight and divides by the weight sum', () => {
      if (!available) return;
      // losses: row 0 (label 0) = log 2, row 1 (label 1) = log(1 + e²) − 0 ... weights 3 and 1.
      const l0 = Math.log(2);
      const l1 = Math.log(1 + Math.exp(2));
      const { loss } = run(
        [
          [0, 0],
          [2, 0],
        ],
        [0, 1],
        { path, classWeights: Float32Array.from([3, 1]) },
      );
      expect(loss).toBeCloseTo((3 * l0 + 1 * l1) / 4, 6);
    });
  });

  it('rejects a label out of range and mismatched class weights', () => {
    if (!available) return;
    const z = tf.zeros([2, 3]) as tf.Tensor2D;
    expect(() => softmaxCrossEntropy(z, Int32Array.from([0, 3]))).toThrow(
      'field labels: labels[1] = 3 is outside [0, 3)',
    );
    expect(() => softmaxCrossEntropy(z, Int32Array.from([0]))).toThrow(
      'field labels: labels has 1 entries, logits has 2 rows',
    );
    expect(() =>
      softmaxCrossEntropy(z, Int32Array.from([0, 1]), { classWeights: Float32Array.from([1, 1]) }),
    ).toThrow('field classWeights: classWeights has 2 entries, expected numClasses = 3');
    expect(() => softmaxCrossEntropy(z, Int32Array.from([0, 1]), { labelSmoothing: 1 })).toThrow(
      'field labelSmoothing: labelSmoothing must be in [0, 1), got 1',
    );
    z.dispose();
  });
});

describe('softmaxCrossEntropy exampleWeights', () => {
  it('a row of weight 0 is ignored: loss and gradient as without it', async () => {
    await tf.setBackend('cpu');
    const logits = tf.tensor2d([
      [2, 0, -1],
      [0.5, 0.1, 3],
      [9, -9, 4],
    ]);
    const kept = tf.tensor2d([
      [2, 0, -1],
      [0.5, 0.1, 3],
    ]);
    const f = (x: tf.Tensor2D, labels: Int32Array, w?: Float32Array): tf.Scalar =>
      softmaxCrossEntropy(x, labels, w === undefined ? {} : { exampleWeights: w });
    const withWeights = tf.valueAndGrad((x: tf.Tensor2D) =>
      f(x, Int32Array.from([0, 2, 1]), Float32Array.from([1, 1, 0])),
    )(logits);
    const without = tf.valueAndGrad((x: tf.Tensor2D) => f(x, Int32Array.from([0, 2])))(kept);
    expect(withWeights.value.dataSync()[0]).toBeCloseTo(without.value.dataSync()[0] as number, 6);
    const g = withWeights.grad.dataSync();
    expect(Array.from(g.slice(0, 6))).toEqual(Array.from(without.grad.dataSync()));
    expect(Array.from(g.slice(6))).toEqual([0, 0, 0]);
    expect(() =>
      softmaxCrossEntropy(logits, Int32Array.from([0, 0, 0]), { exampleWeights: new Float32Array(2) }),
    ).toThrow(/exampleWeights has 2 entries/);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { dense } from './dense.js';
import { BACKENDS, useBackend, withoutKernelLeakCheck } from '../test-utils/tf_test_setup.js';

describe.each(BACKENDS)('dense on the %s backend', (backend) => {
  let available = false;
  beforeAll(async () => {
    available = await useBackend(backend);
  });

  it.each(['js', 'ops'] as const)('%s path: computes x·W + b and the hand-derived gradients', (path) => {
    if (!available) return;
    // The ops path keeps x and W with customGrad's save(): see withoutKernelLeakCheck.
    const op = (x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D =>
      withoutKernelLeakCheck(() => dense(x, W, b, { path }));
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const W = tf.tensor2d([1, 0, -1, 2, 1, 0], [2, 3]);
    const b = tf.tensor1d([0.5, 0, -0.5]);
    // [1 2]·W = [5 2 -1], [3 4]·W = [11 4 -3]
    expect(Array.from(tf.tidy(() => op(x, W, b)).dataSync())).toEqual([5.5, 2, -1.5, 11.5, 4, -3.5]);
    const dy = tf.tensor2d([1, 0, 2, 0, 1, 1], [2, 3]);
    // dy is fed straight into the op's gradient: no registered gradient (sum, mul) is involved.
    const [dx, dW, db] = tf.grads((a, w, c) => op(a as tf.Tensor2D, w as tf.Tensor2D, c as tf.Tensor1D))(
      [x, W, b],
      dy,
    );
    expect(Array.from((dx as tf.Tensor).dataSync())).toEqual([-1, 2, -1, 1]); // dy·Wᵀ
    expect(Array.from((dW as tf.Tensor).dataSync())).toEqual([1, 3, 5, 2, 4, 8]); // xᵀ·dy
    expect(Array.from((db as tf.Tensor).dataSync())).toEqual([1, 1, 3]);
    tf.dispose([x, W, b, dy, dx as tf.Tensor, dW as tf.Tensor, db as tf.Tensor]);
  });

  it.each(['js', 'ops'] as const)(
    '%s path: differentiates through an input that is an intermediate result',
    (path) => {
      if (!available) return;
      // x = 2·x0 is freed when the forward tidy ends, before the backward runs.
      const x0 = tf.tensor2d([1, 2], [1, 2]);
      const W = tf.tensor2d([1, 2, 3, 4], [2, 2]);
      const b = tf.zeros([2]) as tf.Tensor1D;
      const [dW] = tf.grads((w) =>
        withoutKernelLeakCheck(() => dense(tf.mul(x0, 2), w as tf.Tensor2D, b, { path })),
      )([W], tf.ones([1, 2]));
      expect(Array.from((dW as tf.Tensor).dataSync())).toEqual([2, 2, 4, 4]);
      tf.dispose([x0, W, b, dW as tf.Tensor]);
    },
  );
});

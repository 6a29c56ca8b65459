// Trains with @tensorflow/tfjs-core alone: no gradient is registered in this file's process.
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@charrnn/core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { CharClassifier } from './classifier.js';
import { softmaxCrossEntropy } from '../ops/softmax_cross_entropy.js';
import { BACKENDS, useBackend } from '../test-utils/tf_test_setup.js';

describe.each(BACKENDS)('training on the %s backend without registered gradients', (backend) => {
  let available = false;
  beforeAll(async () => {
    available = await useBackend(backend);
  });

  it('really has no registered gradients', () => {
    expect(tf.getGradient('MatMul')).toBeUndefined();
    expect(tf.getGradient('Tanh')).toBeUndefined();
  });

  it('fits a tiny task with tf.variableGrads and a tfjs-core optimizer', () => {
    if (!available) return;
    // Class = last id of the sequence (2 → 0, 3 → 1), lengths 1–3, right-padded.
    const ids = Int32Array.from([2, 0, 0, 3, 2, 0, 2, 3, 3, 3, 3, 2, 3, 0, 0, 2, 2, 0]);
    const lengths = Int32Array.from([1, 2, 3, 3, 1, 2]);
    const labels = Int32Array.from([0, 0, 1, 0, 1, 0]);
    const model = CharClassifier.create(
      { cell: 'rnn', vocabSize: 4, embedDim: 4, hiddenSize: 8, numClasses: 2 },
      new Rng(1),
    );
    const optimizer = tf.train.adam(0.05);
    const losses: number[] = [];
    for (let step = 0; step < 60; step++) {
      const { value, grads } = tf.variableGrads(
        () => softmaxCrossEntropy(model.logits(ids, lengths, 6, 3), labels),
        model.trainableWeights,
      );
      optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      losses.push(value.dataSync()[0] as number);
      tf.dispose([value, ...Object.values(grads)]);
    }
    expect(losses[0]).toBeGreaterThan(0.5);
    expect(losses[59]).toBeLessThan(0.05);
    optimizer.dispose();
    model.dispose();
  });
});

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { InvalidArgumentError, Rng } from '@charrnn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CharClassifier } from './classifier.js';
import type { IdBatch } from '@charrnn/core';
import type { ClassifierConfig } from './classifier_config.js';
import { rnnClassifierGradients } from './rnn_classifier_gradients.js';
import { setSimdKernels } from '../kernels/simd_kernels.js';
import { softmaxCrossEntropy } from '../ops/softmax_cross_entropy.js';
import type { SoftmaxCrossEntropyOptions } from '../ops/softmax_cross_entropy.js';
import { BACKENDS, randomArray, useBackend, withoutKernelLeakCheck } from '../test-utils/tf_test_setup.js';

// The tutorial model's training step without tfjs (rnn_classifier_gradients.ts) against the tape
// it replaces in `train`: tf.variableGrads of softmaxCrossEntropy(model.logits(..., training)).

const CONFIG: ClassifierConfig = { cell: 'rnn', vocabSize: 11, embedDim: 6, hiddenSize: 9, numClasses: 4 };

function batchOf(names: number[][]): IdBatch {
  const maxLen = Math.max(1, ...names.map((n) => n.length));
  const ids = new Int32Array(names.length * maxLen);
  names.forEach((n, r) => ids.set(n, r * maxLen));
  return { ids, lengths: Int32Array.from(names.map((n) => n.length)), batchSize: names.length, maxLen };
}

const ONE = batchOf([[3, 1, 4, 1, 5, 9, 2]]);
const MIXED = batchOf([[3, 4], [7, 7, 1, 10, 2], [], [6], [2, 9, 8]]);

function randomModel(config: ClassifierConfig, seed: number): CharClassifier {
  const model = CharClassifier.create(config, new Rng(seed));
  model.trainableWeights.forEach((w, i) =>
    tf.tidy(() => w.assign(tf.tensor(randomArray(w.size, seed * 10 + i, 0.5), w.shape))),
  );
  return model;
}

function tape(
  model: CharClassifier,
  batch: IdBatch,
  labels: Int32Array,
  options: SoftmaxCrossEntropyOptions,
): { loss: number; grads: Float32Array[] } {
  return withoutKernelLeakCheck(() => {
    const { value, grads } = tf.variableGrads(
      () =>
        softmaxCrossEntropy(
          model.logits(batch.ids, batch.lengths, batch.batchSize, batch.maxLen, { training: true }),
          labels,
          options,
        ),
      model.trainableWeights,
    );
    const out = {
      loss: value.dataSync()[0] as number,
      grads: model.trainableWeights.map((w) => Float32Array.from(grads[w.name]?.dataSync() ?? [])),
    };
    tf.dispose([value, ...Object.values(grads)]);
    return out;
  });
}

describe.each(BACKENDS)('rnnClassifierGradients on %s', (backend) => {
  let ok = false;
  beforeAll(async () => {
    ok = await useBackend(backend);
    if (!ok) console.log(`skipped: backend ${backend} unavailable`);
  });
  afterAll(() => {
    setSimdKernels(true);
  });

  it.each([
    ['rnn, batch 1', CONFIG, ONE, Int32Array.of(2), {}],
    [
      'simple, mixed lengths and an empty name',
      { ...CONFIG, cell: 'simple' as const },
      MIXED,
      Int32Array.of(0, 3, 1, 2, 3),
      {},
    ],
    [
      'rnn, label smoothing and class weights',
      CONFIG,
      MIXED,
      Int32Array.of(1, 1, 0, 2, 3),
      { labelSmoothing: 0.1, classWeights: Float32Array.of(1, 2, 0.5, 3) },
    ],
  ] as const)(
    'equals the tape bit for bit: loss and every gradient (%s)',
    (_, config, batch, labels, options) => {
      if (!ok) return;
      const model = randomModel(config, 4);
      const fused = rnnClassifierGradients(model, batch, labels, options);
      expect(fused).toBeDefined();
      const reference = tape(model, batch, labels, options);
      expect(fused?.loss).toBe(reference.loss);
      expect(fused?.grads.length).toBe(6);
      fused?.grads.forEach((g, i) => expect(g).toEqual(reference.grads[i]));
      // Not all zero: every weight gets a gradient.
      for (const g of fused?.grads ?? []) expect(g.some((v) => v !== 0)).toBe(true);
      model.dispose();
    },
  );

  it('creates no tensors', () => {
    if (!ok) return;
    const model = randomModel(CONFIG, 5);
    const before = tf.memory().numTensors;
    rnnClassifierGradients(model, MIXED, Int32Array.of(0, 1, 2, 3, 0));
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('leaves other models, dropout and the kernels switched off to the tape (undefined)', () => {
    if (!ok) return;
    for (const config of [
      { ...CONFIG, cell: 'lstm' as const },
      { ...CONFIG, cell: 'gru' as const },
      { ...CONFIG, layers: 2 },
      { ...CONFIG, bidirectional: 'concat' as const },
      { ...CONFIG, dropout: 0.1 },
    ]) {
      const model = randomModel(config, 6);
      expect(rnnClassifierGradients(model, ONE, Int32Array.of(1))).toBeUndefined();
      model.dispose();
    }
    const model = randomModel(CONFIG, 7);
    setSimdKernels(false);
    expect(rnnClassifierGradients(model, ONE, Int32Array.of(1))).toBeUndefined();
    setSimdKernels(true);
    expect(() => rnnClassifierGradients(model, ONE, Int32Array.of(4))).toThrow(InvalidArgumentError);
    expect(() =>
      rnnClassifierGradients(model, { ...ONE, ids: ONE.ids.map(() => 11) }, Int32Array.of(1)),
    ).toThrow('outside the vocabulary');
    model.dispose();
  });
});

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { InvalidArgumentError, Rng } from '@charrnn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CharClassifier } from './classifier.js';
import type { IdBatch } from '@charrnn/core';
import type { ClassifierConfig } from './classifier_config.js';
import { NgramHead } from './ngram_head.js';
import { setSimdKernels } from '../kernels/simd_kernels.js';
import { BACKENDS, maxAbsDiff, randomArray, useBackend } from '../test-utils/tf_test_setup.js';

// The forward-only prediction path (classifier_inference.ts) against the tensor path it replaces
// in predictLogits / predictProba: `model.logits` (the training forward, tfjs tensors) mixed with
// the n-gram head as predictLogits did, and tf.softmax for the probabilities.

const BASE = { vocabSize: 13, embedDim: 5, numClasses: 4 };
// Hidden sizes off multiples of 4 exercise the kernels' scalar tails; 9 units give LSTM rows of
// 36 gates (the single-row gemm's 32-column blocks, then 4, then scalar columns).
const CONFIGS: { name: string; config: ClassifierConfig }[] = [
  { name: 'rnn', config: { ...BASE, cell: 'rnn', hiddenSize: 6 } },
  { name: 'simple, 3 layers', config: { ...BASE, cell: 'simple', hiddenSize: 8, layers: 3 } },
  { name: 'lstm', config: { ...BASE, cell: 'lstm', hiddenSize: 9 } },
  { name: 'lstm, 3 layers', config: { ...BASE, cell: 'lstm', hiddenSize: 7, layers: 3 } },
  { name: 'gru', config: { ...BASE, cell: 'gru', hiddenSize: 9 } },
  {
    name: 'gru resetAfter, 2 layers',
    config: { ...BASE, cell: 'gru', hiddenSize: 6, layers: 2, resetAfter: true },
  },
  {
    name: 'lstm, bidirectional concat',
    config: { ...BASE, cell: 'lstm', hiddenSize: 6, bidirectional: 'concat' },
  },
  {
    name: 'gru, 2 layers, bidirectional sum',
    config: { ...BASE, cell: 'gru', hiddenSize: 5, layers: 2, bidirectional: 'sum' },
  },
  {
    name: 'rnn, 3 layers, bidirectional concat',
    config: { ...BASE, cell: 'rnn', hiddenSize: 6, layers: 3, bidirectional: 'concat' },
  },
  {
    name: 'gru, one unit, 2 layers, bidirectional concat',
    config: { ...BASE, cell: 'gru', hiddenSize: 1, layers: 2, bidirectional: 'concat' },
  },
  { name: 'lstm, 33 units', config: { ...BASE, cell: 'lstm', hiddenSize: 33 } },
  {
    name: 'lstm, 2 layers, bidirectional concat, dropout (off in prediction)',
    config: {
      ...BASE,
      cell: 'lstm',
      hiddenSize: 12,
      layers: 2,
      bidirectional: 'concat',
      dropout: 0.3,
      recurrentDropout: 0.2,
    },
  },
];

function batchOf(names: number[][]): IdBatch {
  const maxLen = Math.max(1, ...names.map((n) => n.length));
  const ids = new Int32Array(names.length * maxLen);
  names.forEach((n, r) => ids.set(n, r * maxLen));
  return { ids, lengths: Int32Array.from(names.map((n) => n.length)), batchSize: names.length, maxLen };
}

/** Names of lengths 1 to 11 in mixed order (and one empty row), ids over the whole vocabulary. */
const NAMES = batchOf([
  [3, 4, 5, 6],
  [7],
  [2, 11, 9],
  [10, 10, 4, 8, 2, 5, 12, 1, 1, 3, 9],
  [],
  [6, 6],
  [12, 0, 7, 3, 3, 8, 2],
  [1, 2, 3, 4, 5, 6, 7, 8],
]);

/** 300 names of lengths 0 to 14 from a seeded stream: many rows per step, every gemm block height. */
const MANY = batchOf(
  Array.from({ length: 300 }, (_, r) => {
    const draw = randomArray(16, 500 + r, 1);
    const length = Math.floor(((draw[0] as number) + 1) * 7.5);
    return Array.from(draw.subarray(1, 1 + length), (v) => Math.floor(((v + 1) / 2) * 12.999));
  }),
);

/**
 * Names sharing prefixes, repeated, and prefixes of one another (the prefix tree's cases), in
 * mixed order, with an empty row.
 */
const SHARED = batchOf([
  [3, 4, 5, 6],
  [3, 4, 5],
  [3, 4, 5, 6, 7, 8],
  [3],
  [],
  [3, 4, 5, 6],
  [3, 4, 9, 6, 1],
  [2, 4],
  [3, 4, 5, 6, 7, 2],
  [3, 4, 5, 6],
  [12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12],
  [2],
  [3, 4, 9],
]);

/** A model whose every weight (biases included) is random, so every term shows. */
function randomModel(config: ClassifierConfig, seed: number): CharClassifier {
  const model = CharClassifier.create(config, new Rng(seed));
  model.trainableWeights.forEach((w, i) =>
    tf.tidy(() => w.assign(tf.tensor(randomArray(w.size, seed * 100 + i, 0.6), w.shape))),
  );
  return model;
}

function randomHead(numClasses: number, seed: number): NgramHead {
  const grams = ['0', '3', '7', '0.3', '3.4', '6.0', '2.11', '10.10.4', '0.7.0', '6.6', '4.5.6'];
  return new NgramHead(
    { minN: 1, maxN: 3, numClasses, rnnScale: 0.7, grams },
    {
      kernel: randomArray(grams.length * numClasses, seed, 1),
      bias: randomArray(numClasses, seed + 1, 1),
    },
  );
}

/** predictLogits as it was computed before the forward-only path: the tensor forward, then the head. */
function tensorLogits(model: CharClassifier, batch: IdBatch): Float32Array {
  const logits = model.logits(batch.ids, batch.lengths, batch.batchSize, batch.maxLen);
  const out = new Float32Array(logits.dataSync());
  logits.dispose();
  const head = model.ngramHead;
  if (head === undefined) return out;
  const scores = head.scores(batch.ids, batch.lengths, batch.batchSize, batch.maxLen);
  for (let i = 0; i < out.length; i++) out[i] = head.rnnScale * (out[i] as number) + (scores[i] as number);
  return out;
}

function softmax(logits: Float32Array, C: number): Float32Array {
  return tf.tidy(() => tf.softmax(tf.tensor2d(logits, [logits.length / C, C])).dataSync() as Float32Array);
}

/** Largest difference relative to max(1, |reference|). */
function maxScaledDiff(a: Float32Array, reference: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++)
    m = Math.max(
      m,
      Math.abs((a[i] as number) - (reference[i] as number)) / Math.max(1, Math.abs(reference[i] as number)),
    );
  return m;
}

describe.each(BACKENDS)('forward-only prediction on %s', (backend) => {
  let ok = false;
  beforeAll(async () => {
    ok = await useBackend(backend);
    if (!ok) console.log(`skipped: backend ${backend} unavailable`);
  });
  afterAll(() => {
    setSimdKernels(true);
  });

  describe.each(CONFIGS)('$name', ({ config }) => {
    // A two-direction model's steps are the training forward's kernels in its order, and its
    // dense product `dense`'s: bit for bit. A one-direction model runs over the prefix tree: an
    // LSTM or RNN adds its parent's h·U to x·W where the training forward accumulates h·U onto
    // x·W, and the dense product sums in float32: ≤ 1e-6 (float32 rounding).
    const bitForBit = config.bidirectional !== undefined;
    it(`equals the tensor path (logits ${bitForBit ? 'bit for bit' : '≤ 1e-6'}, probabilities ≤ 1e-6), with and without an n-gram head`, () => {
      if (!ok) return;
      const model = randomModel(config, 3);
      for (const head of [undefined, randomHead(config.numClasses, 9)]) {
        model.setNgramHead(head);
        for (const batch of [NAMES, MANY, SHARED]) {
          const reference = tensorLogits(model, batch);
          const logits = model.predictLogits(batch);
          if (bitForBit) expect(maxAbsDiff(logits, reference)).toBe(0);
          else expect(maxScaledDiff(logits, reference)).toBeLessThanOrEqual(1e-6);
          const probs = model.predictProba(batch);
          expect(maxAbsDiff(probs, softmax(reference, config.numClasses))).toBeLessThanOrEqual(1e-6);
        }
      }
      model.dispose();
    });

    it('gives a name the same logits alone as in the batch (bit for bit), and the same as with the kernels off', () => {
      if (!ok) return;
      const model = randomModel(config, 4);
      const all = model.predictLogits(NAMES);
      const C = config.numClasses;
      for (const r of [0, 3, 4, 6]) {
        const length = NAMES.lengths[r] as number;
        const alone = batchOf([Array.from(NAMES.ids.subarray(r * NAMES.maxLen, r * NAMES.maxLen + length))]);
        expect(model.predictLogits(alone)).toEqual(all.subarray(r * C, (r + 1) * C));
      }
      // Every row of a batch whose rows share prefixes (one prefix tree), alone.
      const shared = model.predictLogits(SHARED);
      for (let r = 0; r < SHARED.batchSize; r++) {
        const length = SHARED.lengths[r] as number;
        const row = SHARED.ids.subarray(r * SHARED.maxLen, r * SHARED.maxLen + length);
        expect(model.predictLogits(batchOf([Array.from(row)]))).toEqual(shared.subarray(r * C, (r + 1) * C));
      }
      setSimdKernels(false);
      const withoutKernels = model.predictLogits(NAMES);
      setSimdKernels(true);
      expect(maxScaledDiff(all, withoutKernels)).toBeLessThanOrEqual(1e-5);
      model.dispose();
    });
  });

  it('follows every weight change: assign (optimizer steps, setWeights), head attach, head bias in place', () => {
    if (!ok) return;
    const config = CONFIGS[2]?.config as ClassifierConfig;
    const model = randomModel(config, 5);
    const before = model.predictLogits(NAMES);
    for (const [i, w] of model.trainableWeights.entries()) {
      tf.tidy(() => w.assign(tf.add(w, tf.scalar(0.01 * (i + 1)))));
      const after = model.predictLogits(NAMES);
      expect(maxAbsDiff(after, before)).toBeGreaterThan(1e-4);
      expect(maxScaledDiff(after, tensorLogits(model, NAMES))).toBeLessThanOrEqual(1e-6);
    }
    const head = randomHead(config.numClasses, 11);
    model.setNgramHead(head);
    expect(maxScaledDiff(model.predictLogits(NAMES), tensorLogits(model, NAMES))).toBeLessThanOrEqual(1e-6);
    head.bias[1] = (head.bias[1] as number) + 0.5; // what logit adjustment does
    expect(maxScaledDiff(model.predictLogits(NAMES), tensorLogits(model, NAMES))).toBeLessThanOrEqual(1e-6);
    model.dispose();
  });

  it('leaves hard_sigmoid gates to the tensor path (the kernels compute the logistic sigmoid)', () => {
    if (!ok) return;
    for (const cell of ['lstm', 'gru'] as const) {
      const model = randomModel({ ...BASE, cell, hiddenSize: 6, recurrentActivation: 'hard_sigmoid' }, 8);
      expect(model.predictLogits(NAMES)).toEqual(tensorLogits(model, NAMES));
      model.dispose();
    }
  });

  it('keeps many models apart (more than the arena holds at once) and creates no tensors', () => {
    if (!ok) return;
    const models = Array.from({ length: 11 }, (_, k) =>
      randomModel(CONFIGS[k % CONFIGS.length]?.config as ClassifierConfig, 20 + k),
    );
    const tensors = tf.memory().numTensors;
    for (let round = 0; round < 2; round++)
      for (const model of models)
        expect(maxScaledDiff(model.predictLogits(NAMES), tensorLogits(model, NAMES))).toBeLessThanOrEqual(
          1e-6,
        );
    const start = tf.memory().numTensors;
    for (const model of models) model.predictProba(NAMES);
    expect(tf.memory().numTensors).toBe(start);
    expect(start).toBe(tensors);
    for (const model of models) model.dispose();
  });

  it('rejects what the tensor path rejects, with the same errors', () => {
    if (!ok) return;
    const model = randomModel(CONFIGS[0]?.config as ClassifierConfig, 6);
    const bad: IdBatch[] = [
      { ...NAMES, batchSize: NAMES.batchSize + 1 },
      { ...NAMES, ids: NAMES.ids.map((id, n) => (n === 5 ? 13 : id)) },
      { ...NAMES, lengths: NAMES.lengths.map((l, r) => (r === 2 ? NAMES.maxLen + 1 : l)) },
    ];
    for (const batch of bad) {
      const expected = (() => {
        try {
          tensorLogits(model, batch);
        } catch (error) {
          return error as Error;
        }
        return undefined;
      })();
      expect(expected).toBeInstanceOf(InvalidArgumentError);
      expect(() => model.predictLogits(batch)).toThrow(expected?.message as string);
    }
    model.dispose();
  });
});

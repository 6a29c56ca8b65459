import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { InvalidArgumentError, InvalidConfigError, Rng } from '@charrnn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BACKENDS,
  maxAbsDiff,
  randomArray,
  useBackend,
  withoutKernelLeakCheck,
} from '../test-utils/tf_test_setup.js';
import { LanguageModel } from './language_model.js';
import type { LanguageModelBatch } from './language_model.js';
import { languageModelTestBatch } from '../test-utils/language_model_batch.js';
import type { LanguageModelConfig } from './language_model_config.js';

const V = 9;
const CONFIGS: [string, LanguageModelConfig][] = [
  [
    'lstm, conditional, 2 layers',
    { cell: 'lstm', vocabSize: V, embedDim: 5, hiddenSize: 6, layers: 2, numLabels: 3, labelEmbedDim: 2 },
  ],
  ['gru', { cell: 'gru', vocabSize: V, embedDim: 5, hiddenSize: 7 }],
  [
    'gru resetAfter, conditional',
    {
      cell: 'gru',
      resetAfter: true,
      vocabSize: V,
      embedDim: 4,
      hiddenSize: 5,
      numLabels: 2,
      labelEmbedDim: 3,
    },
  ],
  ['rnn, 2 layers', { cell: 'rnn', vocabSize: V, embedDim: 4, hiddenSize: 6, layers: 2 }],
  [
    'lstm, conditional, wider',
    { cell: 'lstm', vocabSize: V, embedDim: 8, hiddenSize: 32, numLabels: 3, labelEmbedDim: 4 },
  ],
  // Widths in whole panels of 8: the stepper's panel products (the GRU's over column ranges).
  ['gru, 2 layers, wider', { cell: 'gru', vocabSize: V, embedDim: 8, hiddenSize: 16, layers: 2 }],
];

function softmaxRow(z: Float32Array): Float32Array {
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

describe.each(BACKENDS)('LanguageModel on the %s backend', (backend) => {
  let available = false;
  beforeAll(async () => {
    available = await useBackend(backend);
  });

  describe.each(CONFIGS)('%s', (_, config) => {
    it.each(['js', 'ops'] as const)(
      'the %s stepper gives the sequence forward pass probabilities (≤ 1e-6)',
      (path) => {
        if (!available) return;
        const model = LanguageModel.create(config, new Rng(7));
        const { batch } = languageModelTestBatch(config);
        const logits = withoutKernelLeakCheck(() => model.logits(batch, { path }));
        const z = logits.dataSync() as Float32Array;
        logits.dispose();
        const stepper = model.stepper({
          batchSize: 3,
          path,
          ...(batch.labels ? { labels: batch.labels } : {}),
        });
        let worst = 0;
        for (let t = 0; t < batch.maxLen; t++) {
          const ids = Int32Array.from([0, 1, 2], (r) => batch.ids[r * batch.maxLen + t] as number);
          const probs = stepper.step(ids);
          for (let r = 0; r < 3; r++) {
            if (t >= (batch.lengths[r] as number)) continue;
            const want = softmaxRow(z.slice((r * batch.maxLen + t) * V, (r * batch.maxLen + t + 1) * V));
            worst = Math.max(worst, maxAbsDiff(probs.subarray(r * V, (r + 1) * V), want));
          }
        }
        expect(worst).toBeLessThanOrEqual(1e-6);
        stepper.dispose();
        model.dispose();
      },
    );

    it('the loss gradient matches finite differences along random directions', () => {
      if (!available) return;
      const model = LanguageModel.create(config, new Rng(11));
      const { batch, targets } = languageModelTestBatch(config);
      const lossValue = (): number =>
        withoutKernelLeakCheck(() => {
          const l = model.loss(batch, targets);
          const v = l.dataSync()[0] as number;
          l.dispose();
          return v;
        });
      const { grads } = withoutKernelLeakCheck(() => tf.variableGrads(() => model.loss(batch, targets)));
      model.trainableWeights.forEach((w, i) => {
        const g = grads[w.name]?.dataSync() as Float32Array;
        const d = randomArray(w.size, 100 + i, 1);
        const base = w.dataSync().slice() as Float32Array;
        const eps = 1e-2;
        w.assign(
          tf.tensor(
            base.map((v, k) => v + eps * (d[k] as number)),
            w.shape,
          ),
        );
        const up = lossValue();
        w.assign(
          tf.tensor(
            base.map((v, k) => v - eps * (d[k] as number)),
            w.shape,
          ),
        );
        const down = lossValue();
        w.assign(tf.tensor(base, w.shape));
        const numeric = (up - down) / (2 * eps);
        const analytic = g.reduce((s, v, k) => s + v * (d[k] as number), 0);
        expect(Math.abs(numeric - analytic), `${w.name}: ${analytic} vs ${numeric}`).toBeLessThanOrEqual(
          2e-3 + 1e-2 * Math.abs(numeric),
        );
      });
      for (const g of Object.values(grads)) g.dispose();
      model.dispose();
    });

    it('padding never changes the loss or its gradient', () => {
      if (!available) return;
      const model = LanguageModel.create(config, new Rng(13));
      const a = languageModelTestBatch(config, 5, 0);
      const b = languageModelTestBatch(config, 5, V - 1); // same sequences, other ids in the padding
      // ... and the same again with 3 more padding steps per row
      const T = a.batch.maxLen + 3;
      const wide = (x: Int32Array, fill: number): Int32Array => {
        const out = new Int32Array(3 * T).fill(fill);
        for (let r = 0; r < 3; r++) out.set(x.subarray(r * a.batch.maxLen, (r + 1) * a.batch.maxLen), r * T);
        return out;
      };
      const c = { batch: { ...a.batch, ids: wide(a.batch.ids, 2), maxLen: T }, targets: wide(a.targets, 0) };
      const run = (x: {
        batch: LanguageModelBatch;
        targets: Int32Array;
      }): { loss: number; grads: Float32Array[] } =>
        withoutKernelLeakCheck(() => {
          const { value, grads } = tf.variableGrads(() => model.loss(x.batch, x.targets));
          const out = {
            loss: value.dataSync()[0] as number,
            grads: model.trainableWeights.map((w) => grads[w.name]?.dataSync() as Float32Array),
          };
          value.dispose();
          for (const g of Object.values(grads)) g.dispose();
          return out;
        });
      const ra = run(a);
      for (const other of [run(b), run(c)]) {
        expect(Math.abs(other.loss - ra.loss)).toBeLessThanOrEqual(1e-6);
        other.grads.forEach((g, i) =>
          expect(maxAbsDiff(g, ra.grads[i] as Float32Array)).toBeLessThanOrEqual(1e-6),
        );
      }
      model.dispose();
    });
  });

  it('logLoss sums what loss averages', () => {
    if (!available) return;
    const config = CONFIGS[0]?.[1] as LanguageModelConfig;
    const model = LanguageModel.create(config, new Rng(2));
    const { batch, targets } = languageModelTestBatch(config);
    const mean = withoutKernelLeakCheck(() => model.loss(batch, targets));
    const { nats, count } = model.logLoss(batch, targets);
    expect(count).toBe(11);
    expect(nats / count).toBeCloseTo(mean.dataSync()[0] as number, 5);
    mean.dispose();
    model.dispose();
  });

  it.each(['js', 'ops'] as const)('the %s stepper allocates no tensors per step (10,000 steps)', (path) => {
    if (!available) return;
    const config = CONFIGS[0]?.[1] as LanguageModelConfig;
    const model = LanguageModel.create(config, new Rng(2));
    const stepper = model.stepper({ batchSize: 2, labels: Int32Array.from([0, 2]), path });
    const ids = Int32Array.from([1, 2]);
    stepper.step(ids);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10_000; i++) stepper.step(ids);
    expect(tf.memory().numTensors).toBe(before);
    stepper.dispose();
    model.dispose();
  });

  it('state round-trips and reset starts over', () => {
    if (!available) return;
    const config = CONFIGS[0]?.[1] as LanguageModelConfig;
    const model = LanguageModel.create(config, new Rng(2));
    const stepper = model.stepper({ batchSize: 1, labels: Int32Array.from([1]) });
    const first = stepper.step(Int32Array.from([3])).slice();
    const state = stepper.getState();
    const second = stepper.step(Int32Array.from([4])).slice();
    stepper.setState(state);
    expect(stepper.step(Int32Array.from([4]))).toEqual(second);
    stepper.reset();
    expect(stepper.step(Int32Array.from([3]))).toEqual(first);
    model.dispose();
  });
});

describe('LanguageModel arguments', () => {
  it('names the bad config field and the bad argument', () => {
    expect(() =>
      LanguageModel.create(
        { cell: 'lstm', vocabSize: 5, embedDim: 2, hiddenSize: 2, numLabels: 2 },
        new Rng(1),
      ),
    ).toThrow(InvalidConfigError);
    const model = LanguageModel.create(
      { cell: 'lstm', vocabSize: 5, embedDim: 2, hiddenSize: 2 },
      new Rng(1),
    );
    expect(() => model.stepper({ batchSize: 1, labels: Int32Array.from([0]) })).toThrow(/unconditional/);
    expect(() => model.stepper({ batchSize: 1 }).step(Int32Array.from([5]))).toThrow(InvalidArgumentError);
    expect(() =>
      model.loss(
        { ids: new Int32Array(2), lengths: Int32Array.from([0, 0]), batchSize: 2, maxLen: 1 },
        new Int32Array(2),
      ),
    ).toThrow(/every target is PAD/);
    model.dispose();
  });

  it('round-trips through its artifacts', () => {
    const config = CONFIGS[0]?.[1] as LanguageModelConfig;
    const model = LanguageModel.create(config, new Rng(4));
    const back = LanguageModel.fromArtifacts(model.toArtifacts());
    expect(back.config).toEqual(model.config);
    back.trainableWeights.forEach((w, i) =>
      expect(w.dataSync()).toEqual(model.trainableWeights[i]?.dataSync()),
    );
    model.dispose();
    back.dispose();
  });
});

describe('LanguageModel initialisation', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it("init 'pytorch' draws every weight from U(±1/√H), the recurrent bias as a sum of two draws", () => {
    const H = 16;
    const config: LanguageModelConfig = { cell: 'lstm', vocabSize: V, embedDim: 5, hiddenSize: H, layers: 2 };
    const model = LanguageModel.create(config, new Rng(1), { init: 'pytorch' });
    const limit = 1 / Math.sqrt(H);
    const specs = model.toArtifacts().weightSpecs;
    model.trainableWeights.forEach((w, i) => {
      const name = specs[i]?.name ?? '';
      const values = Array.from(w.dataSync());
      const max = Math.max(...values.map(Math.abs));
      if (name.endsWith('/embeddings'))
        expect(max).toBeGreaterThan(1); // N(0, 1)
      else if (/^lstm(_1)?\/bias$/.test(name)) {
        expect(max).toBeLessThanOrEqual(2 * limit);
        expect(max).toBeGreaterThan(limit); // a sum of two draws exceeds one draw's range
      } else {
        expect(max, name).toBeLessThanOrEqual(limit);
        expect(max, name).toBeGreaterThan(0.8 * limit);
      }
    });
    // Keras' default keeps the forget-gate bias at 1.
    const keras = LanguageModel.create(config, new Rng(1));
    const bias = keras.trainableWeights[3]?.dataSync() as Float32Array;
    expect(Array.from(bias.subarray(H, 2 * H))).toEqual(new Array(H).fill(1));
    model.dispose();
    keras.dispose();
  });
});

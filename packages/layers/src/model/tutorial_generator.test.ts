import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, InvalidBundleError, InvalidConfigError, Rng } from '@charrnn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BACKENDS,
  maxAbsDiff,
  randomArray,
  useBackend,
  withoutKernelLeakCheck,
} from '../test-utils/tf_test_setup.js';
import type { LanguageModelBatch } from './language_model.js';
import { languageModelTestBatch } from '../test-utils/language_model_batch.js';
import { TutorialGenerator, tutorialGeneratorWeightLayout } from './tutorial_generator.js';
import type { TutorialGeneratorConfig } from './tutorial_generator.js';

/** The PyTorch reference made by scripts/make_tutorial_generator_fixture.py. */
interface Fixture {
  C: number;
  V: number;
  H: number;
  weights: Record<string, number[]>;
  sequences: { label: number; inputs: number[]; targets: number[] }[];
  logprobs: number[][][];
  loss: number;
  grads: Record<string, number[]>;
}
const fixture = JSON.parse(
  readFileSync(new URL('../../test-fixtures/tutorial_generator.json', import.meta.url), 'utf8'),
) as Fixture;

/** The fixture's sequences as one right-padded batch, PAD after each end. */
function fixtureBatch(): { batch: LanguageModelBatch; targets: Int32Array } {
  const seqs = fixture.sequences;
  const T = Math.max(...seqs.map((s) => s.inputs.length));
  const ids = new Int32Array(seqs.length * T);
  const targets = new Int32Array(seqs.length * T);
  seqs.forEach((s, r) => {
    ids.set(s.inputs, r * T);
    targets.set(s.targets, r * T);
  });
  return {
    batch: {
      ids,
      lengths: Int32Array.from(seqs, (s) => s.inputs.length),
      batchSize: seqs.length,
      maxLen: T,
      labels: Int32Array.from(seqs, (s) => s.label),
    },
    targets,
  };
}

function fixtureModel(): TutorialGenerator {
  const config: TutorialGeneratorConfig = {
    architecture: 'tutorial',
    vocabSize: fixture.V,
    hiddenSize: fixture.H,
    numLabels: fixture.C,
    dropout: 0.1,
  };
  const layout = tutorialGeneratorWeightLayout(config);
  const values = Float32Array.from(layout.flatMap(({ name }) => fixture.weights[name] as number[]));
  return TutorialGenerator.fromArtifacts({
    config,
    weightSpecs: layout.map(({ name, shape }) => ({ name, shape, dtype: 'float32' })),
    weightData: values.buffer,
  });
}

const V = 9;
const CONFIGS: [string, TutorialGeneratorConfig][] = [
  ['conditional', { architecture: 'tutorial', vocabSize: V, hiddenSize: 6, numLabels: 3 }],
  ['unconditional', { architecture: 'tutorial', vocabSize: V, hiddenSize: 5 }],
];

describe.each(BACKENDS)('TutorialGenerator on the %s backend', (backend) => {
  let available = false;
  beforeAll(async () => {
    available = await useBackend(backend);
  });

  it("gives PyTorch's log-probabilities and gradients of the summed NLL (≤ 1e-5)", () => {
    if (!available) return;
    const model = fixtureModel();
    const { batch, targets } = fixtureBatch();
    const logits = model.logits(batch);
    const logp = tf.logSoftmax(logits);
    const got = logp.dataSync() as Float32Array;
    tf.dispose([logits, logp]);
    fixture.logprobs.forEach((rows, r) =>
      rows.forEach((want, t) => {
        const at = (r * batch.maxLen + t) * fixture.V;
        expect(maxAbsDiff(got.subarray(at, at + fixture.V), Float32Array.from(want))).toBeLessThanOrEqual(
          1e-5,
        );
      }),
    );
    // The summed NLL is the mean times the number of targets (gradients likewise).
    const count = fixture.sequences.reduce((n, s) => n + s.targets.length, 0);
    const { value, grads } = withoutKernelLeakCheck(() =>
      tf.variableGrads(() => model.loss(batch, targets), model.trainableWeights),
    );
    expect(Math.abs((value.dataSync()[0] as number) * count - fixture.loss)).toBeLessThanOrEqual(1e-5);
    for (const [i, { name }] of tutorialGeneratorWeightLayout(model.config).entries()) {
      const g = (grads[(model.trainableWeights[i] as tf.Variable).name]?.dataSync() as Float32Array).map(
        (v) => v * count,
      );
      expect(maxAbsDiff(g, Float32Array.from(fixture.grads[name] as number[])), name).toBeLessThanOrEqual(
        1e-5,
      );
    }
    tf.dispose([value, ...Object.values(grads)]);
    model.dispose();
  });

  describe.each(CONFIGS)('%s', (_, config) => {
    it('the stepper gives the sequence forward pass probabilities (≤ 1e-6)', () => {
      if (!available) return;
      const model = TutorialGenerator.create(config, new Rng(7));
      const { batch } = languageModelTestBatch(config);
      const logits = model.logits(batch);
      const probs = tf.softmax(logits);
      const want = probs.dataSync() as Float32Array;
      tf.dispose([logits, probs]);
      const stepper = model.stepper({ batchSize: 3, ...(batch.labels ? { labels: batch.labels } : {}) });
      let worst = 0;
      for (let t = 0; t < batch.maxLen; t++) {
        const got = stepper.step(
          Int32Array.from([0, 1, 2], (r) => batch.ids[r * batch.maxLen + t] as number),
        );
        for (let r = 0; r < 3; r++) {
          if (t >= (batch.lengths[r] as number)) continue;
          const at = (r * batch.maxLen + t) * V;
          worst = Math.max(worst, maxAbsDiff(got.subarray(r * V, (r + 1) * V), want.subarray(at, at + V)));
        }
      }
      expect(worst).toBeLessThanOrEqual(1e-6);
      stepper.dispose();
      model.dispose();
    });

    it('the loss gradient matches finite differences along random directions', () => {
      if (!available) return;
      const model = TutorialGenerator.create(config, new Rng(11));
      const { batch, targets } = languageModelTestBatch(config);
      const lossValue = (): number => {
        const l = model.loss(batch, targets);
        const v = l.dataSync()[0] as number;
        l.dispose();
        return v;
      };
      const { grads } = withoutKernelLeakCheck(() => tf.variableGrads(() => model.loss(batch, targets)));
      model.trainableWeights.forEach((w, i) => {
        const g = grads[w.name]?.dataSync() as Float32Array;
        const d = randomArray(w.size, 100 + i, 1);
        const base = w.dataSync().slice() as Float32Array;
        const eps = 1e-2;
        const at = (sign: number): number => {
          w.assign(
            tf.tensor(
              base.map((v, k) => v + sign * eps * (d[k] as number)),
              w.shape,
            ),
          );
          return lossValue();
        };
        const numeric = (at(1) - at(-1)) / (2 * eps);
        w.assign(tf.tensor(base, w.shape));
        const analytic = g.reduce((s, v, k) => s + v * (d[k] as number), 0);
        expect(Math.abs(numeric - analytic), `${w.name}: ${analytic} vs ${numeric}`).toBeLessThanOrEqual(
          2e-3 + 1e-2 * Math.abs(numeric),
        );
      });
      for (const g of Object.values(grads)) g.dispose();
      model.dispose();
    });

    it('padding never changes the loss or its gradient, with or without dropout', () => {
      if (!available) return;
      const model = TutorialGenerator.create({ ...config, dropout: 0.3 }, new Rng(13));
      const run = (x: {
        batch: LanguageModelBatch;
        targets: Int32Array;
      }): { loss: number; grads: Float32Array[] } =>
        withoutKernelLeakCheck(() => {
          const { value, grads } = tf.variableGrads(() =>
            model.loss(x.batch, x.targets, { training: true, rng: new Rng(5) }),
          );
          const out = {
            loss: value.dataSync()[0] as number,
            grads: model.trainableWeights.map((w) => grads[w.name]?.dataSync() as Float32Array),
          };
          tf.dispose([value, ...Object.values(grads)]);
          return out;
        });
      const a = run(languageModelTestBatch(config, 5, 0));
      const b = run(languageModelTestBatch(config, 5, V - 1));
      expect(Math.abs(b.loss - a.loss)).toBeLessThanOrEqual(1e-6);
      b.grads.forEach((g, i) => expect(maxAbsDiff(g, a.grads[i] as Float32Array)).toBeLessThanOrEqual(1e-6));
      // Dropout is on: a training pass differs from an inference pass.
      const plain = model.loss(
        languageModelTestBatch(config, 5, 0).batch,
        languageModelTestBatch(config, 5, 0).targets,
      );
      expect(Math.abs((plain.dataSync()[0] as number) - a.loss)).toBeGreaterThan(1e-4);
      plain.dispose();
      model.dispose();
    });
  });

  it('carries the state: two halves with the state passed on equal the whole (logLoss)', () => {
    if (!available) return;
    const config = CONFIGS[1]?.[1] as TutorialGeneratorConfig;
    const model = TutorialGenerator.create(config, new Rng(17));
    const rng = new Rng(2);
    const ids = Int32Array.from({ length: 8 }, () => 1 + rng.int(V - 1));
    const targets = Int32Array.from({ length: 8 }, () => 1 + rng.int(V - 1));
    const one = (from: number, to: number): LanguageModelBatch => ({
      ids: ids.slice(from, to),
      lengths: Int32Array.from([to - from]),
      batchSize: 1,
      maxLen: to - from,
    });
    const whole = model.logLoss(one(0, 8), targets);
    let state: Float32Array[][] = [];
    const first = model.logLoss(one(0, 5), targets.slice(0, 5), { onFinalState: (s) => (state = s) });
    const second = model.logLoss(one(5, 8), targets.slice(5), { initialState: state });
    expect(first.count + second.count).toBe(8);
    expect(Math.abs(first.nats + second.nats - whole.nats)).toBeLessThanOrEqual(1e-5);
    model.dispose();
  });
});

describe('TutorialGenerator arguments and artifacts', () => {
  it('names the bad config field and the bad argument', () => {
    const base: TutorialGeneratorConfig = {
      architecture: 'tutorial',
      vocabSize: V,
      hiddenSize: 4,
      numLabels: 2,
    };
    expect(() => TutorialGenerator.create({ ...base, hiddenSize: 0 }, new Rng(1))).toThrow(
      InvalidConfigError,
    );
    expect(() => TutorialGenerator.create({ ...base, dropout: 1 }, new Rng(1))).toThrow(/dropout/);
    const model = TutorialGenerator.create(base, new Rng(1));
    const { batch, targets } = languageModelTestBatch({ ...base, numLabels: 3 });
    expect(() => model.loss(batch, targets)).toThrow(/labels\[1\] = 2 is outside \[0, 2\)/);
    expect(() => model.loss({ ...batch, labels: undefined }, targets)).toThrow(InvalidArgumentError);
    expect(() =>
      model.stepper({ batchSize: 1, labels: Int32Array.from([0]) }).step(Int32Array.from([V])),
    ).toThrow(/ids\[0\] = 9 is outside/);
    model.dispose();
  });

  it('round-trips through its artifacts and refuses a missing weight', () => {
    const config: TutorialGeneratorConfig = {
      architecture: 'tutorial',
      vocabSize: V,
      hiddenSize: 4,
      numLabels: 2,
    };
    const model = TutorialGenerator.create(config, new Rng(3));
    const artifacts = model.toArtifacts();
    const copy = TutorialGenerator.fromArtifacts(artifacts);
    expect(copy.config).toEqual(config);
    copy.trainableWeights.forEach((w, i) =>
      expect(w.dataSync()).toEqual((model.trainableWeights[i] as tf.Variable).dataSync()),
    );
    expect(() =>
      TutorialGenerator.fromArtifacts({ ...artifacts, weightSpecs: artifacts.weightSpecs.slice(1) }),
    ).toThrow(InvalidBundleError);
    model.dispose();
    copy.dispose();
  });
});

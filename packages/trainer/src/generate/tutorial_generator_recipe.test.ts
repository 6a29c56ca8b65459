import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { TutorialGenerator } from '@charrnn/layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadGeneratorBundle, saveGeneratorBundle } from './generator_bundle.js';
import type { GeneratorBundle } from './generator_bundle.js';
import { TUTORIAL_GENERATOR_RECIPE, checkGeneratorRecipe } from './generator_recipe.js';
import type { GeneratorRecipe } from './generator_recipe.js';
import { generatorBpc } from './evaluate_bpc.js';
import { sample, sampleStream } from './sample.js';
import { syntheticNames } from '../test-utils/synthetic_corpus.js';
import { memoryLanguageModelStore, trainLanguageModel } from './train_language_model.js';

tf.env().set('IS_TEST', false);

const TRAIN = syntheticNames(240, 1);
const VAL = syntheticNames(60, 2);
/** The tutorial's recipe, shortened: 600 one-name steps (2.5 "epochs" of 240 names). */
const RECIPE: GeneratorRecipe = {
  ...TUTORIAL_GENERATOR_RECIPE,
  hiddenSize: 32,
  iterations: 600,
  learningRate: 0.005,
};

function memoryHandler(): tf.io.IOHandler & { saved?: tf.io.ModelArtifacts } {
  const h: tf.io.IOHandler & { saved?: tf.io.ModelArtifacts } = {
    save: (a) => {
      h.saved = a;
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
    },
    load: () => Promise.resolve(h.saved as tf.io.ModelArtifacts),
  };
  return h;
}

let trained: GeneratorBundle;
let history: { epoch: number; step: number; valBpc?: number }[];

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  const run = await trainLanguageModel({ kind: 'names', train: TRAIN, val: VAL }, RECIPE);
  trained = run.bundle;
  history = run.history;
});

describe('TUTORIAL_GENERATOR_RECIPE', () => {
  it("is the tutorial's: hidden 128, dropout 0.1, batch 1, summed loss, plain SGD 0.0005, 100,000 draws", () => {
    expect(TUTORIAL_GENERATOR_RECIPE).toMatchObject({
      architecture: 'tutorial',
      hiddenSize: 128,
      dropout: 0.1,
      batchSize: 1,
      loss: 'sum',
      optimizer: 'sgd',
      learningRate: 0.0005,
      clipNorm: 0,
      iterations: 100_000,
      sampler: 'tutorial',
      normalization: 'ascii-fold',
    });
    expect(() => checkGeneratorRecipe(TUTORIAL_GENERATOR_RECIPE)).not.toThrow();
    expect(() => checkGeneratorRecipe({ ...TUTORIAL_GENERATOR_RECIPE, iterations: 0 })).toThrow(/iterations/);
    expect(() => checkGeneratorRecipe({ ...TUTORIAL_GENERATOR_RECIPE, pytorchBiases: true })).toThrow(
      /pytorchBiases applies to stacked lstm and rnn/,
    );
    expect(() =>
      checkGeneratorRecipe({ ...TUTORIAL_GENERATOR_RECIPE, embedDim: 0, architecture: 'stacked' }),
    ).toThrow(/embedDim/);
  });

  it('trains a TutorialGenerator for `iterations` steps, validating every ceil(names) steps and at the end', () => {
    expect(trained.model).toBeInstanceOf(TutorialGenerator);
    expect(trained.model.config).toMatchObject({
      architecture: 'tutorial',
      hiddenSize: 32,
      numLabels: 2,
      dropout: 0.1,
    });
    expect(history.map((h) => h.step)).toEqual([240, 480, 600]);
    const uniform = Math.log2(trained.model.config.vocabSize - 2);
    expect(history.at(-1)?.valBpc).toBeLessThan(0.75 * uniform);
    expect(history.at(-1)?.valBpc).toBeLessThan(history[0]?.valBpc as number);
    expect(generatorBpc(trained, { names: VAL }).bpc).toBeCloseTo(history.at(-1)?.valBpc as number, 6);
  });

  it('samples names of the asked label, batched, streamed and novel', async () => {
    const hard = sample(trained, { label: 'Hard', count: 30, seed: 2, temperature: 0.8 });
    expect(hard).toHaveLength(30);
    const one = sample(trained, { label: 'Soft', count: 1, seed: 4, batchSize: 1 })[0]?.text ?? '';
    let streamed = '';
    for await (const ch of sampleStream(trained, { label: 'Soft', seed: 4 })) streamed += ch;
    expect(streamed).toBe(one);
    const seen = new Set(TRAIN.map((n) => n.name));
    for (const s of sample(trained, { label: 'Soft', count: 10, seed: 5, novel: true }))
      expect(seen.has(s.text)).toBe(false);
  });

  it('round-trips through a bundle that says it holds the tutorial model', async () => {
    const h = memoryHandler();
    await saveGeneratorBundle(trained, h);
    expect((h.saved?.modelTopology as { class_name: string }).class_name).toBe('CharrnnTutorialGenerator');
    const loaded = await loadGeneratorBundle(h);
    expect(loaded.model).toBeInstanceOf(TutorialGenerator);
    expect(loaded.recipe).toEqual(RECIPE);
    const options = { label: 'Hard', count: 12, seed: 9, novel: true } as const;
    expect(sample(loaded, options)).toEqual(sample(trained, options));
    loaded.model.dispose();
  });

  it('an aborted and resumed run equals an uninterrupted one (the tutorial draws replayed)', async () => {
    const data = { kind: 'names', train: TRAIN, val: VAL } as const;
    const recipe = { ...RECIPE, iterations: 300 };
    const whole = await trainLanguageModel(data, recipe);
    const store = memoryLanguageModelStore();
    const controller = new AbortController();
    const first = await trainLanguageModel(data, recipe, {
      store,
      signal: controller.signal,
      logEvery: 1,
      onEvent: (e) => {
        if (e.type === 'step' && e.step === 257) controller.abort();
      },
    });
    expect(first.stopped).toBe('aborted');
    first.bundle.model.dispose();
    const resumed = await trainLanguageModel(data, recipe, { store, resume: true });
    resumed.bundle.model.trainableWeights.forEach((w, i) =>
      expect(w.dataSync()).toEqual(whole.bundle.model.trainableWeights[i]?.dataSync()),
    );
    whole.bundle.model.dispose();
    resumed.bundle.model.dispose();
  });

  it("the summed loss takes the mean's step times the number of characters", async () => {
    // Names of one length (4 letters + EOS = 5 targets): sum at lr equals mean at 5·lr.
    const same = TRAIN.filter((n) => n.name.length === 4).slice(0, 20);
    expect(same.length).toBeGreaterThan(5);
    const data = { kind: 'names', train: same } as const;
    const base = { ...RECIPE, iterations: 10, dropout: 0 };
    const sum = await trainLanguageModel(data, { ...base, loss: 'sum', learningRate: 0.01 });
    const mean = await trainLanguageModel(data, { ...base, loss: 'mean', learningRate: 0.05 });
    sum.bundle.model.trainableWeights.forEach((w, i) => {
      const a = w.dataSync() as Float32Array;
      const b = mean.bundle.model.trainableWeights[i]?.dataSync() as Float32Array;
      let worst = 0;
      for (let k = 0; k < a.length; k++)
        worst = Math.max(worst, Math.abs((a[k] as number) - (b[k] as number)));
      expect(worst).toBeLessThanOrEqual(1e-5);
    });
    sum.bundle.model.dispose();
    mean.bundle.model.dispose();
  });
});

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { InvalidArgumentError, InvalidBundleError, Rng } from '@charrnn/core';
import { CharClassifier, kernelThreads, setKernelThreads } from '@charrnn/layers';
import { readyKernelThreads, splitKernelProducts } from '@charrnn/layers/internal';
import { Tokenizer } from '@charrnn/tokenizer';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadClassifierBundle, saveClassifierBundle } from '../classifier_bundle.js';
import { loadGeneratorBundle, ModelKindError, saveGeneratorBundle } from './generator_bundle.js';
import type { GeneratorBundle } from './generator_bundle.js';
import { DEFAULT_GENERATOR_RECIPE } from './generator_recipe.js';
import type { GeneratorRecipe } from './generator_recipe.js';
import { sample, sampleStream } from './sample.js';
import { drawIndex, samplingDistribution } from './sampling_distribution.js';
import { syntheticNames, syntheticText } from '../test-utils/synthetic_corpus.js';
import { decodeLanguageModelCheckpoint, encodeLanguageModelCheckpoint } from './language_model_checkpoint.js';
import { memoryLanguageModelStore, trainLanguageModel } from './train_language_model.js';
import type { GeneratorTrainEvent, SavedLanguageModelCheckpoint } from './train_language_model.js';

tf.env().set('IS_TEST', false);

const TRAIN = syntheticNames(240, 1);
const VAL = syntheticNames(60, 2);
const TEXT = syntheticText(1500, 3);
/** TRAIN with 1 'Soft' name in 4 kept: about 120 'Hard' and 30 'Soft'. */
const UNBALANCED = TRAIN.filter((n, i) => n.label === 'Hard' || i % 4 === 0);
const NAMES_RECIPE: GeneratorRecipe = {
  ...DEFAULT_GENERATOR_RECIPE,
  hiddenSize: 24,
  embedDim: 8,
  labelEmbedDim: 4,
  batchSize: 16,
  epochs: 12,
  learningRate: 0.02,
  dropout: 0.1,
};
const TEXT_RECIPE: GeneratorRecipe = {
  ...NAMES_RECIPE,
  layers: 2,
  labelEmbedDim: 0,
  batchSize: 4,
  seqLen: 20,
  epochs: 3,
  restoreBest: false,
};

/** In-memory tf.io handler pair. */
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

let names: GeneratorBundle;

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  names = (await trainLanguageModel({ kind: 'names', train: TRAIN, val: VAL }, NAMES_RECIPE)).bundle;
});

describe('trainLanguageModel', () => {
  it('learns names: validation bits per character fall well below the uniform code', async () => {
    const events: GeneratorTrainEvent[] = [];
    const run = await trainLanguageModel({ kind: 'names', train: TRAIN, val: VAL }, NAMES_RECIPE, {
      onEvent: (e) => events.push(e),
    });
    const uniform = Math.log2(run.bundle.model.config.vocabSize - 2);
    expect(run.history).toHaveLength(12);
    expect(run.metrics.best_val_bpc).toBeLessThan(0.6 * uniform);
    expect(run.metrics.val_bpc).toBe(run.metrics.best_val_bpc);
    expect(run.metrics.train_chars_per_s).toBeGreaterThan(0);
    expect(events[0]?.type).toBe('start');
    expect(events.filter((e) => e.type === 'epoch')).toHaveLength(12);
    expect(run.bundle.labels).toEqual(['Hard', 'Soft']);
    run.bundle.model.dispose();
  });

  it.each(['names', 'names, balanced sampler', 'text'] as const)(
    '%s: an aborted and resumed run equals an uninterrupted one, bit for bit',
    async (what) => {
      const kind = what === 'text' ? 'text' : 'names';
      const data =
        kind === 'names'
          ? ({ kind, train: what === 'names' ? TRAIN : UNBALANCED, val: VAL } as const)
          : ({ kind, text: TEXT } as const);
      const recipe =
        what === 'text'
          ? TEXT_RECIPE
          : what === 'names'
            ? NAMES_RECIPE
            : { ...NAMES_RECIPE, sampler: 'balanced' as const, labelAlpha: 0.5 };
      const whole = await trainLanguageModel(data, recipe);
      const store = memoryLanguageModelStore();
      const controller = new AbortController();
      let stepEvents = 0;
      const first = await trainLanguageModel(data, recipe, {
        store,
        signal: controller.signal,
        logEvery: 1,
        // Stops in the middle of the second epoch (text: the carried state is in the checkpoint).
        onEvent: (e) => {
          if (e.type === 'step' && ++stepEvents === Math.floor(e.totalSteps / recipe.epochs) + 3)
            controller.abort();
        },
      });
      expect(first.stopped).toBe('aborted');
      first.bundle.model.dispose();
      const resumed = await trainLanguageModel(data, recipe, { store, resume: true });
      expect(resumed.stopped).toBe('completed');
      expect(resumed.history).toEqual(
        whole.history.map((h) => ({ ...h, trainSeconds: expect.any(Number) as number })),
      );
      resumed.bundle.model.trainableWeights.forEach((w, i) =>
        expect(w.dataSync()).toEqual(whole.bundle.model.trainableWeights[i]?.dataSync()),
      );
      whole.bundle.model.dispose();
      resumed.bundle.model.dispose();
    },
  );

  it("the balanced sampler: labelAlpha 0 is the tutorial's draw, and labelAlpha changes the draws", async () => {
    const data = { kind: 'names', train: UNBALANCED, val: VAL } as const;
    const recipe: GeneratorRecipe = { ...NAMES_RECIPE, epochs: 2 };
    const weightsOf = async (r: GeneratorRecipe): Promise<Float32Array[]> => {
      const run = await trainLanguageModel(data, r);
      const values = run.bundle.model.trainableWeights.map((w) => w.dataSync() as Float32Array);
      run.bundle.model.dispose();
      return values;
    };
    const tutorial = await weightsOf({ ...recipe, sampler: 'tutorial' });
    expect(await weightsOf({ ...recipe, sampler: 'balanced', labelAlpha: 0 })).toEqual(tutorial);
    const half = await weightsOf({ ...recipe, sampler: 'balanced', labelAlpha: 0.5 });
    expect(half).not.toEqual(tutorial);
    expect(await weightsOf({ ...recipe, sampler: 'balanced' })).toEqual(half);
    expect(await weightsOf({ ...recipe, sampler: 'balanced', labelAlpha: 1 })).not.toEqual(half);
  });

  it('text: validation covers the last 10% with the state carried, and beats the uniform code', async () => {
    const run = await trainLanguageModel({ kind: 'text', text: TEXT }, TEXT_RECIPE);
    expect(run.bundle.kind).toBe('text');
    expect(run.bundle.labels).toEqual([]);
    expect(run.metrics.val_bpc).toBeLessThan(0.7 * Math.log2(run.bundle.tokenizer.vocabSize - 2));
    const text = sample(run.bundle, { maxLength: 200, seed: 3 })[0]?.text ?? '';
    expect(text.length).toBe(200);
    run.bundle.model.dispose();
  });

  it('text: training with 2 kernel threads gives the weights of 1 thread bit for bit', async () => {
    // Wide enough that the products are split (a 128-unit LSTM: 16 × 128 × 512 per step).
    const recipe: GeneratorRecipe = {
      ...TEXT_RECIPE,
      hiddenSize: 128,
      embedDim: 16,
      batchSize: 16,
      epochs: 1,
    };
    const one = await trainLanguageModel({ kind: 'text', text: TEXT }, recipe);
    expect(setKernelThreads(2)).toBe(2);
    try {
      // The helper starts in the background.
      for (let waited = 0; readyKernelThreads() < 2 && waited < 10_000; waited += 20)
        await new Promise((resolve) => setTimeout(resolve, 20));
      const two = await trainLanguageModel({ kind: 'text', text: TEXT }, recipe);
      expect(kernelThreads()).toBe(2);
      // At least the first window of 64 products is split (later ones may run alone when the
      // machine is busy and the helper runs late: the weights are the same either way).
      expect(splitKernelProducts()).toBeGreaterThanOrEqual(64);
      two.bundle.model.trainableWeights.forEach((w, i) =>
        expect(w.dataSync()).toEqual(one.bundle.model.trainableWeights[i]?.dataSync()),
      );
      expect(two.metrics.val_bpc).toBe(one.metrics.val_bpc);
      two.bundle.model.dispose();
    } finally {
      setKernelThreads(1);
      one.bundle.model.dispose();
    }
  });

  it('a checkpoint survives encoding (JSON + one float32 blob), and a damaged one is refused', async () => {
    let blob: { json: unknown; data: Uint8Array } | null = null;
    const store = {
      load: () =>
        Promise.resolve(
          blob === null
            ? null
            : decodeLanguageModelCheckpoint(JSON.parse(JSON.stringify(blob.json)), blob.data),
        ),
      save: (saved: SavedLanguageModelCheckpoint) => {
        blob = encodeLanguageModelCheckpoint(saved);
        return Promise.resolve();
      },
      clear: () => {
        blob = null;
        return Promise.resolve();
      },
    };
    const recipe = { ...TEXT_RECIPE, epochs: 2 };
    const whole = await trainLanguageModel({ kind: 'text', text: TEXT }, recipe);
    const controller = new AbortController();
    const first = await trainLanguageModel({ kind: 'text', text: TEXT }, recipe, {
      store,
      signal: controller.signal,
      logEvery: 1,
      onEvent: (e) => e.type === 'step' && e.step === 5 && controller.abort(),
    });
    first.bundle.model.dispose();
    const resumed = await trainLanguageModel({ kind: 'text', text: TEXT }, recipe, { store, resume: true });
    resumed.bundle.model.trainableWeights.forEach((w, i) =>
      expect(w.dataSync()).toEqual(whole.bundle.model.trainableWeights[i]?.dataSync()),
    );
    const saved = blob as unknown as { json: unknown; data: Uint8Array };
    expect(() => decodeLanguageModelCheckpoint(saved.json, saved.data.subarray(0, 8))).toThrow(
      /outside the data/,
    );
    expect(() => decodeLanguageModelCheckpoint({ format: 'x' }, saved.data)).toThrow(InvalidBundleError);
    whole.bundle.model.dispose();
    resumed.bundle.model.dispose();
  });

  it('refuses a resume on other data', async () => {
    const store = memoryLanguageModelStore();
    const r = await trainLanguageModel(
      { kind: 'names', train: TRAIN },
      { ...NAMES_RECIPE, epochs: 1 },
      { store },
    );
    r.bundle.model.dispose();
    await expect(
      trainLanguageModel(
        { kind: 'names', train: TRAIN.slice(1) },
        { ...NAMES_RECIPE, epochs: 1 },
        { store, resume: true },
      ),
    ).rejects.toThrow(/training data differs/);
  });
});

describe('sampling', () => {
  it('is deterministic per seed, batched or not, and the stream gives the same characters', async () => {
    const a = sample(names, { label: 'Soft', count: 12, seed: 5, temperature: 0.8 });
    const b = sample(names, { label: 'Soft', count: 12, seed: 5, temperature: 0.8 });
    const c = sample(names, { label: 'Soft', count: 12, seed: 6, temperature: 0.8 });
    expect(a).toEqual(b);
    expect(a.map((s) => s.text)).not.toEqual(c.map((s) => s.text));
    const one = sample(names, { label: 'Hard', count: 1, batchSize: 1, seed: 9, prime: 'Gr' })[0];
    let streamed = '';
    for await (const ch of sampleStream(names, { label: 'Hard', seed: 9, prime: 'Gr' })) streamed += ch;
    expect(streamed).toBe(one?.text);
    expect(streamed.startsWith('Gr')).toBe(true);
  });

  it('generates names of the asked label', () => {
    const soft = sample(names, { label: 'Soft', count: 50, seed: 1, temperature: 0.5 });
    const hard = sample(names, { label: 'Hard', count: 50, seed: 1, temperature: 0.5 });
    const softLike = (n: string): boolean => /[aiou]$/.test(n);
    expect(soft.filter((s) => softLike(s.text)).length).toBeGreaterThanOrEqual(45);
    expect(hard.filter((s) => !softLike(s.text)).length).toBeGreaterThanOrEqual(45);
    expect(soft.every((s) => s.label === 'Soft' && s.logProb < 0)).toBe(true);
  });

  it('novel never returns a training name or a repeat', () => {
    const training = new Set(TRAIN.map((n) => n.name));
    const got = sample(names, { label: 'Soft', count: 60, seed: 2, novel: true, temperature: 0.8 });
    expect(got.length).toBeGreaterThan(0);
    for (const s of got) expect(training.has(s.text)).toBe(false);
    expect(new Set(got.map((s) => s.text)).size).toBe(got.length);
    // Without novel, training names do come out (the test would be empty otherwise).
    const plain = sample(names, { label: 'Soft', count: 60, seed: 2, temperature: 0.8 });
    expect(plain.some((s) => training.has(s.text))).toBe(true);
  });

  it('top-k and top-p supports are respected exactly', () => {
    const rng = new Rng(4);
    const dist = new Float64Array(10);
    const order: number[] = [];
    for (let trial = 0; trial < 200; trial++) {
      const probs = Float64Array.from({ length: 10 }, () => rng.next() ** 3);
      const sum = probs.reduce((s, v) => s + v, 0);
      probs.forEach((v, i) => (probs[i] = v / sum));
      const sorted = [...probs.keys()].sort((a, b) => (probs[b] as number) - (probs[a] as number) || a - b);
      const k = 1 + rng.int(5);
      samplingDistribution(probs, { topK: k, temperature: 0.7 }, new Set([0]), dist, order);
      const allowedK = new Set(sorted.filter((i) => i !== 0).slice(0, k));
      for (let i = 0; i < 10; i++) expect((dist[i] as number) > 0).toBe(allowedK.has(i));
      const p = 0.1 + 0.8 * rng.next();
      samplingDistribution(probs, { topP: p }, new Set(), dist, order);
      // The nucleus: the fewest most probable symbols whose mass reaches p.
      let mass = 0;
      const nucleus = new Set<number>();
      for (const i of sorted) {
        nucleus.add(i);
        mass += probs[i] as number;
        if (mass >= p) break;
      }
      for (let i = 0; i < 10; i++) expect((dist[i] as number) > 0).toBe(nucleus.has(i));
      for (let d = 0; d < 20; d++) expect(nucleus.has(drawIndex(dist, rng.next()))).toBe(true);
    }
    // ... and through the sampler: with top-k 1, every seed gives the greedy name.
    const greedy = sample(names, { label: 'Hard', count: 5, seed: 1, topK: 1 });
    expect(new Set(greedy.map((s) => s.text)).size).toBe(1);
    expect(sample(names, { label: 'Hard', seed: 99, temperature: 0 })[0]?.text).toBe(greedy[0]?.text);
  });

  it('numTensors stays flat over 10,000 sampled characters', () => {
    sample(names, { label: 'Soft', count: 2, seed: 1 });
    const before = tf.memory().numTensors;
    let chars = 0;
    for (let seed = 0; chars < 10_000; seed++)
      for (const s of sample(names, { label: 'Soft', count: 64, seed, maxLength: 40 }))
        chars += s.text.length + 1;
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names the label problem', () => {
    expect(() => sample(names, {})).toThrow(/conditional: choose a label \(Hard, Soft\)/);
    expect(() => sample(names, { label: 'Elvish' })).toThrow(InvalidArgumentError);
    expect(() => sample(names, { label: 'Soft', topP: 0 })).toThrow(/topP/);
  });
});

describe('generator bundles', () => {
  it('round-trip: the loaded generator samples the same names, novel included', async () => {
    const h = memoryHandler();
    await saveGeneratorBundle(names, h, { metrics: { val_bpc: 1 } });
    const loaded = await loadGeneratorBundle(h);
    expect(loaded.labels).toEqual(names.labels);
    expect(loaded.kind).toBe('names');
    expect(loaded.recipe).toEqual(NAMES_RECIPE);
    const options = { label: 'Soft', count: 20, seed: 3, novel: true } as const;
    expect(sample(loaded, options)).toEqual(sample(names, options));
    expect(JSON.stringify(h.saved?.userDefinedMetadata)).not.toContain(TRAIN[0]?.name);
    loaded.model.dispose();
  });

  it('a classifier is not a generator, and a generator is not a classifier: typed errors', async () => {
    const g = memoryHandler();
    await saveGeneratorBundle(names, g);
    await expect(loadClassifierBundle(g)).rejects.toThrow(ModelKindError);
    await expect(loadClassifierBundle(g)).rejects.toThrow(/generator bundle, not a classifier/);
    const c = memoryHandler();
    const tokenizer = Tokenizer.fromCorpus(['ab']);
    const classifier = CharClassifier.create(
      { cell: 'rnn', vocabSize: tokenizer.vocabSize, embedDim: 2, hiddenSize: 2, numClasses: 2 },
      new Rng(1),
    );
    await saveClassifierBundle(classifier, tokenizer, ['x', 'y'], c);
    const error: unknown = await loadGeneratorBundle(c).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelKindError);
    expect(error).toBeInstanceOf(InvalidBundleError);
    expect((error as ModelKindError).found).toBe('classifier');
    classifier.dispose();
  });
});

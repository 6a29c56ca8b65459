import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { InvalidArgumentError, InvalidConfigError, Rng } from '@charrnn/core';
import { encodeExamples } from '@charrnn/data';
import { CharClassifier } from '@charrnn/layers';
import { Tokenizer } from '@charrnn/tokenizer';
import { beforeAll, describe, expect, it } from 'vitest';
import { memoryCheckpointStore } from './checkpoint_store.js';
import { classifyNames } from './classify_names.js';
import { RunDivergedError, TrainingAbortedError, type ClassifierRunEvent } from './classifier_events.js';
import { DEFAULT_RECIPE, classifierConfigOf, trainOptionsOf, type Recipe } from './recipe.js';
import { syntheticNames } from './test-utils/synthetic_names.js';
import { train as trainLoop } from './train.js';
import { trainClassifier } from './train_classifier.js';

tf.env().set('IS_TEST', true);

const DATA = { train: syntheticNames(120, 1), val: syntheticNames(40, 2), test: syntheticNames(40, 3) };
/** A small version of the default recipe: every stage runs, in a second or so. */
const RECIPE: Recipe = {
  ...DEFAULT_RECIPE,
  model: { ...DEFAULT_RECIPE.model, hidden: 8, embed: 4 },
  epochs: 4,
  batchSize: 16,
  ngram: { order: 3, weight: 0.5 },
  seed: 7,
};

const weightsOf = (model: CharClassifier): Float32Array[] =>
  model.trainableWeights.map((w) => Float32Array.from(w.dataSync()));

describe.each(['cpu', 'wasm'])('trainClassifier on the %s backend', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  it('gives the weights of the loop run by hand with the same recipe, then mixes in the head and reports', async () => {
    const events: ClassifierRunEvent[] = [];
    const recipe = { ...RECIPE, ngram: null, logitAdjustment: 0 };
    const result = await trainClassifier(DATA, recipe, { onEvent: (e) => events.push(e) });
    // By hand: the same tokenizer, labels, model seed and loop options.
    const labels = ['Aland', 'Borland', 'Cirland'];
    const tokenizer = Tokenizer.tutorial();
    const trainExamples = encodeExamples(DATA.train, tokenizer, labels);
    const val = encodeExamples(DATA.val, tokenizer, labels);
    const model = CharClassifier.create(classifierConfigOf(recipe.model, tokenizer.vocabSize, 3), new Rng(7));
    await trainLoop(model, trainExamples, trainOptionsOf(recipe, 7, labels, trainExamples, val));
    expect(weightsOf(result.bundle.model)).toEqual(weightsOf(model));
    model.dispose();

    const types = events.map((e) => e.type);
    expect(types.slice(0, 2)).toEqual(['start', 'member-start']);
    expect(types.slice(-4)).toEqual(['epoch', 'member-end', 'phase', 'end']);
    expect(types.filter((t) => t === 'epoch')).toHaveLength(4);
    expect(types.filter((t) => t === 'step').length).toBeGreaterThan(0);
    expect(result.bundle.labels).toEqual(labels);
    expect(result.metrics.epochs).toHaveLength(4);
    expect(result.metrics.test?.count).toBe(40);
    expect(result.metrics.test?.accuracy).toBe(result.test?.accuracy);
    expect(result.metrics.ngram).toBeNull();
    result.bundle.model.dispose();
  });

  it('fits the n-gram head and the logit adjustment after training, announcing each phase', async () => {
    const events: ClassifierRunEvent[] = [];
    const result = await trainClassifier(DATA, RECIPE, { onEvent: (e) => events.push(e) });
    const phases = events.flatMap((e) => (e.type === 'phase' ? [e.phase] : []));
    expect(phases).toEqual(['ngram-fit', 'logit-adjustment', 'evaluate']);
    expect(result.metrics.ngram).toMatchObject({ max_n: 3, weight: 0.5 });
    expect(result.metrics.ngram?.grams).toBeGreaterThan(10);
    expect(result.metrics.logit_adjustment).toMatchObject({ tau: 0.4, chosen_on_val: false });
    expect(result.bundle.model.ngramHead).toBeDefined();
    // The endings decide the label: the mixed model reads them.
    const top = classifyNames(result.bundle, ['Tavamir', 'Lodozo', 'Risaka'], 1).map((p) => p.top[0]?.label);
    expect(top).toEqual(['Cirland', 'Borland', 'Aland']);
    result.bundle.model.dispose();
  });

  it('stops on abort with a checkpoint, and resuming from it ends with the same weights', async () => {
    const straight = await trainClassifier(DATA, RECIPE);
    const store = memoryCheckpointStore();
    const controller = new AbortController();
    const stopped = trainClassifier(DATA, RECIPE, {
      store,
      signal: controller.signal,
      logEvery: 1,
      onEvent: (e) => {
        if (e.type === 'step' && e.step === 11) controller.abort();
      },
    });
    await expect(stopped).rejects.toThrow(TrainingAbortedError);
    await expect(stopped).rejects.toMatchObject({ member: 0, steps: 11, checkpointSaved: true });
    expect((await store.load({ member: 0, members: 1 }))?.checkpoint.steps).toBe(11);

    const events: ClassifierRunEvent[] = [];
    const resumed = await trainClassifier(DATA, RECIPE, {
      store,
      resume: true,
      onEvent: (e) => events.push(e),
    });
    expect(events.find((e) => e.type === 'member-start')).toMatchObject({
      resumed: { steps: 11, epochs: 1 },
    });
    expect(weightsOf(resumed.bundle.model)).toEqual(weightsOf(straight.bundle.model));
    expect(resumed.metrics.test).toEqual(straight.metrics.test);
    straight.bundle.model.dispose();
    resumed.bundle.model.dispose();
  });

  it("with onAbort 'finish', resolves with the model trained so far", async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await trainClassifier(DATA, RECIPE, { signal: controller.signal, onAbort: 'finish' });
    expect(result.stopped).toBe('aborted');
    expect(result.metrics.steps).toBe(0);
    expect(result.metrics.test?.count).toBe(40);
    result.bundle.model.dispose();
  });

  it('averages an ensemble of members trained with seeds seed, seed + 1', async () => {
    const recipe = { ...RECIPE, ngram: null, logitAdjustment: 0 };
    const seen: number[] = [];
    const ensemble = await trainClassifier(
      DATA,
      { ...recipe, ensemble: 2 },
      {
        onEvent: (e) => e.type === 'member-start' && seen.push(e.seed),
      },
    );
    expect(seen).toEqual([7, 8]);
    const members = [
      await trainClassifier(DATA, recipe),
      await trainClassifier(DATA, { ...recipe, seed: 8 }),
    ];
    const average = CharClassifier.average(members.map((m) => m.bundle.model));
    expect(weightsOf(ensemble.bundle.model)).toEqual(weightsOf(average));
    expect(ensemble.metrics.ensemble?.map((m) => m.seed)).toEqual([7, 8]);
    expect(ensemble.metrics.steps).toBe(2 * members[0]!.metrics.steps);
    for (const m of [ensemble, ...members]) m.bundle.model.dispose();
    average.dispose();
  });
});

describe('trainClassifier errors', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('reports divergence with the last good checkpoint', async () => {
    const store = memoryCheckpointStore();
    let model: CharClassifier | null = null;
    const run = trainClassifier(DATA, RECIPE, {
      store,
      logEvery: 1,
      onEvent: (e) => {
        if (e.type === 'member-start') model = e.model;
        const first = (model as CharClassifier | null)?.trainableWeights[0];
        if (e.type === 'step' && e.step === 10 && first !== undefined)
          tf.tidy(() => first.assign(tf.mul(first, Number.NaN)));
      },
    });
    await expect(run).rejects.toThrow(RunDivergedError);
    await expect(run).rejects.toMatchObject({ member: 0, lastCheckpoint: { steps: 8, epochs: 1 } });
    await expect(run).rejects.toThrow('field loss: gradient norm is NaN at step 11');
  });

  it('refuses to resume on other data, and bad recipes with the field named', async () => {
    const store = memoryCheckpointStore();
    const controller = new AbortController();
    controller.abort();
    await expect(trainClassifier(DATA, RECIPE, { store, signal: controller.signal })).rejects.toThrow(
      TrainingAbortedError,
    );
    const other = { ...DATA, train: DATA.train.slice(1) };
    await expect(trainClassifier(other, RECIPE, { store, resume: true })).rejects.toThrow(
      new InvalidArgumentError(
        "the training data differs from the run's (120 names then, 119 now): a resumed run must see the same data",
        { field: 'resume' },
      ),
    );
    // The same data under another recipe is refused too; the same recipe with its keys in another order is not.
    const reordered = Object.fromEntries(Object.entries(RECIPE).reverse()) as unknown as Recipe;
    await expect(trainClassifier(DATA, { ...RECIPE, batchSize: 8 }, { store, resume: true })).rejects.toThrow(
      "field resume: the recipe differs from the checkpoint's",
    );
    await expect(
      trainClassifier(DATA, reordered, { store, resume: true, signal: controller.signal }),
    ).rejects.toThrow(TrainingAbortedError);
    const bad = { ...RECIPE, model: { ...RECIPE.model, hidden: 0 } };
    await expect(trainClassifier(DATA, bad)).rejects.toThrow(
      new InvalidConfigError('expected an integer in [1, 4096], got 0', { field: 'recipe.model.hidden' }),
    );
    await expect(trainClassifier({ train: DATA.train.slice(0, 0) }, RECIPE)).rejects.toThrow(
      'field train: the training data needs at least 2 labels with names, found 0 label(s) and 0 name(s)',
    );
  });
});

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { Rng, TrainingDivergedError } from '@charrnn/core';
import { CharClassifier } from '@charrnn/layers';
import type { ClassifierConfig } from '@charrnn/layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from './evaluate.js';
import { train } from './train.js';
import type { TrainRunOptions } from './train.js';
import type { TrainEvent } from './train_events.js';
import { LABELS, syntheticExamples } from './test-utils/synthetic_names.js';

tf.env().set('IS_TEST', true);

const CONFIG: ClassifierConfig = { cell: 'rnn', vocabSize: 28, embedDim: 8, hiddenSize: 16, numClasses: 2 };
const TRAIN = syntheticExamples(200, 1);
const VAL = syntheticExamples(100, 2);
const BASE: TrainRunOptions = {
  optimizer: 'adam',
  learningRate: 0.01,
  batchSize: 16,
  sampler: 'shuffle',
  seed: 3,
  labels: LABELS,
};

function weightsOf(model: CharClassifier): Float32Array[] {
  return model.trainableWeights.map((w) => new Float32Array(w.dataSync()));
}

describe.each(['cpu', 'wasm'])('train on the %s backend', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  it('learns names ending in "a" vs "o": loss falls, validation accuracy reaches 1', async () => {
    const model = CharClassifier.create(CONFIG, new Rng(1));
    const stepLosses: number[] = [];
    const onEvent = (e: TrainEvent): void => {
      if (e.type === 'step') stepLosses.push(e.loss);
    };
    const result = await train(model, TRAIN, {
      ...BASE,
      epochs: 8,
      clipNorm: 5,
      val: VAL,
      logEvery: 1,
      onEvent,
    });
    const last = result.history.at(-1);
    expect(result.history).toHaveLength(8);
    expect(stepLosses[0]).toBeCloseTo(Math.log(2), 1); // two classes, small initial logits
    expect(result.history[0]?.trainLoss).toBeLessThan(stepLosses[0] as number);
    expect(last?.trainLoss).toBeLessThan(0.1);
    expect(last?.val?.accuracy).toBeGreaterThanOrEqual(0.98);
    expect(result.steps).toBe(8 * 13);
    expect(result.namesTrained).toBe(8 * 200);
    expect(result.namesPerSecond).toBeCloseTo(result.namesTrained / result.trainSeconds, 6);
    model.dispose();
  });

  it.each([
    ['sgd', { optimizer: 'sgd', learningRate: 0.5 }],
    ['sgd with momentum', { optimizer: 'sgd', learningRate: 0.05, momentum: 0.9 }],
    ['adam', { optimizer: 'adam', learningRate: 0.01 }],
  ] as const)('%s reduces the loss', async (_, optimizer) => {
    const model = CharClassifier.create(CONFIG, new Rng(4));
    const result = await train(model, TRAIN, { ...BASE, ...optimizer, epochs: 6, clipNorm: 1 });
    expect(result.history[5]?.trainLoss).toBeLessThan(0.8 * (result.history[0]?.trainLoss as number));
    model.dispose();
  });

  it('is deterministic: same seeds, same weights', async () => {
    const run = async (): Promise<Float32Array[]> => {
      const model = CharClassifier.create(CONFIG, new Rng(9));
      await train(model, TRAIN, {
        ...BASE,
        optimizer: 'sgd',
        learningRate: 0.1,
        momentum: 0.9,
        clipNorm: 1,
        sampler: 'tutorial',
        iterations: 30,
        batchSize: 4,
      });
      const weights = weightsOf(model);
      model.dispose();
      return weights;
    };
    const [a, b] = [await run(), await run()];
    a.forEach((w, i) => expect(w).toEqual(b[i]));
  });

  it('keeps the number of tensors flat across 50 steps and frees everything at the end', async () => {
    const model = CharClassifier.create(CONFIG, new Rng(5));
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    await train(model, TRAIN, {
      ...BASE,
      optimizer: 'sgd',
      momentum: 0.9,
      clipNorm: 0.5,
      iterations: 50,
      logEvery: 10,
      onEvent: (e) => {
        if (e.type === 'step') counts.push(tf.memory().numTensors);
      },
    });
    expect(counts).toHaveLength(5);
    expect(new Set(counts).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('train on the cpu backend', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('emits start, step, epoch and end events in order', async () => {
    const model = CharClassifier.create(CONFIG, new Rng(6));
    const events: TrainEvent[] = [];
    await train(model, TRAIN, {
      ...BASE,
      batchSize: 50,
      epochs: 2,
      logEvery: 3,
      val: VAL,
      onEvent: (e) => events.push(e),
    });
    expect(
      events.map((e) =>
        e.type === 'step' ? `step ${e.step}` : e.type === 'epoch' ? `epoch ${e.epoch}` : e.type,
      ),
    ).toEqual(['start', 'step 3', 'epoch 1', 'step 6', 'step 8', 'epoch 2', 'end']);
    const start = events[0];
    expect(start).toMatchObject({
      type: 'start',
      totalSteps: 8,
      stepsPerEpoch: 4,
      batchSize: 50,
      backend: 'cpu',
    });
    const epoch = events[2];
    expect(epoch?.type === 'epoch' && epoch.val?.count).toBe(100);
    model.dispose();
  });

  it('evaluates every evalEvery steps in iterations mode, and at the end', async () => {
    const model = CharClassifier.create(CONFIG, new Rng(6));
    const result = await train(model, TRAIN, {
      ...BASE,
      sampler: 'tutorial',
      iterations: 25,
      evalEvery: 10,
      val: VAL,
    });
    expect(result.history.map((h) => h.step)).toEqual([10, 20, 25]);
    expect(result.history[2]?.val?.accuracy).toBe(evaluate(model, VAL, LABELS).accuracy);
    model.dispose();
  });

  it('stops cleanly when aborted', async () => {
    const model = CharClassifier.create(CONFIG, new Rng(6));
    const controller = new AbortController();
    const before = tf.memory().numTensors;
    const result = await train(model, TRAIN, {
      ...BASE,
      iterations: 1000,
      logEvery: 1,
      onEvent: (e) => {
        if (e.type === 'step' && e.step === 20) controller.abort();
      },
      signal: controller.signal,
    });
    expect(result.stopped).toBe('aborted');
    expect(result.steps).toBe(20);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('throws TrainingDivergedError on a non-finite gradient norm before updating, with or without clipping', async () => {
    const model = CharClassifier.create(CONFIG, new Rng(6));
    const bias = model.trainableWeights[5] as tf.Variable;
    bias.assign(tf.tensor1d([NaN, 0]));
    await expect(train(model, TRAIN, { ...BASE, logEvery: 1 })).rejects.toThrow(
      new TrainingDivergedError('gradient norm is NaN at step 1'),
    );
    const kernel = new Float32Array(model.trainableWeights[1]?.dataSync() as Float32Array);
    await expect(train(model, TRAIN, { ...BASE, clipNorm: 1 })).rejects.toThrow(
      new TrainingDivergedError('gradient norm is NaN at step 1'),
    );
    expect(new Float32Array(model.trainableWeights[1]?.dataSync() as Float32Array)).toEqual(kernel);
    model.dispose();
  });

  it('rejects invalid options, naming the field', async () => {
    const model = CharClassifier.create(CONFIG, new Rng(6));
    await expect(train(model, TRAIN, { ...BASE, learningRate: -1 })).rejects.toThrow(
      'field learningRate: learningRate must be a positive number, got -1',
    );
    await expect(train(model, TRAIN, { ...BASE, epochs: 1, iterations: 10 })).rejects.toThrow(
      'field iterations: give epochs or iterations, not both',
    );
    await expect(train(model, TRAIN, { ...BASE, momentum: 0.9 })).rejects.toThrow(
      'field momentum: momentum applies to the sgd optimizer only',
    );
    await expect(train(model, TRAIN, { ...BASE, labels: ['x'] })).rejects.toThrow(
      'field labels: 1 labels given, the model has 2 classes',
    );
    await expect(train(model, [], BASE)).rejects.toThrow('field train: there are no training examples');
    model.dispose();
  });
});

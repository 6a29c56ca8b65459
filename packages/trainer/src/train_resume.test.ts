import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { InvalidBundleError, InvalidConfigError, Rng } from '@charrnn/core';
import type { ClassificationReport } from '@charrnn/core';
import { CharClassifier } from '@charrnn/layers';
import type { ClassifierConfig } from '@charrnn/layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';
import type { TrainCheckpoint } from './checkpoint.js';
import { initialMonitorState, scheduledLearningRate, updateMonitors } from './schedule.js';
import { train } from './train.js';
import type { TrainRunOptions } from './train.js';
import { LABELS, syntheticExamples } from './test-utils/synthetic_names.js';

tf.env().set('IS_TEST', true);

const CONFIG: ClassifierConfig = {
  cell: 'lstm',
  vocabSize: 28,
  embedDim: 8,
  hiddenSize: 12,
  numClasses: 2,
  dropout: 0.1,
  recurrentDropout: 0.1,
};
const TRAIN = syntheticExamples(150, 1);
const VAL = syntheticExamples(60, 2);
const OPTIONS: TrainRunOptions = {
  optimizer: 'adam',
  learningRate: 0.01,
  batchSize: 16,
  sampler: 'shuffle',
  seed: 3,
  labels: LABELS,
  epochs: 4,
  clipNorm: 1,
  val: VAL,
  schedule: { type: 'cosine', minLearningRate: 0.001, warmupSteps: 3 },
  reduceOnPlateau: { patience: 1, factor: 0.5 },
  restoreBest: true,
  monitor: 'macro_f1',
};

const weightsOf = (model: CharClassifier): Float32Array[] =>
  model.trainableWeights.map((w) => Float32Array.from(w.dataSync()));

function report(accuracy: number): ClassificationReport {
  return { accuracy, macroF1: accuracy, balancedAccuracy: accuracy } as ClassificationReport;
}

describe.each(['cpu', 'wasm'])('resuming training on the %s backend', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  it.each([
    [13, 'shuffle'],
    [20, 'shuffle'],
    [30, 'shuffle'],
    [13, 'bucket'],
  ] as const)(
    'a run stopped after step %i and resumed from its checkpoint ends with the same weights and history (%s sampler)',
    async (stopAt, sampler) => {
      const options: TrainRunOptions = { ...OPTIONS, sampler };
      const straight = CharClassifier.create(CONFIG, new Rng(1));
      const full = await train(straight, TRAIN, options);

      const first = CharClassifier.create(CONFIG, new Rng(1));
      const controller = new AbortController();
      let saved: TrainCheckpoint | undefined;
      const partial = await train(first, TRAIN, {
        ...options,
        logEvery: 1,
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type === 'step' && e.step === stopAt) controller.abort();
        },
        onCheckpoint: (c) => {
          saved = c;
        },
      });
      expect(partial.stopped).toBe('aborted');
      expect(saved?.steps).toBe(stopAt);
      // Through the file format and back, with a fresh model as a new process would make.
      const encoded = encodeCheckpoint(saved as TrainCheckpoint);
      const decoded = decodeCheckpoint(JSON.parse(JSON.stringify(encoded.json)), encoded.data.slice());
      const second = CharClassifier.create(CONFIG, new Rng(99));
      const resumed = await train(second, TRAIN, { ...options, resumeFrom: decoded });

      expect(resumed.steps).toBe(full.steps);
      expect(weightsOf(second)).toEqual(weightsOf(straight));
      expect(resumed.history.map((h) => h.val?.accuracy)).toEqual(full.history.map((h) => h.val?.accuracy));
      expect(resumed.history.map((h) => h.learningRate)).toEqual(full.history.map((h) => h.learningRate));
      expect(resumed.bestEpoch).toBe(full.bestEpoch);
      for (const m of [straight, first, second]) m.dispose();
    },
  );

  it('the tutorial recipe (batch 1, SGD with momentum, clip; its step runs without tfjs) resumes bit for bit', async () => {
    const config: ClassifierConfig = {
      cell: 'rnn',
      vocabSize: 28,
      embedDim: 8,
      hiddenSize: 12,
      numClasses: 2,
    };
    const options: TrainRunOptions = {
      optimizer: 'sgd',
      learningRate: 0.01,
      momentum: 0.9,
      clipNorm: 1,
      batchSize: 1,
      sampler: 'tutorial',
      seed: 5,
      labels: LABELS,
      iterations: 60,
      evalEvery: 20,
      val: VAL,
    };
    const straight = CharClassifier.create(config, new Rng(1));
    const full = await train(straight, TRAIN, options);
    const first = CharClassifier.create(config, new Rng(1));
    const controller = new AbortController();
    let saved: TrainCheckpoint | undefined;
    await train(first, TRAIN, {
      ...options,
      logEvery: 1,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'step' && e.step === 27) controller.abort();
      },
      onCheckpoint: (c) => {
        saved = c;
      },
    });
    expect(saved?.steps).toBe(27);
    const encoded = encodeCheckpoint(saved as TrainCheckpoint);
    const decoded = decodeCheckpoint(JSON.parse(JSON.stringify(encoded.json)), encoded.data.slice());
    const second = CharClassifier.create(config, new Rng(99));
    const resumed = await train(second, TRAIN, { ...options, resumeFrom: decoded });
    expect(resumed.steps).toBe(60);
    expect(weightsOf(second)).toEqual(weightsOf(straight));
    expect(resumed.history.map((h) => h.val?.accuracy)).toEqual(full.history.map((h) => h.val?.accuracy));
    for (const m of [straight, first, second]) m.dispose();
  });

  it('checkpoints at every epoch end, and a finished checkpoint resumes to the same result without training', async () => {
    const model = CharClassifier.create(CONFIG, new Rng(2));
    const checkpoints: TrainCheckpoint[] = [];
    await train(model, TRAIN, { ...OPTIONS, onCheckpoint: (c) => void checkpoints.push(c) });
    expect(checkpoints.map((c) => c.steps)).toEqual([10, 20, 30, 40]);
    expect(checkpoints.at(-1)?.finished).toBe('completed');
    const again = CharClassifier.create(CONFIG, new Rng(3));
    const result = await train(again, TRAIN, {
      ...OPTIONS,
      resumeFrom: checkpoints.at(-1) as TrainCheckpoint,
    });
    expect(result.steps).toBe(40);
    expect(weightsOf(again)).toEqual(weightsOf(model));
    model.dispose();
    again.dispose();
  });
});

describe('early stopping, best weights and schedules', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('stops when the monitored metric stops improving and restores the best epoch', async () => {
    const model = CharClassifier.create({ ...CONFIG, dropout: 0, recurrentDropout: 0 }, new Rng(4));
    const perEpoch: Float32Array[][] = [];
    const result = await train(model, TRAIN, {
      ...OPTIONS,
      epochs: 30,
      learningRate: 0.05,
      schedule: undefined,
      reduceOnPlateau: undefined,
      earlyStopping: { patience: 2, minDelta: 0 },
      onEvent: (e) => {
        if (e.type === 'epoch') perEpoch.push(weightsOf(model));
      },
    });
    expect(result.stopped).toBe('early_stopped');
    expect(result.history.length).toBeLessThan(30);
    const best = Math.max(...result.history.map((h) => h.val?.macroF1 ?? 0));
    expect(result.history[result.bestEpoch - 1]?.val?.macroF1).toBe(best);
    expect(result.restoredBest).toBe(true);
    expect(weightsOf(model)).toEqual(perEpoch[result.bestEpoch - 1]);
    model.dispose();
  });

  it('cosine warms up linearly, then decays from the base rate to the floor', () => {
    const s = { type: 'cosine', minLearningRate: 0.1, warmupSteps: 4 } as const;
    expect([0, 1, 2, 3].map((t) => scheduledLearningRate(s, 1, t, 104, 0))).toEqual([0.25, 0.5, 0.75, 1]);
    expect(scheduledLearningRate(s, 1, 4, 104, 0)).toBe(1);
    expect(scheduledLearningRate(s, 1, 54, 104, 0)).toBeCloseTo(0.55, 12);
    expect(scheduledLearningRate(s, 1, 104, 104, 0)).toBeCloseTo(0.1, 12);
  });

  it('step decay multiplies by gamma every N epochs', () => {
    const s = { type: 'step', everyEpochs: 2, gamma: 0.5 } as const;
    expect([0, 1, 2, 3, 4].map((e) => scheduledLearningRate(s, 0.8, 0, 1, e))).toEqual([
      0.8, 0.8, 0.4, 0.4, 0.2,
    ]);
  });

  it('reduce-on-plateau halves after `patience` flat epochs, down to its floor; early stopping counts its own patience', () => {
    const state = initialMonitorState();
    const plateau = { patience: 2, factor: 0.5, minLearningRate: 0.2 };
    const stopping = { patience: 3, minDelta: 0.01 };
    const decisions = [0.5, 0.6, 0.6, 0.6, 0.605, 0.6, 0.6].map((v, i) =>
      updateMonitors(state, report(v), i + 1, 'accuracy', plateau, stopping, 1),
    );
    expect(decisions.map((d) => d.reduced)).toEqual([false, false, false, true, false, false, true]);
    expect(decisions.map((d) => d.stop)).toEqual([false, false, false, false, true, true, true]);
    expect(state.bestEpoch).toBe(5);
    expect(state.plateauFactor).toBe(0.25);
    const more = updateMonitors(state, report(0.5), 8, 'accuracy', plateau, undefined, 1);
    expect(state.plateauFactor).toBe(0.25);
    expect(more.reduced).toBe(false);
    updateMonitors(state, report(0.5), 9, 'accuracy', plateau, undefined, 1);
    expect(state.plateauFactor).toBe(0.2);
  });

  it('rejects bad schedules and a checkpoint of another run, naming the field', async () => {
    const model = CharClassifier.create(CONFIG, new Rng(5));
    await expect(
      train(model, TRAIN, { ...OPTIONS, schedule: { type: 'step', everyEpochs: 0, gamma: 0.5 } }),
    ).rejects.toThrow(
      new InvalidConfigError('must be a positive integer, got 0', { field: 'schedule.everyEpochs' }),
    );
    await expect(train(model, TRAIN, { ...OPTIONS, earlyStopping: { patience: 0 } })).rejects.toThrow(
      /earlyStopping.patience/,
    );
    const checkpoints: TrainCheckpoint[] = [];
    await train(model, TRAIN, { ...OPTIONS, epochs: 1, onCheckpoint: (c) => void checkpoints.push(c) });
    await expect(
      train(model, TRAIN, { ...OPTIONS, epochs: 3, resumeFrom: checkpoints[0] as TrainCheckpoint }),
    ).rejects.toThrow(/a run of 10 steps, these options make 30/);
    model.dispose();
  });

  it('decodeCheckpoint names the field of a damaged checkpoint', () => {
    const c: TrainCheckpoint = {
      steps: 1,
      totalSteps: 2,
      history: [],
      trainMs: 1,
      namesTrained: 16,
      periodLoss: 0.5,
      periodSteps: 1,
      weights: [Float32Array.of(1, 2, 3)],
      bestWeights: null,
      optimizer: { step: 1, learningRate: 0.1, slots: [Float32Array.of(0, 0, 0)] },
      dropoutRng: new Rng(1).getState(),
      monitor: initialMonitorState(),
      finished: null,
    };
    const { json, data } = encodeCheckpoint(c);
    const round = decodeCheckpoint(JSON.parse(JSON.stringify(json)), data, 'ck.json');
    expect(round.weights).toEqual(c.weights);
    expect(round.monitor.best).toBe(Number.NEGATIVE_INFINITY);
    expect(() => decodeCheckpoint(json, data.subarray(0, 8), 'ck.json')).toThrow(
      new InvalidBundleError('range 0+3 is past the end of the data (2 values)', {
        file: 'ck.json',
        field: 'weights[0]',
      }),
    );
    expect(() => decodeCheckpoint({ ...json, version: 7 }, data, 'ck.json')).toThrow(
      /ck.json field version: unsupported version 7/,
    );
    expect(() => decodeCheckpoint({ ...json, steps: 5 }, data, 'ck.json')).toThrow(
      /field steps: 5 is more than totalSteps 2/,
    );
    expect(() => decodeCheckpoint([], data, 'ck.json')).toThrow(/not a JSON object/);
    expect(() => decodeCheckpoint(json, data.subarray(0, 7), 'ck.json')).toThrow(/whole number of float32/);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { Rng } from '@charrnn/core';
import { CharClassifier } from '@charrnn/layers';
import type { ClassifierConfig } from '@charrnn/layers';
import { Tokenizer } from '@charrnn/tokenizer';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadClassifierBundle, saveClassifierBundle } from './classifier_bundle.js';
import { classifyNames } from './classify_names.js';
import { train } from './train.js';
import type { TrainRunOptions } from './train.js';
import { LABELS, syntheticExamples } from './test-utils/synthetic_names.js';

tf.env().set('IS_TEST', true);

const BASE_CONFIG = { vocabSize: 28, embedDim: 8, hiddenSize: 12, numClasses: 2 };
const CONFIGS: { name: string; config: ClassifierConfig }[] = [
  { name: 'lstm', config: { ...BASE_CONFIG, cell: 'lstm' } },
  { name: 'gru resetAfter', config: { ...BASE_CONFIG, cell: 'gru', resetAfter: true } },
  {
    name: 'bidirectional 2-layer lstm with dropout',
    config: {
      ...BASE_CONFIG,
      cell: 'lstm',
      layers: 2,
      bidirectional: 'concat',
      dropout: 0.1,
      recurrentDropout: 0.1,
    },
  },
];
const TRAIN = syntheticExamples(200, 1);
const VAL = syntheticExamples(100, 2);
const OPTIONS: TrainRunOptions = {
  optimizer: 'adam',
  learningRate: 0.02,
  batchSize: 16,
  sampler: 'shuffle',
  seed: 3,
  labels: LABELS,
  clipNorm: 5,
};

describe.each(['cpu', 'wasm'])('training LSTM / GRU classifiers on the %s backend', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  it.each(CONFIGS)('$name learns the task, with a flat tensor count', async ({ config }) => {
    const model = CharClassifier.create(config, new Rng(1));
    const counts: number[] = [];
    const result = await train(model, TRAIN, {
      ...OPTIONS,
      epochs: 8,
      val: VAL,
      logEvery: 5,
      onEvent: (e) => {
        if (e.type === 'step') counts.push(tf.memory().numTensors);
      },
    });
    expect(result.history.at(-1)?.val?.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(new Set(counts.slice(1)).size).toBe(1);
    model.dispose();
  });

  it('is deterministic with dropout: same seeds, same weights', async () => {
    const config = (CONFIGS[2] as { config: ClassifierConfig }).config;
    const run = async (): Promise<Float32Array[]> => {
      const model = CharClassifier.create(config, new Rng(9));
      await train(model, TRAIN, { ...OPTIONS, iterations: 10 });
      const weights = model.trainableWeights.map((w) => new Float32Array(w.dataSync()));
      model.dispose();
      return weights;
    };
    const [a, b] = [await run(), await run()];
    a.forEach((w, i) => expect(w).toEqual(b[i]));
  });
});

describe('bundles of LSTM / GRU classifiers', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each([...CONFIGS, { name: 'simple', config: { ...BASE_CONFIG, cell: 'simple' } as ClassifierConfig }])(
    '$name: save -> load keeps the configuration and gives identical predictions',
    async ({ config }) => {
      const tokenizer = Tokenizer.tutorial();
      const model = CharClassifier.create({ ...config, vocabSize: tokenizer.vocabSize }, new Rng(5));
      let saved: tf.io.ModelArtifacts | undefined;
      const handler: tf.io.IOHandler = {
        save: (a) => {
          saved = a;
          return Promise.resolve({
            modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' },
          });
        },
        load: () => Promise.resolve(saved as tf.io.ModelArtifacts),
      };
      await saveClassifierBundle(model, tokenizer, LABELS, handler);
      const loaded = await loadClassifierBundle(handler);
      expect(loaded.model.config).toEqual({ ...config, vocabSize: tokenizer.vocabSize });
      const names = ['Nguyen', 'Ślusàrski', 'O’Neal', 'x'.repeat(30)];
      expect(classifyNames(loaded, names, 2)).toEqual(
        classifyNames({ model, tokenizer, labels: LABELS }, names, 2),
      );
      model.dispose();
      loaded.model.dispose();
    },
  );
});

import * as tf from '@tensorflow/tfjs';
import { Rng } from '@charrnn/core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { CharClassifier } from './classifier.js';
import type { IdBatch } from '@charrnn/core';
import type { ClassifierArtifacts } from './classifier.js';
import type { ClassifierConfig } from './classifier_config.js';
import { dropoutMask, repeatOverSteps } from '../cells/dropout_masks.js';
import { gruReference } from '../cells/gru/gru_reference.js';
import { lstmReference } from '../cells/lstm/lstm_reference.js';
import { simpleRnnReference } from '../cells/simple_rnn/simple_rnn_reference.js';
import { softmaxCrossEntropy } from '../ops/softmax_cross_entropy.js';
import {
  BACKENDS,
  maxAbsDiff,
  maxRelDiff,
  useBackend,
  withoutKernelLeakCheck,
} from '../test-utils/tf_test_setup.js';

const BASE = { vocabSize: 12, embedDim: 5, hiddenSize: 6, numClasses: 3 };
const CONFIGS: { name: string; config: ClassifierConfig }[] = [
  { name: 'lstm', config: { ...BASE, cell: 'lstm' } },
  { name: 'gru, 2 layers', config: { ...BASE, cell: 'gru', layers: 2 } },
  {
    name: 'gru resetAfter, bidirectional sum',
    config: { ...BASE, cell: 'gru', resetAfter: true, bidirectional: 'sum' },
  },
  {
    name: 'simple, 2 layers, bidirectional concat',
    config: { ...BASE, cell: 'simple', layers: 2, bidirectional: 'concat' },
  },
  {
    name: 'lstm, 2 layers, bidirectional concat, dropout',
    config: {
      ...BASE,
      cell: 'lstm',
      layers: 2,
      bidirectional: 'concat',
      dropout: 0.3,
      recurrentDropout: 0.2,
    },
  },
];

function batchOf(names: number[][]): IdBatch {
  const maxLen = Math.max(...names.map((n) => n.length));
  const ids = new Int32Array(names.length * maxLen);
  names.forEach((n, r) => ids.set(n, r * maxLen));
  return { ids, lengths: Int32Array.from(names.map((n) => n.length)), batchSize: names.length, maxLen };
}

const NAMES = batchOf([[3, 4, 5, 6], [7], [2, 11, 9], [10, 10, 4, 8, 2, 5]]);
const LABELS = Int32Array.from([0, 2, 1, 2]);

/** Permutation matrix reversing each sequence within its length (autodiff-friendly on every backend). */
function reversal(batch: IdBatch): tf.Tensor2D {
  const N = batch.batchSize * batch.maxLen;
  const P = new Float32Array(N * N);
  for (let r = 0; r < batch.batchSize; r++) {
    const length = batch.lengths[r] as number;
    for (let t = 0; t < batch.maxLen; t++)
      P[(r * batch.maxLen + t) * N + r * batch.maxLen + (t < length ? length - 1 - t : t)] = 1;
  }
  return tf.tensor2d(P, [N, N]);
}

/** The same network from the reference cells, tfjs ops and autodiff; masks drawn as the model draws them. */
function referenceLoss(
  config: ClassifierConfig,
  weights: tf.Tensor[],
  batch: IdBatch,
  dropRng?: Rng,
): tf.Scalar {
  const { batchSize: B, maxLen: T } = batch;
  const H = config.hiddenSize;
  const P = reversal(batch);
  let x: tf.Tensor2D = tf.matMul(
    tf.oneHot(tf.tensor1d(batch.ids, 'int32'), config.vocabSize),
    weights[0] as tf.Tensor2D,
  );
  let width = config.embedDim;
  let w = 1;
  const layers = config.layers ?? 1;
  for (let layer = 0; layer < layers; layer++) {
    if (dropRng !== undefined && (config.dropout ?? 0) > 0)
      x = tf.mul(
        x,
        tf.tensor2d(repeatOverSteps(dropoutMask(dropRng, B, width, config.dropout ?? 0), B, T, width), [
          B * T,
          width,
        ]),
      );
    const returnSequences = layer < layers - 1;
    const outs: tf.Tensor2D[] = [];
    for (let d = 0; d < (config.bidirectional === undefined ? 1 : 2); d++) {
      const [W, U, b] = weights.slice(w, w + 3) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor];
      w += 3;
      const options = {
        returnSequences,
        ...(dropRng !== undefined && (config.recurrentDropout ?? 0) > 0
          ? { recurrentDropoutMask: dropoutMask(dropRng, B, H, config.recurrentDropout ?? 0) }
          : {}),
      };
      const input: tf.Tensor2D = d === 0 ? x : tf.matMul(P, x);
      let y =
        config.cell === 'lstm'
          ? lstmReference(input, W, U, b as tf.Tensor1D, batch, options)
          : config.cell === 'gru'
            ? gruReference(input, W, U, b, batch, { ...options, resetAfter: config.resetAfter === true })
            : simpleRnnReference(input, W, U, b as tf.Tensor1D, batch, options);
      if (d === 1 && returnSequences) y = tf.matMul(P, y);
      outs.push(y);
    }
    x =
      outs.length === 1
        ? (outs[0] as tf.Tensor2D)
        : config.bidirectional === 'sum'
          ? tf.add(outs[0] as tf.Tensor2D, outs[1] as tf.Tensor2D)
          : tf.concat(outs, 1);
    width = config.bidirectional === 'concat' ? 2 * H : H;
  }
  const logits = tf.add(tf.matMul(x, weights[w] as tf.Tensor2D), weights[w + 1] as tf.Tensor);
  return withoutKernelLeakCheck(
    () =>
      tf.losses.softmaxCrossEntropy(
        tf.oneHot(tf.tensor1d(LABELS, 'int32'), config.numClasses),
        logits,
      ) as tf.Scalar,
  );
}

async function saveWith(model: tf.LayersModel): Promise<ClassifierArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = saved as tf.io.ModelArtifacts;
  return {
    modelTopology: a.modelTopology as object,
    weightSpecs: a.weightSpecs as tf.io.WeightsManifestEntry[],
    weightData: a.weightData as ArrayBuffer,
  };
}

/** The same architecture built with tfjs-layers (its own random weights and layer names). */
function tflModel(config: ClassifierConfig): tf.Sequential {
  const rnn = (returnSequences: boolean): tf.RNN => {
    const args = { units: config.hiddenSize, returnSequences };
    if (config.cell === 'lstm') return tf.layers.lstm({ ...args, recurrentActivation: 'sigmoid' });
    if (config.cell === 'gru') return tf.layers.gru({ ...args, recurrentActivation: 'sigmoid' });
    return tf.layers.simpleRNN(args);
  };
  const layers = config.layers ?? 1;
  return tf.sequential({
    layers: [
      tf.layers.embedding({
        inputDim: config.vocabSize,
        outputDim: config.embedDim,
        maskZero: true,
        inputShape: [null],
      }),
      ...Array.from({ length: layers }, (_, i) => {
        const layer = rnn(i < layers - 1);
        return config.bidirectional === undefined
          ? layer
          : tf.layers.bidirectional({ layer, mergeMode: config.bidirectional });
      }),
      tf.layers.dense({ units: config.numClasses, activation: 'softmax' }),
    ],
  });
}

function tflPredict(model: tf.LayersModel, batch: IdBatch): Float32Array {
  const out = tf.tidy(
    () => model.predict(tf.tensor2d(batch.ids, [batch.batchSize, batch.maxLen], 'int32')) as tf.Tensor,
  );
  const values = new Float32Array(out.dataSync());
  out.dispose();
  return values;
}

describe.each(BACKENDS)('CharClassifier cells on the %s backend', (backend) => {
  let available = false;
  beforeAll(async () => {
    available = await useBackend(backend);
  });

  describe.each(CONFIGS)('$name', ({ config }) => {
    it('gives a name the same probabilities alone as padded in a batch', () => {
      if (!available) return;
      const model = CharClassifier.create(config, new Rng(7));
      const batched = model.predictProba(NAMES);
      const alone = model.predictProba(batchOf([[2, 11, 9]]));
      expect(maxAbsDiff(alone, batched.subarray(2 * 3, 3 * 3))).toBeLessThanOrEqual(1e-6);
      model.dispose();
    });

    it('has the loss and gradient of the same network built from reference cells and autodiff', () => {
      if (!available) return;
      const model = CharClassifier.create(config, new Rng(8));
      const training = (config.dropout ?? 0) > 0 || (config.recurrentDropout ?? 0) > 0;
      const { value, grads } = tf.variableGrads(
        () =>
          softmaxCrossEntropy(
            model.logits(
              NAMES.ids,
              NAMES.lengths,
              NAMES.batchSize,
              NAMES.maxLen,
              training ? { training, rng: new Rng(5) } : {},
            ),
            LABELS,
          ),
        model.trainableWeights,
      );
      const reference = tf.grads((...w) =>
        referenceLoss(config, w, NAMES, training ? new Rng(5) : undefined),
      )(model.trainableWeights);
      const refLoss = tf.tidy(() =>
        referenceLoss(config, model.trainableWeights, NAMES, training ? new Rng(5) : undefined),
      );
      expect(value.dataSync()[0]).toBeCloseTo(refLoss.dataSync()[0] as number, 6);
      model.trainableWeights.forEach((w, i) =>
        expect(
          maxRelDiff((grads[w.name] as tf.Tensor).dataSync(), (reference[i] as tf.Tensor).dataSync()),
          `weight ${i}`,
        ).toBeLessThanOrEqual(1e-5),
      );
      tf.dispose([value, refLoss, ...Object.values(grads), ...reference]);
      model.dispose();
    });

    it('leaks no tensors across training steps and predictions', () => {
      if (!available) return;
      const model = CharClassifier.create(config, new Rng(9));
      const rng = new Rng(1);
      const step = (): void => {
        const { value, grads } = tf.variableGrads(
          () =>
            softmaxCrossEntropy(
              model.logits(NAMES.ids, NAMES.lengths, NAMES.batchSize, NAMES.maxLen, { training: true, rng }),
              LABELS,
            ),
          model.trainableWeights,
        );
        tf.dispose([value, ...Object.values(grads)]);
        model.predictProba(NAMES);
      };
      step();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) step();
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    });

    it.skipIf(config.resetAfter === true)(
      'exports a model.json that tfjs-layers loads and predicts with identically (≤ 1e-5)',
      async () => {
        if (!available) return;
        const model = CharClassifier.create(config, new Rng(10));
        const layersModel = await tf.loadLayersModel(
          tf.io.fromMemory({ ...model.toArtifacts(), format: 'layers-model' }),
        );
        expect(maxAbsDiff(tflPredict(layersModel, NAMES), model.predictProba(NAMES))).toBeLessThanOrEqual(
          1e-5,
        );
        layersModel.dispose();
        model.dispose();
      },
    );

    it.skipIf(config.resetAfter === true)(
      'imports a model built and saved by tfjs-layers, with the same outputs',
      async () => {
        if (!available) return;
        const layersModel = tflModel(config);
        const artifacts = await saveWith(layersModel);
        const model = CharClassifier.fromArtifacts(artifacts, { simpleCell: 'simple' });
        const { dropout: _d, recurrentDropout: _r, ...architecture } = config;
        expect(model.config).toEqual(architecture);
        expect(maxAbsDiff(model.predictProba(NAMES), tflPredict(layersModel, NAMES))).toBeLessThanOrEqual(
          1e-5,
        );
        layersModel.dispose();
        model.dispose();
      },
    );

    it('round-trips bit-exactly through toArtifacts / fromArtifacts', () => {
      if (!available) return;
      const model = CharClassifier.create(config, new Rng(4));
      const a = model.toArtifacts();
      const copy = CharClassifier.fromArtifacts(
        {
          modelTopology: JSON.parse(JSON.stringify(a.modelTopology)) as object,
          weightSpecs: a.weightSpecs,
          weightData: a.weightData.slice(0),
        },
        { simpleCell: 'simple' },
      );
      expect(copy.config).toEqual(config);
      expect(copy.predictProba(NAMES)).toEqual(model.predictProba(NAMES));
      [model, copy].forEach((m) => m.dispose());
    });
  });
});

describe('CharClassifier cells: configuration and dropout', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('initialises an LSTM with forget-gate biases 1 (unitForgetBias) and an orthogonal-row recurrent kernel', () => {
    const model = CharClassifier.create({ ...BASE, cell: 'lstm' }, new Rng(2));
    const H = BASE.hiddenSize;
    const bias = Array.from(model.trainableWeights[3]?.dataSync() ?? []);
    expect(bias).toEqual([...Array(H).fill(0), ...Array(H).fill(1), ...Array(2 * H).fill(0)]);
    const U = model.trainableWeights[2] as tf.Variable;
    const gram = tf.tidy(() => tf.matMul(U, tf.transpose(U)));
    expect(maxAbsDiff(gram.dataSync(), tf.eye(H).dataSync())).toBeLessThanOrEqual(1e-5);
    gram.dispose();
    model.dispose();
    const plain = CharClassifier.create({ ...BASE, cell: 'lstm', unitForgetBias: false }, new Rng(2));
    expect(Array.from(plain.trainableWeights[3]?.dataSync() ?? []).every((v) => v === 0)).toBe(true);
    plain.dispose();
  });

  it('applies dropout only in training, deterministically from the rng', () => {
    const config: ClassifierConfig = { ...BASE, cell: 'gru', dropout: 0.5, recurrentDropout: 0.5 };
    const model = CharClassifier.create(config, new Rng(3));
    const run = (options: { training?: boolean; rng?: Rng }): Float32Array => {
      const logits = model.logits(NAMES.ids, NAMES.lengths, NAMES.batchSize, NAMES.maxLen, options);
      const values = new Float32Array(logits.dataSync());
      logits.dispose();
      return values;
    };
    const inference = run({});
    expect(run({ training: false, rng: new Rng(1) })).toEqual(inference);
    const a = run({ training: true, rng: new Rng(1) });
    expect(run({ training: true, rng: new Rng(1) })).toEqual(a);
    expect(maxAbsDiff(a, inference)).toBeGreaterThan(1e-3);
    expect(() => run({ training: true })).toThrow('field rng: training with dropout needs an rng');
    model.dispose();
  });

  it('rejects invalid options, naming the field', () => {
    expect(() => CharClassifier.create({ ...BASE, cell: 'lstm', resetAfter: true }, new Rng(1))).toThrow(
      'field resetAfter: resetAfter applies to the gru cell only',
    );
    expect(() => CharClassifier.create({ ...BASE, cell: 'gru', dropout: 1 }, new Rng(1))).toThrow(
      'field dropout: dropout must be in [0, 1), got 1',
    );
    expect(() => CharClassifier.create({ ...BASE, cell: 'gru', layers: 0 }, new Rng(1))).toThrow(
      'field layers: layers must be an integer in [1, 64], got 0',
    );
  });

  it('reads an LSTM saved with tfjs-layers’ default hard_sigmoid and predicts as tfjs-layers does', async () => {
    const layersModel = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 12, outputDim: 5, maskZero: true, inputShape: [null] }),
        tf.layers.lstm({ units: 4 }),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    const artifacts = await saveWith(layersModel);
    const model = CharClassifier.fromArtifacts(artifacts);
    expect(model.config.recurrentActivation).toBe('hard_sigmoid');
    const batch = {
      ids: Int32Array.from([3, 7, 2, 0, 5, 11, 9, 4]),
      lengths: Int32Array.from([3, 4]),
      batchSize: 2,
      maxLen: 4,
    };
    const theirs = tf.tidy(() =>
      (layersModel.predict(tf.tensor2d(batch.ids, [2, 4], 'int32')) as tf.Tensor).dataSync(),
    );
    const ours = model.predictProba(batch);
    ours.forEach((p, i) => expect(Math.abs(p - (theirs[i] as number))).toBeLessThanOrEqual(1e-6));
    // It writes the activation back, so the round trip keeps it.
    expect(CharClassifier.fromArtifacts(model.toArtifacts()).config.recurrentActivation).toBe('hard_sigmoid');
    model.dispose();
    const topology = JSON.parse(JSON.stringify(artifacts.modelTopology)) as {
      config: { layers: { config: Record<string, unknown> }[] };
    };
    (topology.config.layers[1] as { config: Record<string, unknown> }).config['recurrent_activation'] =
      'relu';
    expect(() => CharClassifier.fromArtifacts({ ...artifacts, modelTopology: topology })).toThrow(
      'field modelTopology.config.layers[1].config.recurrent_activation: must be "sigmoid" or "hard_sigmoid", got "relu"',
    );
    layersModel.dispose();
  });
});

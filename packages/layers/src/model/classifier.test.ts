import * as tf from '@tensorflow/tfjs';
import { Rng } from '@charrnn/core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { CharClassifier } from './classifier.js';
import type { IdBatch } from '@charrnn/core';
import type { ClassifierArtifacts } from './classifier.js';
import type { ClassifierConfig } from './classifier_config.js';
import { simpleRnnReference } from '../cells/simple_rnn/simple_rnn_reference.js';
import { softmaxCrossEntropy } from '../ops/softmax_cross_entropy.js';
import {
  BACKENDS,
  maxAbsDiff,
  maxRelDiff,
  useBackend,
  withoutKernelLeakCheck,
} from '../test-utils/tf_test_setup.js';

const CONFIG: ClassifierConfig = { cell: 'rnn', vocabSize: 12, embedDim: 5, hiddenSize: 8, numClasses: 3 };

/** Right-pads `names` (arrays of ids ≥ 1) with PAD = 0, like Tokenizer.encodeBatch. */
function batchOf(names: number[][]): IdBatch {
  const maxLen = Math.max(...names.map((n) => n.length));
  const ids = new Int32Array(names.length * maxLen);
  names.forEach((n, r) => ids.set(n, r * maxLen));
  return { ids, lengths: Int32Array.from(names.map((n) => n.length)), batchSize: names.length, maxLen };
}

const NAMES = batchOf([[3, 4, 5, 6], [7], [2, 11, 9], [10, 10, 4, 8, 2, 5]]);
const LABELS = Int32Array.from([0, 2, 1, 2]);

function weightsOf(model: CharClassifier): Float32Array[] {
  return model.trainableWeights.map((w) => new Float32Array(w.dataSync()));
}

/** Same network from tfjs ops and autodiff: lookup → reference RNN → matMul → cross-entropy. */
function referenceLoss(weights: tf.Tensor[], batch: IdBatch, labels: Int32Array): tf.Scalar {
  const [E, Wx, Wh, b, Wd, bd] = weights as [
    tf.Tensor2D,
    tf.Tensor2D,
    tf.Tensor2D,
    tf.Tensor1D,
    tf.Tensor2D,
    tf.Tensor1D,
  ];
  // onehot·E rather than gather: gather's gradient needs UnsortedSegmentSum, which wasm lacks.
  const x: tf.Tensor2D = tf.matMul(tf.oneHot(tf.tensor1d(batch.ids, 'int32'), CONFIG.vocabSize), E);
  const h = simpleRnnReference(x, Wx, Wh, b, batch);
  const logits = tf.add(tf.matMul(h, Wd), bd);
  // tfjs' own loss saves intermediates in a customGrad too: see withoutKernelLeakCheck.
  return withoutKernelLeakCheck(
    () =>
      tf.losses.softmaxCrossEntropy(
        tf.oneHot(tf.tensor1d(labels, 'int32'), CONFIG.numClasses),
        logits,
      ) as tf.Scalar,
  );
}

describe('CharClassifier.create', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('is deterministic in the seed', () => {
    const [a, b, c] = [1, 1, 2].map((seed) => CharClassifier.create(CONFIG, new Rng(seed)));
    weightsOf(a as CharClassifier).forEach((w, i) => expect(w).toEqual(weightsOf(b as CharClassifier)[i]));
    expect(weightsOf(a as CharClassifier)[1]).not.toEqual(weightsOf(c as CharClassifier)[1]);
    [a, b, c].forEach((m) => m?.dispose());
  });

  it('initialises as documented: U(±0.05) embeddings, Glorot kernels, orthogonal recurrent kernel, zero biases', () => {
    const model = CharClassifier.create({ ...CONFIG, hiddenSize: 16 }, new Rng(3));
    const [E, Wx, Wh, b, Wd, bd] = weightsOf(model) as [
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    expect(Math.max(...E.map(Math.abs))).toBeLessThanOrEqual(0.05);
    expect(Math.max(...Wx.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / (5 + 16)));
    expect(Math.max(...Wd.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / (16 + 3)));
    expect(Math.max(...Wx.map(Math.abs))).toBeGreaterThan(0.5 * Math.sqrt(6 / (5 + 16)));
    expect([...b, ...bd].every((v) => v === 0)).toBe(true);
    const gram = tf.tidy(() => {
      const w = tf.tensor2d(Wh, [16, 16]);
      return tf.matMul(tf.transpose(w), w);
    });
    expect(maxAbsDiff(gram.dataSync(), tf.eye(16).dataSync())).toBeLessThanOrEqual(1e-5);
    gram.dispose();
    model.dispose();
  });

  it('rejects an invalid configuration, naming the field', () => {
    expect(() => CharClassifier.create({ ...CONFIG, hiddenSize: 0 }, new Rng(1))).toThrow(
      'field hiddenSize: hiddenSize must be a positive integer, got 0',
    );
    expect(() => CharClassifier.create({ ...CONFIG, cell: 'conv' as 'rnn' }, new Rng(1))).toThrow(
      'field cell: unsupported cell "conv" (supported: "rnn", "simple", "lstm", "gru")',
    );
    expect(() => CharClassifier.create({ ...CONFIG, numClasses: 1 }, new Rng(1))).toThrow(
      'field numClasses: numClasses must be at least 2, got 1',
    );
  });
});

describe.each(BACKENDS)('CharClassifier on the %s backend', (backend) => {
  let available = false;
  beforeAll(async () => {
    available = await useBackend(backend);
  });

  it('gives a name the same logits alone as padded in a batch', () => {
    if (!available) return;
    const model = CharClassifier.create(CONFIG, new Rng(7));
    const batched = model.predictProba(NAMES);
    const alone = model.predictProba(batchOf([[2, 11, 9]]));
    expect(maxAbsDiff(alone, batched.subarray(2 * 3, 3 * 3))).toBeLessThanOrEqual(1e-6);
    model.dispose();
  });

  it('has the gradient of the same network built from tfjs ops and autodiff', () => {
    if (!available) return;
    const model = CharClassifier.create(CONFIG, new Rng(8));
    const { value, grads } = tf.variableGrads(
      () =>
        softmaxCrossEntropy(model.logits(NAMES.ids, NAMES.lengths, NAMES.batchSize, NAMES.maxLen), LABELS),
      model.trainableWeights,
    );
    const reference = tf.grads((...w) => referenceLoss(w, NAMES, LABELS))(model.trainableWeights);
    const refLoss = tf.tidy(() => referenceLoss(model.trainableWeights, NAMES, LABELS));
    expect(value.dataSync()[0]).toBeCloseTo(refLoss.dataSync()[0] as number, 6);
    model.trainableWeights.forEach((w, i) => {
      expect(
        maxRelDiff((grads[w.name] as tf.Tensor).dataSync(), (reference[i] as tf.Tensor).dataSync()),
        `weight ${i}`,
      ).toBeLessThanOrEqual(1e-5);
    });
    tf.dispose([value, refLoss, ...Object.values(grads), ...reference]);
    model.dispose();
  });

  it('leaks no tensors across logits, gradients and predictions', () => {
    if (!available) return;
    const model = CharClassifier.create(CONFIG, new Rng(9));
    const step = (): void => {
      const { value, grads } = tf.variableGrads(
        () =>
          softmaxCrossEntropy(model.logits(NAMES.ids, NAMES.lengths, NAMES.batchSize, NAMES.maxLen), LABELS),
        model.trainableWeights,
      );
      tf.dispose([value, ...Object.values(grads)]);
      model.predictProba(NAMES);
      tf.tidy(() => model.logits(NAMES.ids, NAMES.lengths, NAMES.batchSize, NAMES.maxLen)).dispose();
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('exports weights that tfjs-layers loads and predicts with identically (≤ 1e-5)', async () => {
    if (!available) return;
    const model = CharClassifier.create(CONFIG, new Rng(10));
    const artifacts = model.toArtifacts();
    const layersModel = await tf.loadLayersModel(tf.io.fromMemory({ ...artifacts, format: 'layers-model' }));
    const theirs = tf.tidy(
      () =>
        layersModel.predict(tf.tensor2d(NAMES.ids, [NAMES.batchSize, NAMES.maxLen], 'int32')) as tf.Tensor,
    );
    expect(maxAbsDiff(theirs.dataSync(), model.predictProba(NAMES))).toBeLessThanOrEqual(1e-5);
    theirs.dispose();
    layersModel.dispose();
    model.dispose();
  });
});

describe('CharClassifier artifacts', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('writes the topology JSON tfjs-layers 4.22 writes for the same model', () => {
    const model = CharClassifier.create(CONFIG, new Rng(1));
    const glorot = tf.initializers.glorotUniform({});
    const reference = tf.sequential({
      name: 'sequential',
      layers: [
        tf.layers.embedding({
          name: 'embedding',
          inputDim: 12,
          outputDim: 5,
          maskZero: true,
          batchInputShape: [null, null],
          embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05 }),
        }),
        tf.layers.simpleRNN({
          name: 'simple_rnn',
          units: 8,
          kernelInitializer: glorot,
          recurrentInitializer: tf.initializers.orthogonal({}),
        }),
        tf.layers.dense({ name: 'dense', units: 3, activation: 'softmax', kernelInitializer: glorot }),
      ],
    });
    expect(model.toArtifacts().modelTopology).toEqual(reference.toJSON(null, false));
    const weightNames = reference.weights.map((w) => w.originalName);
    expect(model.toArtifacts().weightSpecs.map((s) => s.name)).toEqual(weightNames);
    reference.dispose();
    model.dispose();
  });

  it('round-trips bit-exactly through toArtifacts / fromArtifacts, whatever the weight order', () => {
    const model = CharClassifier.create(CONFIG, new Rng(4));
    const artifacts = model.toArtifacts();
    // As if read from disk: JSON parsed, bytes copied.
    const copy = CharClassifier.fromArtifacts({
      modelTopology: JSON.parse(JSON.stringify(artifacts.modelTopology)) as object,
      weightSpecs: JSON.parse(JSON.stringify(artifacts.weightSpecs)) as ClassifierArtifacts['weightSpecs'],
      weightData: artifacts.weightData.slice(0),
    });
    expect(copy.config).toEqual(CONFIG);
    weightsOf(copy).forEach((w, i) => expect(w).toEqual(weightsOf(model)[i]));
    expect(copy.predictProba(NAMES)).toEqual(model.predictProba(NAMES));

    // Same weights listed (and stored) in reverse order.
    const reversedSpecs = [...artifacts.weightSpecs].reverse();
    const values = weightsOf(model).reverse();
    const data = new Float32Array(values.reduce((n, v) => n + v.length, 0));
    values.reduce((offset, v) => (data.set(v, offset), offset + v.length), 0);
    const reordered = CharClassifier.fromArtifacts({
      modelTopology: artifacts.modelTopology,
      weightSpecs: reversedSpecs,
      weightData: data.buffer,
    });
    expect(reordered.predictProba(NAMES)).toEqual(model.predictProba(NAMES));
    [model, copy, reordered].forEach((m) => m.dispose());
  });

  it('rejects artifacts that do not fit, naming the field', () => {
    const model = CharClassifier.create(CONFIG, new Rng(4));
    const a = model.toArtifacts();
    model.dispose();
    expect(() => CharClassifier.fromArtifacts({ ...a, weightData: a.weightData.slice(4) })).toThrow(
      'field weightData: weightData holds',
    );
    expect(() =>
      CharClassifier.fromArtifacts({
        ...a,
        weightSpecs: a.weightSpecs.map((s) => (s.name === 'dense/bias' ? { ...s, name: 'dense/b' } : s)),
      }),
    ).toThrow('field weightSpecs: weight "dense/bias" is missing');
    const lstm = JSON.parse(JSON.stringify(a.modelTopology)) as {
      config: { layers: { class_name: string }[] };
    };
    (lstm.config.layers[1] as { class_name: string }).class_name = 'Conv1D';
    expect(() => CharClassifier.fromArtifacts({ ...a, modelTopology: lstm })).toThrow(
      'field modelTopology.config.layers[1]: expected a SimpleRNN or LSTM or GRU or Bidirectional layer',
    );
  });
});

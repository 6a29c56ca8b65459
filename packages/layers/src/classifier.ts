import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, InvalidBundleError } from '@charrnn/core';
import type { Rng } from '@charrnn/core';
import { checkClassifierConfig } from './classifier_config.js';
import type { ClassifierConfig } from './classifier_config.js';
import { dense } from './dense.js';
import { embeddingLookup } from './embedding.js';
import { glorotUniform, orthogonal, randomUniform } from './initializers.js';
import { configFromTopology, sequentialTopology, weightLayout } from './layers_model_json.js';
import { simpleRnn } from './simple_rnn.js';

/** A batch of right-padded token ids, as `Tokenizer.encodeBatch` and `collate` produce it. */
export interface IdBatch {
  /** `[batchSize * maxLen]`, row-major, PAD (0) after each sequence's end. */
  ids: Int32Array;
  /** Valid length of each sequence. */
  lengths: Int32Array;
  /** Number of sequences. */
  batchSize: number;
  /** Row width: the longest sequence's length. */
  maxLen: number;
}

/** A model in the Layers format: topology JSON plus weights (what a `model.json` holds). */
export interface ClassifierArtifacts {
  /** tfjs-layers `Sequential` topology JSON. */
  modelTopology: object;
  /** Weight names, shapes and dtypes, in the order their bytes appear in `weightData`. */
  weightSpecs: tf.io.WeightsManifestEntry[];
  /** All weights as little-endian float32, concatenated in `weightSpecs` order. */
  weightData: ArrayBuffer;
}

/**
 * Character-level name classifier: embedding → tutorial RNN (tanh) → dense, the whole forward
 * pass made of custom-gradient ops, so it trains with `tf.variableGrads` on any backend with
 * only `@tensorflow/tfjs-core` (no registered gradients).
 *
 * ```
 * x_t    = E[id_t]                                   embedding, [vocab, embed]
 * h_t    = tanh(x_t·Wx + h_{t−1}·Wh + b)  (t < length, then carried)
 * logits = h_length·Wd + bd
 * ```
 *
 * Weights use the Keras layout, so {@link CharClassifier.toArtifacts} exports a model that
 * `tf.loadLayersModel` loads and that predicts the same probabilities.
 *
 * @example
 * ```ts
 * const model = CharClassifier.create({ cell: 'rnn', vocabSize: 59, embedDim: 64, hiddenSize: 128, numClasses: 18 }, new Rng(1));
 * const batch = tokenizer.encodeBatch(['Satoshi', 'Nguyen']);
 * const probs = model.predictProba(batch); // Float32Array [2 * 18]
 * model.dispose();
 * ```
 */
export class CharClassifier {
  /** The architecture. */
  readonly config: ClassifierConfig;
  /** `[E, Wx, Wh, b, Wd, bd]` in Keras order (see {@link CharClassifier.toArtifacts}). */
  readonly trainableWeights: tf.Variable[];

  private constructor(config: ClassifierConfig, values: Float32Array[]) {
    this.config = { ...config };
    this.trainableWeights = weightLayout(config).map(({ shape }, i) =>
      // tidy disposes the initial tensor; the variable keeps (and owns) its data.
      tf.tidy(() => tf.variable(tf.tensor(values[i] as Float32Array, shape), true)),
    );
  }

  /**
   * A freshly initialised model; the same `rng` state gives the same weights. Initialisers
   * (Keras defaults): embeddings U(−0.05, 0.05); input and output kernels Glorot uniform;
   * recurrent kernel orthogonal; biases zero. They draw from `rng` in that order.
   * @throws InvalidConfigError naming the bad field
   */
  static create(config: ClassifierConfig, rng: Rng): CharClassifier {
    checkClassifierConfig(config);
    const { vocabSize: V, embedDim: E, hiddenSize: H, numClasses: C } = config;
    return new CharClassifier(config, [
      randomUniform(rng, V * E, 0.05),
      glorotUniform(rng, E, H),
      orthogonal(rng, H),
      new Float32Array(H),
      glorotUniform(rng, H, C),
      new Float32Array(C),
    ]);
  }

  /**
   * Unnormalised class scores `[batchSize, numClasses]`. Differentiable with respect to
   * {@link CharClassifier.trainableWeights} through hand-written gradients (wrap in
   * `tf.variableGrads` to train). A name gives the same logits alone or padded in a batch.
   *
   * @param ids `[batchSize * maxLen]` right-padded token ids
   * @param lengths valid length of each sequence
   * @throws InvalidArgumentError when the sizes do not fit together or an id is out of range
   */
  logits(ids: Int32Array, lengths: Int32Array, batchSize: number, maxLen: number): tf.Tensor2D {
    if (ids.length !== batchSize * maxLen)
      throw new InvalidArgumentError(
        `ids has ${ids.length} entries, expected batchSize * maxLen = ${batchSize * maxLen}`,
        { field: 'ids' },
      );
    const [E, Wx, Wh, b, Wd, bd] = this.trainableWeights as [
      tf.Variable<tf.Rank.R2>,
      tf.Variable<tf.Rank.R2>,
      tf.Variable<tf.Rank.R2>,
      tf.Variable<tf.Rank.R1>,
      tf.Variable<tf.Rank.R2>,
      tf.Variable<tf.Rank.R1>,
    ];
    return tf.tidy(() => {
      const x = embeddingLookup(E, ids);
      const h = simpleRnn(x, Wx, Wh, b, { lengths, batchSize, maxLen });
      return dense(h, Wd, bd);
    });
  }

  /** Class probabilities (softmax of the logits), `[batchSize * numClasses]` row-major. */
  predictProba(batch: IdBatch): Float32Array {
    const probs = tf.tidy(() =>
      tf.softmax(this.logits(batch.ids, batch.lengths, batch.batchSize, batch.maxLen)),
    );
    // Copied outside the tidy: a typed array returned from tidy is scanned element by element.
    const out = new Float32Array(probs.dataSync());
    probs.dispose();
    return out;
  }

  /**
   * The model in the Layers format (Keras layout): a `Sequential` topology of
   * Embedding(mask_zero) → SimpleRNN → Dense(softmax) and its float32 weights, loadable with
   * `tf.loadLayersModel(tf.io.fromMemory(...))` and by {@link CharClassifier.fromArtifacts}.
   */
  toArtifacts(): ClassifierArtifacts {
    const layout = weightLayout(this.config);
    const values = this.trainableWeights.map((v) => v.dataSync() as Float32Array);
    const weightData = new Float32Array(values.reduce((n, v) => n + v.length, 0));
    let offset = 0;
    for (const v of values) {
      weightData.set(v, offset);
      offset += v.length;
    }
    return {
      modelTopology: sequentialTopology(this.config),
      weightSpecs: layout.map(({ name, shape }) => ({ name, shape, dtype: 'float32' as const })),
      weightData: weightData.buffer,
    };
  }

  /**
   * Rebuilds a model from {@link CharClassifier.toArtifacts}' output (or an equivalent Keras
   * model). Weights are matched by name; their order in `weightSpecs` is free.
   * @throws InvalidBundleError naming the field that does not fit
   */
  static fromArtifacts(artifacts: ClassifierArtifacts): CharClassifier {
    const config = configFromTopology(artifacts.modelTopology);
    const specs: unknown = artifacts.weightSpecs;
    if (!Array.isArray(specs))
      throw new InvalidBundleError('weightSpecs must be an array', { field: 'weightSpecs' });
    const bytes = artifacts.weightData;
    const found = new Map<string, Float32Array>();
    let offset = 0;
    for (const [i, spec] of (specs as tf.io.WeightsManifestEntry[]).entries()) {
      const field = `weightSpecs[${i}]`;
      if (spec.dtype !== 'float32')
        throw new InvalidBundleError(`dtype must be float32, got ${JSON.stringify(spec.dtype)}`, {
          field: `${field}.dtype`,
        });
      if (!Array.isArray(spec.shape) || !spec.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
        throw new InvalidBundleError('shape must be an array of non-negative integers', {
          field: `${field}.shape`,
        });
      }
      const size = spec.shape.reduce((n, d) => n * d, 1);
      if (offset + size * 4 > bytes.byteLength)
        throw new InvalidBundleError(
          `weightData holds ${bytes.byteLength} bytes, too few for the weights listed`,
          { field: 'weightData' },
        );
      found.set(spec.name, new Float32Array(bytes.slice(offset, offset + size * 4)));
      offset += size * 4;
    }
    if (offset !== bytes.byteLength)
      throw new InvalidBundleError(
        `weightData holds ${bytes.byteLength} bytes, the weights listed need ${offset}`,
        { field: 'weightData' },
      );
    const values = weightLayout(config).map(({ name, shape }) => {
      const value = found.get(name);
      if (value === undefined)
        throw new InvalidBundleError(`weight "${name}" is missing`, { field: 'weightSpecs' });
      const size = shape.reduce((n, d) => n * d, 1);
      if (value.length !== size)
        throw new InvalidBundleError(
          `weight "${name}" has ${value.length} values, expected shape [${shape.join(', ')}]`,
          { field: 'weightSpecs' },
        );
      return value;
    });
    return new CharClassifier(config, values);
  }

  /** Frees the weights. The model is unusable afterwards. */
  dispose(): void {
    for (const v of this.trainableWeights) v.dispose();
  }
}

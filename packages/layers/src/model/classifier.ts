import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, InvalidBundleError } from '@charrnn/core';
import type { IdBatch, Rng } from '@charrnn/core';
import { averagedConfig, averagedWeights, sharedConfig } from './average_classifiers.js';
import { checkClassifierConfig, gateCount, recurrentOutputSize } from './classifier_config.js';
import { ClassifierInference } from './classifier_inference.js';
import type { ClassifierConfig } from './classifier_config.js';
import { dense } from '../ops/dense.js';
import { dropoutMask, repeatOverSteps } from '../cells/dropout_masks.js';
import { checkIds, embeddingLookup } from '../ops/embedding.js';
import { gru } from '../cells/gru/gru.js';
import { glorotUniform, orthogonal, randomUniform } from './initializers.js';
import { parseTopology, sequentialTopology, weightLayout } from './layers_model_json.js';
import type { ModelNames } from './layers_model_json.js';
import { lstm } from '../cells/lstm/lstm.js';
import { lstmEmbeddedJs } from '../cells/lstm/lstm_js.js';
import { mergeDirections, multiplyByMask } from '../ops/merge_ops.js';
import { NGRAM_BIAS, NGRAM_KERNEL, NgramHead } from './ngram_head.js';
import type { RecurrentActivation } from '../cells/recurrent_activation.js';
import type { RecurrentOptions } from '../cells/recurrent_options.js';
import { resolvePath } from '../backend_path.js';
import { inferenceSimdKernels } from '../kernels/simd_kernels.js';
import { reverseIds, reverseSequences } from '../cells/reverse_sequences.js';
import type { SequenceShape } from '../cells/sequence_shape.js';
import { simpleRnn } from '../cells/simple_rnn/simple_rnn.js';

/** A model in the Layers format: topology JSON plus weights (what a `model.json` holds). */
export interface ClassifierArtifacts {
  /** tfjs-layers `Sequential` topology JSON. */
  modelTopology: object;
  /** Weight names, shapes and dtypes, in the order their bytes appear in `weightData`. */
  weightSpecs: tf.io.WeightsManifestEntry[];
  /** All weights as little-endian float32, concatenated in `weightSpecs` order. */
  weightData: ArrayBuffer;
}

/** Options of {@link CharClassifier.logits}. */
export interface LogitsOptions {
  /** Training pass: applies the configured dropout (needs `rng`). Default false. */
  training?: boolean;
  /** Draws the dropout masks (the same `rng` state gives the same masks). */
  rng?: Rng;
}

/** Optional hints for {@link CharClassifier.fromArtifacts}. */
export interface FromArtifactsOptions {
  /** Name a SimpleRNN topology reads back as: `'rnn'` (default) or `'simple'` (the same function). */
  simpleCell?: 'rnn' | 'simple';
  /**
   * The JSON part of an n-gram head saved with the weights (`toArtifacts({ ngramHead: true })`):
   * the head is rebuilt from it and the `ngram/kernel` and `ngram/bias` weights, and attached.
   */
  ngram?: unknown;
  /** Where `ngram` came from, for error messages (default `'ngram'`). */
  ngramField?: string;
}

/** Options of {@link CharClassifier.toArtifacts}. */
export interface ToArtifactsOptions {
  /**
   * Also write an attached n-gram head's weights (`ngram/kernel`, `ngram/bias`, after the
   * recurrent model's); its JSON part is `model.ngramHead.toJSON()`. Such artifacts are no longer
   * a plain tfjs-layers model. Default false.
   */
  ngramHead?: boolean;
}

/**
 * Character-level name classifier: embedding → recurrent layers (tutorial RNN / SimpleRNN, LSTM
 * or GRU; stacked, optionally bidirectional) → dense, the whole forward pass made of
 * custom-gradient ops, so it trains with `tf.variableGrads` on any backend with only
 * `@tensorflow/tfjs-core` (no registered gradients).
 *
 * ```
 * x_t    = E[id_t]                                   embedding, [vocab, embed]
 * h_t    = cell(x_t, h_{t−1})   (t < length, then carried; see simpleRnn, lstm, gru)
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
  private head: NgramHead | undefined;
  /** The forward-only prediction path (cpu/wasm with the SIMD kernels), made on first use. */
  private inference: ClassifierInference | undefined;

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
   * recurrent kernels orthogonal; biases zero, except an LSTM's forget-gate bias, 1 unless
   * `unitForgetBias` is false. They draw from `rng` in weight order.
   * @throws InvalidConfigError naming the bad field
   */
  static create(config: ClassifierConfig, rng: Rng): CharClassifier {
    checkClassifierConfig(config);
    const { vocabSize: V, embedDim: E, hiddenSize: H, numClasses: C } = config;
    const G = gateCount(config.cell) * H;
    const values = [randomUniform(rng, V * E, 0.05)];
    const directions = config.bidirectional === undefined ? 1 : 2;
    for (let layer = 0; layer < (config.layers ?? 1); layer++) {
      for (let d = 0; d < directions; d++) {
        values.push(
          glorotUniform(rng, layer === 0 ? E : recurrentOutputSize(config), G),
          orthogonal(rng, H, G),
        );
        const bias = new Float32Array(config.cell === 'gru' && config.resetAfter === true ? 2 * G : G);
        if (config.cell === 'lstm' && config.unitForgetBias !== false) bias.fill(1, H, 2 * H);
        values.push(bias);
      }
    }
    values.push(glorotUniform(rng, recurrentOutputSize(config), C), new Float32Array(C));
    return new CharClassifier(config, values);
  }

  /**
   * Unnormalised class scores `[batchSize, numClasses]`. Differentiable with respect to
   * {@link CharClassifier.trainableWeights} through hand-written gradients (wrap in
   * `tf.variableGrads` to train). A name gives the same logits alone or padded in a batch.
   *
   * @param ids `[batchSize * maxLen]` right-padded token ids
   * @param lengths valid length of each sequence
   * @param options `{ training: true, rng }` applies the configured dropout (input and recurrent
   *   masks drawn from `rng`, one per sequence, the same at every step); the default is inference
   * @throws InvalidArgumentError when the sizes do not fit together, an id is out of range, or
   *   training with dropout lacks an `rng`
   */
  logits(
    ids: Int32Array,
    lengths: Int32Array,
    batchSize: number,
    maxLen: number,
    options: LogitsOptions = {},
  ): tf.Tensor2D {
    if (ids.length !== batchSize * maxLen)
      throw new InvalidArgumentError(
        `ids has ${ids.length} entries, expected batchSize * maxLen = ${batchSize * maxLen}`,
        { field: 'ids' },
      );
    const { config } = this;
    const inputDropout = options.training === true ? (config.dropout ?? 0) : 0;
    const recurrentDropout = options.training === true ? (config.recurrentDropout ?? 0) : 0;
    const { rng } = options;
    if ((inputDropout > 0 || recurrentDropout > 0) && rng === undefined)
      throw new InvalidArgumentError('training with dropout needs an rng', { field: 'rng' });
    const seq: SequenceShape = { lengths, batchSize, maxLen };
    const weights = this.trainableWeights;
    const layers = config.layers ?? 1;
    const directions = config.bidirectional === undefined ? 1 : 2;
    const table = weights[0] as tf.Variable<tf.Rank.R2>;
    // An LSTM reading the embedding directly (no input dropout) on the 'js' path looks its input
    // projection up per token (lstmEmbeddedJs): the same function, without the embedding tensor.
    const fuseEmbedding =
      config.cell === 'lstm' &&
      (config.recurrentActivation ?? 'sigmoid') === 'sigmoid' &&
      inputDropout === 0 &&
      resolvePath() === 'js';
    if (fuseEmbedding) checkIds(ids, config.vocabSize);
    return tf.tidy(() => {
      let x = fuseEmbedding ? undefined : embeddingLookup(table, ids);
      let width = config.embedDim;
      let w = 1;
      for (let layer = 0; layer < layers; layer++) {
        if (inputDropout > 0 && x !== undefined)
          x = multiplyByMask(
            x,
            repeatOverSteps(
              dropoutMask(rng as Rng, batchSize, width, inputDropout),
              batchSize,
              maxLen,
              width,
            ),
          );
        const returnSequences = layer < layers - 1;
        const outputs: tf.Tensor2D[] = [];
        for (let d = 0; d < directions; d++) {
          const [W, U, b] = weights.slice(w, w + 3) as [
            tf.Variable<tf.Rank.R2>,
            tf.Variable<tf.Rank.R2>,
            tf.Variable,
          ];
          w += 3;
          const options: RecurrentOptions = {
            returnSequences,
            ...(recurrentDropout > 0
              ? {
                  recurrentDropoutMask: dropoutMask(
                    rng as Rng,
                    batchSize,
                    config.hiddenSize,
                    recurrentDropout,
                  ),
                }
              : {}),
          };
          let y: tf.Tensor2D;
          if (x === undefined) {
            const run = { ...options, returnSequences };
            y = lstmEmbeddedJs(table, d === 0 ? ids : reverseIds(ids, seq), W, U, b as tf.Tensor1D, seq, run);
          } else {
            const input = d === 0 ? x : reverseSequences(x, seq);
            y = this.cell(input, W, U, b, seq, options);
          }
          if (d === 1 && returnSequences) y = reverseSequences(y, seq);
          outputs.push(y);
        }
        x =
          directions === 2
            ? mergeDirections(
                outputs[0] as tf.Tensor2D,
                outputs[1] as tf.Tensor2D,
                config.bidirectional ?? 'concat',
              )
            : (outputs[0] as tf.Tensor2D);
        width = recurrentOutputSize(config);
      }
      return dense(
        x as tf.Tensor2D,
        weights[w] as tf.Variable<tf.Rank.R2>,
        weights[w + 1] as tf.Variable<tf.Rank.R1>,
      );
    });
  }

  /** One direction of one recurrent layer. */
  /** The configured gate activation, as cell options (none for the default sigmoid). */
  private activation(): { recurrentActivation?: RecurrentActivation } {
    const a = this.config.recurrentActivation;
    return a === undefined || a === 'sigmoid' ? {} : { recurrentActivation: a };
  }

  private cell(
    x: tf.Tensor2D,
    W: tf.Tensor2D,
    U: tf.Tensor2D,
    b: tf.Tensor,
    seq: SequenceShape,
    options: RecurrentOptions,
  ): tf.Tensor2D {
    switch (this.config.cell) {
      case 'lstm':
        return lstm(x, W, U, b as tf.Tensor1D, seq, { ...options, ...this.activation() });
      case 'gru':
        return gru(x, W, U, b, seq, {
          ...options,
          ...this.activation(),
          resetAfter: this.config.resetAfter === true,
        });
      default:
        return simpleRnn(x, W, U, b as tf.Tensor1D, seq, options);
    }
  }

  /**
   * The n-gram head mixed into this model's predictions, if one is attached (see
   * {@link CharClassifier.setNgramHead}).
   */
  get ngramHead(): NgramHead | undefined {
    return this.head;
  }

  /**
   * Attaches an {@link NgramHead} (or detaches it, with `undefined`). From then on
   * {@link CharClassifier.predictLogits} and {@link CharClassifier.predictProba} return
   * `head.rnnScale · logits + head.scores`; {@link CharClassifier.logits} (the differentiable
   * recurrent part, what training uses) and {@link CharClassifier.toArtifacts} (the recurrent
   * part in the Layers format) are unchanged.
   * @throws InvalidArgumentError when the head has another number of classes
   */
  setNgramHead(head: NgramHead | undefined): void {
    if (head !== undefined && head.numClasses !== this.config.numClasses)
      throw new InvalidArgumentError(
        `the head has ${head.numClasses} classes, the model ${this.config.numClasses}`,
        { field: 'head' },
      );
    this.head = head;
  }

  /**
   * Inference logits, `[batchSize * numClasses]` row-major: the recurrent model's, mixed with
   * the n-gram head's scores when one is attached.
   */
  predictLogits(batch: IdBatch): Float32Array {
    const fast = this.forwardOnly(batch);
    if (fast !== undefined) return fast;
    const logits = this.logits(batch.ids, batch.lengths, batch.batchSize, batch.maxLen);
    // Copied: the tensor's own buffer goes with it.
    const out = new Float32Array(logits.dataSync());
    logits.dispose();
    const { head } = this;
    if (head === undefined) return out;
    const scores = head.scores(batch.ids, batch.lengths, batch.batchSize, batch.maxLen);
    for (let i = 0; i < out.length; i++) out[i] = head.rnnScale * (out[i] as number) + (scores[i] as number);
    return out;
  }

  /**
   * Class probabilities (softmax of {@link CharClassifier.predictLogits}), `[batchSize * numClasses]`
   * row-major.
   */
  predictProba(batch: IdBatch): Float32Array {
    const fast = this.forwardOnly(batch);
    if (fast !== undefined) return softmaxRows(fast, this.config.numClasses);
    if (this.head !== undefined) return softmaxRows(this.predictLogits(batch), this.config.numClasses);
    const probs = tf.tidy(() =>
      tf.softmax(this.logits(batch.ids, batch.lengths, batch.batchSize, batch.maxLen)),
    );
    // Copied outside the tidy: a typed array returned from tidy is scanned element by element.
    const out = new Float32Array(probs.dataSync());
    probs.dispose();
    return out;
  }

  /**
   * How names are best grouped into batches for {@link CharClassifier.predictProba} right now:
   * `'tokens'` (sorted by their characters, so that a batch's names share prefixes, each shared
   * prefix then computed once) where prediction runs on the forward-only kernels over the names'
   * prefix tree (a one-direction model with σ gates on the cpu or wasm backend, WebAssembly SIMD
   * available); `'length'` (similar lengths together: the least padding) elsewhere. Either order
   * gives the same predictions; only the speed differs.
   */
  get batchOrder(): 'tokens' | 'length' {
    return this.config.bidirectional === undefined &&
      resolvePath() === 'js' &&
      (this.config.recurrentActivation ?? 'sigmoid') === 'sigmoid' &&
      inferenceSimdKernels() !== undefined
      ? 'tokens'
      : 'length';
  }

  /**
   * {@link CharClassifier.predictLogits} through the forward-only path ({@link ClassifierInference})
   * where the backend takes the `'js'` path, the SIMD kernels exist and the gates are σ;
   * undefined elsewhere.
   */
  private forwardOnly(batch: IdBatch): Float32Array | undefined {
    // The SIMD kernels compute σ gates only: another recurrent activation takes the tensor path.
    if (resolvePath() !== 'js' || (this.config.recurrentActivation ?? 'sigmoid') !== 'sigmoid')
      return undefined;
    this.inference ??= new ClassifierInference(this.config);
    return this.inference.logits(
      batch.ids,
      batch.lengths,
      batch.batchSize,
      batch.maxLen,
      this.trainableWeights,
      this.head,
    );
  }

  /**
   * The model in the Layers format (Keras layout): a `Sequential` topology of
   * Embedding(mask_zero) → [Bidirectional(]SimpleRNN | LSTM | GRU[)] × layers → Dense(softmax)
   * and its float32 weights, loadable with `tf.loadLayersModel(tf.io.fromMemory(...))` (except a
   * GRU with `resetAfter`, which tfjs-layers 4.22 lacks) and by
   * {@link CharClassifier.fromArtifacts}. Dropout rates are recorded; they act in training only.
   * An attached n-gram head is not part of it (the Layers format has no such layer) unless
   * `options.ngramHead` asks for its weights.
   */
  toArtifacts(options: ToArtifactsOptions = {}): ClassifierArtifacts {
    const specs: tf.io.WeightsManifestEntry[] = weightLayout(this.config).map(({ name, shape }) => ({
      name,
      shape,
      dtype: 'float32' as const,
    }));
    const values = this.trainableWeights.map((v) => v.dataSync() as Float32Array);
    const { head } = this;
    if (options.ngramHead === true && head !== undefined) {
      specs.push(
        { name: NGRAM_KERNEL, shape: [head.size, head.numClasses], dtype: 'float32' },
        { name: NGRAM_BIAS, shape: [head.numClasses], dtype: 'float32' },
      );
      values.push(head.kernel, head.bias);
    }
    const weightData = new Float32Array(values.reduce((n, v) => n + v.length, 0));
    let offset = 0;
    for (const v of values) {
      weightData.set(v, offset);
      offset += v.length;
    }
    return {
      modelTopology: sequentialTopology(this.config),
      weightSpecs: specs,
      weightData: weightData.buffer,
    };
  }

  /**
   * Rebuilds a model from {@link CharClassifier.toArtifacts}' output, or from an equivalent
   * model built with Keras or tfjs-layers (whatever its layer names). Weights are matched by
   * name; their order in `weightSpecs` is free. With `options.ngram`, the n-gram head saved
   * beside them is rebuilt and attached (everything is checked before any weight is created).
   * @throws InvalidBundleError naming the field that does not fit
   */
  static fromArtifacts(artifacts: ClassifierArtifacts, options: FromArtifactsOptions = {}): CharClassifier {
    const parsed = parseTopology(artifacts.modelTopology);
    const names: ModelNames = parsed.names;
    const config: ClassifierConfig =
      parsed.config.cell === 'rnn' && options.simpleCell === 'simple'
        ? { ...parsed.config, cell: 'simple' }
        : parsed.config;
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
    const values = weightLayout(config, names).map(({ name, shape }) => {
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
    let head: NgramHead | undefined;
    if (options.ngram !== undefined) {
      const kernel = found.get(NGRAM_KERNEL);
      const bias = found.get(NGRAM_BIAS);
      if (kernel === undefined || bias === undefined)
        throw new InvalidBundleError(`weights "${NGRAM_KERNEL}" and "${NGRAM_BIAS}" (float32) are missing`, {
          field: 'weightSpecs',
        });
      head = NgramHead.fromJSON(options.ngram, { kernel, bias }, options.ngramField ?? 'ngram');
      if (head.numClasses !== config.numClasses)
        throw new InvalidBundleError(
          `the head has ${head.numClasses} classes, the model ${config.numClasses}`,
          {
            field: `${options.ngramField ?? 'ngram'}.numClasses`,
          },
        );
    }
    const model = new CharClassifier(config, values);
    model.head = head;
    return model;
  }

  /**
   * One classifier whose logits are the mean of `models`' logits: an ensemble (for example of
   * several seeds) that saves, loads, predicts and exports to tfjs-layers like any single model.
   * The members must share their architecture; the average has `N×` their embedding and hidden
   * sizes, with block-diagonal recurrent kernels (each member's units see only their own
   * inputs and state), so prediction costs about N times one member's. The members are not
   * changed or disposed.
   * @throws InvalidArgumentError when the list is empty, the architectures differ or a member has
   *   an n-gram head (average the recurrent models, then attach one head)
   */
  static average(models: readonly CharClassifier[]): CharClassifier {
    const withHead = models.findIndex((m) => m.head !== undefined);
    if (withHead >= 0)
      throw new InvalidArgumentError(
        'has an n-gram head; average the recurrent models first, then attach one head to the result',
        { field: `models[${withHead}]` },
      );
    const config = sharedConfig(models.map((m) => m.config));
    const values = averagedWeights(
      config,
      models.map((m) => m.trainableWeights.map((w) => w.dataSync() as Float32Array)),
    );
    return new CharClassifier(averagedConfig(config, models.length), values);
  }

  /** Frees the weights. The model is unusable afterwards. */
  dispose(): void {
    this.inference?.dispose();
    for (const v of this.trainableWeights) v.dispose();
  }
}

/** Softmax of each row of `[rows × C]` logits, in place (float64 sums); returns `logits`. */
function softmaxRows(logits: Float32Array, C: number): Float32Array {
  for (let at = 0; at < logits.length; at += C) {
    const scores = logits.subarray(at, at + C);
    let max = -Infinity;
    for (const v of scores) if (v > max) max = v;
    let sum = 0;
    for (let c = 0; c < C; c++) {
      const e = Math.exp((scores[c] as number) - max);
      scores[c] = e;
      sum += e;
    }
    for (let c = 0; c < C; c++) scores[c] = (scores[c] as number) / sum;
  }
  return logits;
}

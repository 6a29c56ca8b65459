import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@charrnn/core';
import type { Rng } from '@charrnn/core';
import { dense } from '../ops/dense.js';
import { denseSoftmaxCrossEntropy } from '../ops/dense_softmax_cross_entropy.js';
import { simdKernels } from '../kernels/simd_kernels.js';
import { dropoutMask, repeatOverSteps } from '../cells/dropout_masks.js';
import { checkIds, embeddingLookup } from '../ops/embedding.js';
import { gru } from '../cells/gru/gru.js';
import { glorotUniform, orthogonal, randomUniform } from './initializers.js';
import { lstm } from '../cells/lstm/lstm.js';
import { lstmEmbeddingsJs } from '../cells/lstm/lstm_js.js';
import { mergeDirections, multiplyByMask } from '../ops/merge_ops.js';
import { resolvePath } from '../backend_path.js';
import type { OpPath } from '../backend_path.js';
import type { RecurrentOptions } from '../cells/recurrent_options.js';
import type { SequenceShape } from '../cells/sequence_shape.js';
import { checkSequenceShape } from '../cells/sequence_shape.js';
import { simpleRnn } from '../cells/simple_rnn/simple_rnn.js';
import { softmaxCrossEntropy } from '../ops/softmax_cross_entropy.js';
import { checkLanguageModelConfig, languageModelWeightLayout } from './language_model_config.js';
import type { LanguageModelConfig } from './language_model_config.js';
import { LanguageModelStepper } from './language_model_step.js';
import { weightsFromArtifacts, weightsToArtifacts } from './weight_artifacts.js';
import { summedNll, targetWeights } from './next_symbol_loss.js';
import type { StepperOptions } from './language_model_step.js';
import { sequenceLabels } from './sequence_labels.js';

/**
 * A batch of right-padded input sequences of a {@link LanguageModel}: `ids` as an `IdBatch`,
 * plus one label per sequence for a conditional model.
 */
export interface LanguageModelBatch {
  /** `[batchSize * maxLen]` input ids, row-major, PAD (0) after each sequence's end. */
  ids: Int32Array;
  /** Valid length of each sequence. */
  lengths: Int32Array;
  /** Number of sequences. */
  batchSize: number;
  /** Row width. */
  maxLen: number;
  /** Conditional models: the label id of each sequence, in `[0, numLabels)`. */
  labels?: Int32Array;
}

/**
 * Recurrent state of every layer: `state[layer]` is `[h]` (SimpleRNN, GRU) or `[h, c]` (LSTM),
 * each `[batchSize * hiddenSize]`, row `r` for sequence `r`.
 */
export type LanguageModelState = Float32Array[][];

/** Options of {@link LanguageModel.logits} and {@link LanguageModel.loss}. */
export interface LanguageModelForwardOptions {
  /** Training pass: applies the configured dropout (needs `rng`). Default false. */
  training?: boolean;
  /** Draws the dropout masks. */
  rng?: Rng;
  /** The state entering step 0 (a constant: truncated backpropagation); default zeros. */
  initialState?: LanguageModelState;
  /** Receives each sequence's state after its last valid step, per layer. */
  onFinalState?: (state: LanguageModelState) => void;
  /** Implementation of the recurrent layers, see {@link OpPath}. */
  path?: OpPath;
}

/** The weights and configuration of a {@link LanguageModel}, as {@link LanguageModel.toArtifacts} gives them. */
export interface LanguageModelArtifacts {
  /** The architecture. */
  config: LanguageModelConfig;
  /** Weight names, shapes and dtypes, in the order of `weightData`. */
  weightSpecs: tf.io.WeightsManifestEntry[];
  /** All weights as little-endian float32, concatenated. */
  weightData: ArrayBuffer;
}

/**
 * A character-level language model (next-symbol prediction): an embedding of the input symbol
 * (concatenated with a label embedding at every step for a conditional model), stacked
 * recurrent layers, and a dense layer over the vocabulary at every step:
 *
 * ```
 * x_t      = [E[id_t] ; L[label]]                 (L only for a conditional model)
 * h_t^l    = cell_l(h_t^{l−1}, h_{t−1}^l)          h_t^0 = x_t
 * logits_t = h_t^top·Wd + bd                       [vocabSize]
 * ```
 *
 * Training runs through the same differentiable recurrent ops as the classifier (their fast
 * paths, padding masks and hand-written gradients); the per-step cross-entropy ignores padding.
 * Sampling uses {@link LanguageModel.stepper}, a stateful one-symbol-at-a-time API.
 *
 * @example
 * ```ts
 * const model = LanguageModel.create({ cell: 'lstm', vocabSize: 60, embedDim: 64, hiddenSize: 256 }, new Rng(1));
 * const loss = model.loss(batch, targets); // mean nats per target symbol
 * const stepper = model.stepper({ batchSize: 1 });
 * const probs = stepper.step(Int32Array.from([bos])); // [vocabSize]
 * ```
 */
export class LanguageModel {
  /** The architecture. */
  readonly config: LanguageModelConfig;
  /** `[E, (L), (W, U, b) per layer, Wd, bd]`, see {@link LanguageModel.toArtifacts}. */
  readonly trainableWeights: tf.Variable[];

  private constructor(config: LanguageModelConfig, values: Float32Array[]) {
    this.config = { ...config };
    this.trainableWeights = languageModelWeightLayout(config).map(({ shape }, i) =>
      tf.tidy(() => tf.variable(tf.tensor(values[i] as Float32Array, shape), true)),
    );
  }

  /**
   * A freshly initialised model; the same `rng` state gives the same weights. Embeddings N(0, 1)
   * (PyTorch's default). With `init: 'keras'` (the default): kernels Glorot uniform, recurrent
   * kernels orthogonal, biases zero except an LSTM's forget gate (1 unless `unitForgetBias` is
   * false). With `init: 'pytorch'`: PyTorch's `nn.LSTM`/`nn.GRU`/`nn.RNN` and `nn.Linear`
   * defaults, every recurrent weight U(−1/√H, 1/√H), the recurrent bias the sum of two such
   * draws (PyTorch's `b_ih + b_hh`), the output kernel and bias U(−1/√H, 1/√H); `unitForgetBias`
   * is not applied.
   * @throws InvalidConfigError naming the bad field
   */
  static create(
    config: LanguageModelConfig,
    rng: Rng,
    options: { init?: 'keras' | 'pytorch' } = {},
  ): LanguageModel {
    checkLanguageModelConfig(config);
    const torch = options.init === 'pytorch';
    const limit = 1 / Math.sqrt(config.hiddenSize);
    const values = languageModelWeightLayout(config).map(({ name, shape }) => {
      const size = shape.reduce((n, d) => n * d, 1);
      // N(0, 1) as PyTorch's nn.Embedding: Keras' U(−0.05, 0.05) feeds the cells a signal so weak
      // that a text model sits at the unigram loss for its first epoch (measured on bench:lm).
      if (name.endsWith('/embeddings')) return Float32Array.from({ length: size }, () => rng.normal());
      if (torch) {
        const u = randomUniform(rng, size, limit);
        if (name.endsWith('/bias') && name !== 'dense/bias' && shape.length === 1) {
          const second = randomUniform(rng, size, limit);
          for (let i = 0; i < size; i++) u[i] = (u[i] as number) + (second[i] as number);
        }
        return u;
      }
      if (name.endsWith('/recurrent_kernel')) return orthogonal(rng, shape[0] as number, shape[1] as number);
      if (name.endsWith('/kernel')) return glorotUniform(rng, shape[0] as number, shape[1] as number);
      const bias = new Float32Array(size);
      if (config.cell === 'lstm' && config.unitForgetBias !== false && name !== 'dense/bias')
        bias.fill(1, config.hiddenSize, 2 * config.hiddenSize);
      return bias;
    });
    return new LanguageModel(config, values);
  }

  /** Number of labels of a conditional model, 0 for an unconditional one. */
  get numLabels(): number {
    return this.config.numLabels ?? 0;
  }

  /**
   * Next-symbol logits at every step, `[batchSize * maxLen, vocabSize]` (row `r * maxLen + t`
   * predicts the symbol after input `t` of sequence `r`; padding rows hold the bias only).
   * Differentiable with respect to {@link LanguageModel.trainableWeights}.
   * @throws InvalidArgumentError when sizes, ids or labels do not fit, or dropout lacks an `rng`
   */
  logits(batch: LanguageModelBatch, options: LanguageModelForwardOptions = {}): tf.Tensor2D {
    return this.forward(batch, options, (x, Wd, bd) => dense(x, Wd, bd, { path: options.path ?? 'auto' }));
  }

  /**
   * The forward pass up to the output layer's input `x` (`[batchSize * maxLen, hiddenSize]`,
   * dropout applied), then `head(x, Wd, bd)`: the logits, or the loss straight from `x`.
   */
  private forward<R extends tf.Tensor>(
    batch: LanguageModelBatch,
    options: LanguageModelForwardOptions,
    head: (x: tf.Tensor2D, Wd: tf.Variable<tf.Rank.R2>, bd: tf.Variable<tf.Rank.R1>) => R,
  ): R {
    const { config } = this;
    const { ids, lengths, batchSize: B, maxLen: T } = batch;
    const seq: SequenceShape = { lengths, batchSize: B, maxLen: T };
    checkSequenceShape(seq);
    if (ids.length !== B * T)
      throw new InvalidArgumentError(
        `ids has ${ids.length} entries, expected batchSize * maxLen = ${B * T}`,
        {
          field: 'ids',
        },
      );
    const labelIds = this.repeatedLabels(batch);
    const layers = config.layers ?? 1;
    if (options.initialState !== undefined && options.initialState.length !== layers)
      throw new InvalidArgumentError(
        `initialState has ${options.initialState.length} layers, the model ${layers}`,
        { field: 'initialState' },
      );
    const rate = options.training === true ? (config.dropout ?? 0) : 0;
    const { rng } = options;
    if (rate > 0 && rng === undefined)
      throw new InvalidArgumentError('training with dropout needs an rng', { field: 'rng' });
    const drop = (x: tf.Tensor2D, width: number): tf.Tensor2D =>
      rate > 0 ? multiplyByMask(x, repeatOverSteps(dropoutMask(rng as Rng, B, width, rate), B, T, width)) : x;
    const weights = this.trainableWeights;
    const finals: LanguageModelState = [];
    const tables = [weights[0], ...(labelIds === undefined ? [] : [weights[1]])] as tf.Variable<tf.Rank.R2>[];
    // An LSTM reading the embeddings directly (no dropout on its input) on the 'js' path looks
    // its input projection up per symbol and label (lstmEmbeddingsJs): the same function
    // without the `[steps, E + Le]·[E + Le, 4H]` products.
    const fuseEmbeddings = config.cell === 'lstm' && rate === 0 && resolvePath(options.path) === 'js';
    if (fuseEmbeddings) checkIds(ids, config.vocabSize);
    const out = tf.tidy(() => {
      let x: tf.Tensor2D | undefined;
      if (!fuseEmbeddings) {
        const [char, label] = tables.map((table, i) =>
          embeddingLookup(table, i === 0 ? ids : (labelIds as Int32Array), { path: options.path ?? 'auto' }),
        ) as [tf.Tensor2D, tf.Tensor2D | undefined];
        x = label === undefined ? char : mergeDirections(char, label, 'concat');
      }
      let w = tables.length;
      let width = config.embedDim + (labelIds === undefined ? 0 : (config.labelEmbedDim ?? 0));
      for (let l = 0; l < layers; l++) {
        const [W, U, b] = weights.slice(w, w + 3) as [
          tf.Variable<tf.Rank.R2>,
          tf.Variable<tf.Rank.R2>,
          tf.Variable,
        ];
        w += 3;
        const initial = options.initialState?.[l];
        const run: RecurrentOptions = {
          returnSequences: true,
          ...(options.path === undefined ? {} : { path: options.path }),
          ...(initial === undefined ? {} : { initialState: initial }),
          ...(options.onFinalState === undefined ? {} : { onFinalState: (s) => (finals[l] = s) }),
        };
        if (x === undefined) {
          checkInitialState(initial, 2, B * config.hiddenSize);
          const idLists = labelIds === undefined ? [ids] : [ids, labelIds];
          x = lstmEmbeddingsJs(tables, idLists, W, U, b as tf.Tensor1D, seq, {
            ...run,
            returnSequences: true,
          });
        } else x = this.cell(drop(x, width), W, U, b, seq, run);
        width = config.hiddenSize;
      }
      return head(
        drop(x as tf.Tensor2D, width),
        weights[w] as tf.Variable<tf.Rank.R2>,
        weights[w + 1] as tf.Variable<tf.Rank.R1>,
      );
    });
    options.onFinalState?.(finals);
    return out;
  }

  /**
   * Mean cross-entropy (nats) of the next-symbol predictions against `targets`
   * (`[batchSize * maxLen]`, the symbol that follows each input); a target of 0 (PAD) is ignored,
   * so padding never changes the loss. Differentiable with respect to the weights.
   * @throws InvalidArgumentError when `targets` has the wrong size, a target is out of range or
   *   every target is PAD
   */
  loss(batch: LanguageModelBatch, targets: Int32Array, options: LanguageModelForwardOptions = {}): tf.Scalar {
    const weights = targetWeights(targets, batch.batchSize * batch.maxLen);
    // With our SIMD kernels (the 'js' path), the output layer and loss run on the non-PAD rows only.
    const simd = resolvePath(options.path) === 'js' ? simdKernels() : undefined;
    if (simd !== undefined)
      return this.forward(batch, options, (x, Wd, bd) =>
        denseSoftmaxCrossEntropy(simd, x, Wd, bd, targets, weights),
      );
    return tf.tidy(() =>
      softmaxCrossEntropy(this.logits(batch, options), targets, {
        exampleWeights: weights,
        ...(options.path === undefined ? {} : { path: options.path }),
      }),
    );
  }

  /**
   * Summed negative log-likelihood (nats) of the non-PAD `targets` and their count, without
   * gradients (evaluation: bits per character = `nats / count / ln 2`).
   */
  logLoss(
    batch: LanguageModelBatch,
    targets: Int32Array,
    options: Pick<LanguageModelForwardOptions, 'initialState' | 'onFinalState' | 'path'> = {},
  ): { nats: number; count: number } {
    targetWeights(targets, batch.batchSize * batch.maxLen);
    const logits = this.logits(batch, options);
    const z = logits.dataSync() as Float32Array;
    logits.dispose();
    return summedNll(z, targets, this.config.vocabSize);
  }

  /**
   * A stateful one-step-at-a-time view of this model for sampling: feed one symbol per sequence,
   * get the next-symbol probabilities. It reads the weights when made (make a new one after
   * training changes them). See {@link LanguageModelStepper}.
   */
  stepper(options: StepperOptions): LanguageModelStepper {
    return new LanguageModelStepper(
      this.config,
      this.trainableWeights.map((v) => v.dataSync() as Float32Array),
      options,
    );
  }

  /** The weights (float32, in {@link LanguageModel.trainableWeights} order, named) and the config. */
  toArtifacts(): LanguageModelArtifacts {
    return {
      config: { ...this.config },
      ...weightsToArtifacts(this.trainableWeights, languageModelWeightLayout(this.config)),
    };
  }

  /**
   * Rebuilds a model from {@link LanguageModel.toArtifacts}' output (weights matched by name).
   * @throws InvalidBundleError naming what does not fit (InvalidConfigError for a bad config)
   */
  static fromArtifacts(artifacts: LanguageModelArtifacts): LanguageModel {
    checkLanguageModelConfig(artifacts.config);
    const values = weightsFromArtifacts(
      artifacts.weightSpecs,
      artifacts.weightData,
      languageModelWeightLayout(artifacts.config),
    );
    return new LanguageModel(artifacts.config, values);
  }

  /** Frees the weights. The model is unusable afterwards. */
  dispose(): void {
    for (const v of this.trainableWeights) v.dispose();
  }

  /** Each step's label id (`[batchSize * maxLen]`) of a conditional model; checks the labels. */
  private repeatedLabels(batch: LanguageModelBatch): Int32Array | undefined {
    const C = this.numLabels;
    const { labels, batchSize: B, maxLen: T } = batch;
    const checked = sequenceLabels(labels, C, B);
    if (checked === undefined) return undefined;
    const out = new Int32Array(B * T);
    for (let r = 0; r < B; r++) out.fill(checked[r] as number, r * T, (r + 1) * T);
    return out;
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
        return lstm(x, W, U, b as tf.Tensor1D, seq, options);
      case 'gru':
        return gru(x, W, U, b, seq, { ...options, resetAfter: this.config.resetAfter === true });
      default:
        return simpleRnn(x, W, U, b as tf.Tensor1D, seq, options);
    }
  }
}

/** Throws InvalidArgumentError unless `initial` is absent or `parts` arrays of `size` entries. */
function checkInitialState(initial: readonly Float32Array[] | undefined, parts: number, size: number): void {
  if (initial !== undefined && !(initial.length === parts && initial.every((s) => s.length === size)))
    throw new InvalidArgumentError(
      `initialState must be ${parts} array(s) of batchSize * units = ${size} entries`,
      { field: 'initialState' },
    );
}

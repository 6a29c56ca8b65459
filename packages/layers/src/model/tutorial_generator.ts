import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, InvalidConfigError } from '@charrnn/core';
import type { Rng } from '@charrnn/core';
import { customOp } from '../ops/custom_op.js';
import type { CustomOpResult } from '../ops/custom_op.js';
import { softmaxCrossEntropy } from '../ops/softmax_cross_entropy.js';
import { checkSequenceShape } from '../cells/sequence_shape.js';
import { randomUniform } from './initializers.js';
import { weightsFromArtifacts, weightsToArtifacts } from './weight_artifacts.js';
import { summedNll, targetWeights } from './next_symbol_loss.js';
import type { LanguageModelBatch, LanguageModelForwardOptions } from './language_model.js';
import { TutorialGeneratorStepper } from './tutorial_generator_stepper.js';
import { sequenceLabels } from './sequence_labels.js';

/**
 * Architecture of a {@link TutorialGenerator}, the model of the PyTorch tutorial "NLP From
 * Scratch: Generating Names with a Character-Level RNN".
 */
export interface TutorialGeneratorConfig {
  /** Tells this model from a `LanguageModelConfig` (in bundles too). */
  architecture: 'tutorial';
  /** Number of symbol ids, input (one-hot) and output alike; PAD (0) is never a target. */
  vocabSize: number;
  /** Width of the hidden state (the tutorial: 128). */
  hiddenSize: number;
  /** Number of categories (labels) fed as a one-hot at every step; absent or 0: unconditional. */
  numLabels?: number;
  /** Dropout rate in [0, 1) on the output logits, a fresh mask per step, training only (the tutorial: 0.1). */
  dropout?: number;
}

/** The weights and configuration of a {@link TutorialGenerator}, as {@link TutorialGenerator.toArtifacts} gives them. */
export interface TutorialGeneratorArtifacts {
  /** The architecture. */
  config: TutorialGeneratorConfig;
  /** Weight names, shapes and dtypes, in the order of `weightData`. */
  weightSpecs: tf.io.WeightsManifestEntry[];
  /** All weights as little-endian float32, concatenated. */
  weightData: ArrayBuffer;
}

/** Options of {@link TutorialGeneratorStepper}s (as `LanguageModel.stepper`'s). */
export interface TutorialStepperOptions {
  /** Number of sequences stepped side by side. */
  batchSize: number;
  /** Conditional models: the label id of each sequence. */
  labels?: Int32Array;
}

/** Throws InvalidConfigError naming the field unless `config` describes a tutorial generator. @internal */
export function checkTutorialGeneratorConfig(config: TutorialGeneratorConfig): void {
  if (config.architecture !== 'tutorial')
    throw new InvalidConfigError(
      `architecture must be "tutorial", got ${JSON.stringify(config.architecture)}`,
      { field: 'architecture' },
    );
  for (const field of ['vocabSize', 'hiddenSize'] as const) {
    const v = config[field];
    if (!Number.isSafeInteger(v) || v < 1)
      throw new InvalidConfigError(`${field} must be a positive integer, got ${JSON.stringify(v)}`, {
        field,
      });
  }
  if (config.vocabSize < 2)
    throw new InvalidConfigError(`vocabSize must be at least 2, got ${config.vocabSize}`, {
      field: 'vocabSize',
    });
  const C = config.numLabels ?? 0;
  if (!Number.isSafeInteger(C) || C < 0)
    throw new InvalidConfigError(`numLabels must be a non-negative integer, got ${JSON.stringify(C)}`, {
      field: 'numLabels',
    });
  const dropout = config.dropout ?? 0;
  if (!(typeof dropout === 'number' && dropout >= 0 && dropout < 1))
    throw new InvalidConfigError(`dropout must be in [0, 1), got ${JSON.stringify(config.dropout)}`, {
      field: 'dropout',
    });
}

/**
 * Names and shapes of a tutorial generator's weights, in {@link TutorialGenerator.trainableWeights}
 * order. Kernels are `[in, out]` (PyTorch's `Linear.weight` transposed); the input of `i2h` and
 * `i2o` is `[category one-hot (C) ; symbol one-hot (V) ; hidden (H)]`, that of `o2o` is
 * `[hidden (H) ; i2o output (V)]`, as in the tutorial's `torch.cat` calls.
 * @internal
 */
export function tutorialGeneratorWeightLayout(
  config: TutorialGeneratorConfig,
): { name: string; shape: number[] }[] {
  const { vocabSize: V, hiddenSize: H } = config;
  const I = (config.numLabels ?? 0) + V + H;
  return [
    { name: 'i2h/kernel', shape: [I, H] },
    { name: 'i2h/bias', shape: [H] },
    { name: 'i2o/kernel', shape: [I, V] },
    { name: 'i2o/bias', shape: [V] },
    { name: 'o2o/kernel', shape: [H + V, V] },
    { name: 'o2o/bias', shape: [V] },
  ];
}

/** The six weight arrays of a tutorial generator, as the forward step reads them. @internal */
export interface TutorialWeights {
  Kh: Float32Array;
  bh: Float32Array;
  Ko: Float32Array;
  bo: Float32Array;
  Koo: Float32Array;
  boo: Float32Array;
}

/** Sizes of a tutorial generator: labels, vocabulary, hidden. @internal */
export interface TutorialSizes {
  C: number;
  V: number;
  H: number;
}

/**
 * One step of one sequence: `h = a·Kh + bh`, `o = a·Ko + bo`, `z = [h ; o]·Koo + boo` with
 * `a = [onehot(label) ; onehot(id) ; hPrev]` (the one-hot products are row reads). Writes `h`,
 * `o` and `z` (the logits before dropout). Float64 accumulation.
 * @internal
 */
export function tutorialStep(
  w: TutorialWeights,
  s: TutorialSizes,
  label: number,
  id: number,
  hPrev: Float32Array,
  h: Float32Array,
  o: Float32Array,
  z: Float32Array,
): void {
  const { C, V, H } = s;
  const hRows = C + V;
  for (let j = 0; j < H; j++) {
    let sum = (w.bh[j] as number) + (w.Kh[(C + id) * H + j] as number);
    if (C > 0) sum += w.Kh[label * H + j] as number;
    for (let k = 0; k < H; k++) sum += (hPrev[k] as number) * (w.Kh[(hRows + k) * H + j] as number);
    h[j] = sum;
  }
  for (let j = 0; j < V; j++) {
    let sum = (w.bo[j] as number) + (w.Ko[(C + id) * V + j] as number);
    if (C > 0) sum += w.Ko[label * V + j] as number;
    for (let k = 0; k < H; k++) sum += (hPrev[k] as number) * (w.Ko[(hRows + k) * V + j] as number);
    o[j] = sum;
  }
  for (let j = 0; j < V; j++) {
    let sum = w.boo[j] as number;
    for (let k = 0; k < H; k++) sum += (h[k] as number) * (w.Koo[k * V + j] as number);
    for (let k = 0; k < V; k++) sum += (o[k] as number) * (w.Koo[(H + k) * V + j] as number);
    z[j] = sum;
  }
}

/**
 * The model of the PyTorch tutorial "Generating Names with a Character-Level RNN" (its sequel to
 * the classification tutorial): at each step the category one-hot, the symbol one-hot and the
 * hidden state are concatenated, and
 *
 * ```
 * a_t      = [onehot(category) ; onehot(id_t) ; h_{t−1}]
 * h_t      = a_t·Kh + bh                  (i2h: linear, no nonlinearity)
 * o_t      = a_t·Ko + bo                  (i2o)
 * logits_t = dropout([h_t ; o_t]·Koo + boo)   (o2o; dropout during training only)
 * ```
 *
 * the log-softmax of the logits giving the next-symbol log-probabilities. Same interface as
 * `LanguageModel` for the trainer and sampling (`logits`, `loss`, `logLoss`, `stepper`,
 * `toArtifacts`). The whole sequence forward and its gradient run in JS (one custom op), so it
 * trains with `@tensorflow/tfjs-core` alone; on GPU backends the weights are read back per call.
 *
 * Where it differs from the tutorial: the symbol layout is the trainer's (one-hot over our
 * vocabulary with PAD, UNK and one boundary symbol that is BOS as an input and EOS as a target),
 * so a sequence starts from BOS instead of its first letter, and the first letter is predicted
 * too; batches of several sequences are allowed (padding never changes a loss).
 *
 * @example
 * ```ts
 * const model = TutorialGenerator.create({ architecture: 'tutorial', vocabSize: 60, hiddenSize: 128, numLabels: 18 }, new Rng(1));
 * const probs = model.stepper({ batchSize: 1, labels: Int32Array.from([3]) }).step(Int32Array.from([bos]));
 * ```
 */
export class TutorialGenerator {
  /** The architecture. */
  readonly config: TutorialGeneratorConfig;
  /** `[i2h/kernel, i2h/bias, i2o/kernel, i2o/bias, o2o/kernel, o2o/bias]`. */
  readonly trainableWeights: tf.Variable[];

  private constructor(config: TutorialGeneratorConfig, values: Float32Array[]) {
    this.config = { ...config };
    this.trainableWeights = tutorialGeneratorWeightLayout(config).map(({ shape }, i) =>
      tf.tidy(() => tf.variable(tf.tensor(values[i] as Float32Array, shape), true)),
    );
  }

  /**
   * A freshly initialised model, as PyTorch's `nn.Linear`: kernel and bias U(−1/√fanIn, 1/√fanIn).
   * The same `rng` state gives the same weights.
   * @throws InvalidConfigError naming the bad field
   */
  static create(config: TutorialGeneratorConfig, rng: Rng): TutorialGenerator {
    checkTutorialGeneratorConfig(config);
    const layout = tutorialGeneratorWeightLayout(config);
    const values: Float32Array[] = [];
    for (let i = 0; i < layout.length; i += 2) {
      const kernel = (layout[i] as { shape: number[] }).shape as [number, number];
      const limit = 1 / Math.sqrt(kernel[0]);
      values.push(randomUniform(rng, kernel[0] * kernel[1], limit), randomUniform(rng, kernel[1], limit));
    }
    return new TutorialGenerator(config, values);
  }

  /** Number of labels of a conditional model, 0 for an unconditional one. */
  get numLabels(): number {
    return this.config.numLabels ?? 0;
  }

  /**
   * Next-symbol logits at every step, `[batchSize * maxLen, vocabSize]` (row `r * maxLen + t`
   * predicts the symbol after input `t` of sequence `r`; padding rows are 0). Differentiable with
   * respect to {@link TutorialGenerator.trainableWeights}. `options.path` is ignored (JS only).
   * @throws InvalidArgumentError when sizes, ids or labels do not fit, or dropout lacks an `rng`
   */
  logits(batch: LanguageModelBatch, options: LanguageModelForwardOptions = {}): tf.Tensor2D {
    const { ids, lengths, batchSize: B, maxLen: T } = batch;
    checkSequenceShape({ lengths, batchSize: B, maxLen: T });
    const s = this.sizes();
    if (ids.length !== B * T)
      throw new InvalidArgumentError(
        `ids has ${ids.length} entries, expected batchSize * maxLen = ${B * T}`,
        {
          field: 'ids',
        },
      );
    for (let n = 0; n < ids.length; n++) {
      const id = ids[n] as number;
      if (!(Number.isInteger(id) && id >= 0 && id < s.V))
        throw new InvalidArgumentError(`ids[${n}] = ${id} is outside [0, ${s.V})`, { field: 'ids' });
    }
    const labels = sequenceLabels(batch.labels, this.numLabels, B);
    const initial = options.initialState;
    if (initial !== undefined && (initial.length !== 1 || initial[0]?.[0]?.length !== B * s.H))
      throw new InvalidArgumentError(
        `initialState must be [[h]] with h of batchSize * hiddenSize = ${B * s.H}`,
        {
          field: 'initialState',
        },
      );
    const rate = options.training === true ? (this.config.dropout ?? 0) : 0;
    const { rng } = options;
    if (rate > 0 && rng === undefined)
      throw new InvalidArgumentError('training with dropout needs an rng', { field: 'rng' });
    // One mask per step and sequence (nn.Dropout called at every step), drawn up front.
    let mask: Float32Array | undefined;
    if (rate > 0) {
      const keep = 1 / (1 - rate);
      mask = new Float32Array(B * T * s.V);
      for (let r = 0; r < B; r++)
        for (let t = 0; t < (lengths[r] as number); t++)
          for (let j = 0; j < s.V; j++) mask[(r * T + t) * s.V + j] = (rng as Rng).next() < rate ? 0 : keep;
    }
    const h0 = initial?.[0]?.[0];
    const finals = new Float32Array(B * s.H);
    const [Kh, bh, Ko, bo, Koo, boo] = this.trainableWeights as [
      tf.Variable,
      tf.Variable,
      tf.Variable,
      tf.Variable,
      tf.Variable,
      tf.Variable,
    ];
    const out = customOp([Kh, bh, Ko, bo, Koo, boo] as tf.Tensor[], (inputs): CustomOpResult<tf.Tensor2D> => {
      const w = weightsOf(inputs);
      const hs = new Float32Array(B * (T + 1) * s.H);
      const os = new Float32Array(B * T * s.V);
      const z = new Float32Array(B * T * s.V);
      const row = new Float32Array(s.V);
      for (let r = 0; r < B; r++) {
        if (h0 !== undefined) hs.set(h0.subarray(r * s.H, (r + 1) * s.H), r * (T + 1) * s.H);
        const L = lengths[r] as number;
        for (let t = 0; t < L; t++) {
          const hAt = (r * (T + 1) + t) * s.H;
          tutorialStep(
            w,
            s,
            labels?.[r] ?? 0,
            ids[r * T + t] as number,
            hs.subarray(hAt, hAt + s.H),
            hs.subarray(hAt + s.H, hAt + 2 * s.H),
            os.subarray((r * T + t) * s.V, (r * T + t + 1) * s.V),
            row,
          );
          const at = (r * T + t) * s.V;
          for (let j = 0; j < s.V; j++)
            z[at + j] =
              mask === undefined ? (row[j] as number) : (row[j] as number) * (mask[at + j] as number);
        }
        const last = (r * (T + 1) + L) * s.H;
        finals.set(hs.subarray(last, last + s.H), r * s.H);
      }
      return {
        value: tf.tensor2d(z, [B * T, s.V]),
        gradFunc: (dy) => backward(w, s, dy.dataSync() as Float32Array, hs, os, mask, batch, labels),
      };
    });
    options.onFinalState?.([[finals]]);
    return out;
  }

  /**
   * Mean cross-entropy (nats) of the next-symbol predictions against `targets`; PAD (0) targets
   * are ignored. Differentiable with respect to the weights.
   * @throws InvalidArgumentError when `targets` has the wrong size, a target is out of range or
   *   every target is PAD
   */
  loss(batch: LanguageModelBatch, targets: Int32Array, options: LanguageModelForwardOptions = {}): tf.Scalar {
    const weights = targetWeights(targets, batch.batchSize * batch.maxLen);
    return tf.tidy(() =>
      softmaxCrossEntropy(this.logits(batch, options), targets, { exampleWeights: weights }),
    );
  }

  /**
   * Summed negative log-likelihood (nats) of the non-PAD `targets` and their count, without
   * gradients (bits per character = `nats / count / ln 2`).
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
   * A stateful one-step-at-a-time view for sampling (plain JS, no tensors): feed one symbol per
   * sequence, get the next-symbol probabilities. It reads the weights when made.
   */
  stepper(options: TutorialStepperOptions): TutorialGeneratorStepper {
    const [Kh, bh, Ko, bo, Koo, boo] = this.trainableWeights.map((v) => v.dataSync() as Float32Array) as [
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    return new TutorialGeneratorStepper({ Kh, bh, Ko, bo, Koo, boo }, this.sizes(), options);
  }

  /** The weights (float32, named, in {@link TutorialGenerator.trainableWeights} order) and the config. */
  toArtifacts(): TutorialGeneratorArtifacts {
    return {
      config: { ...this.config },
      ...weightsToArtifacts(this.trainableWeights, tutorialGeneratorWeightLayout(this.config)),
    };
  }

  /**
   * Rebuilds a model from {@link TutorialGenerator.toArtifacts}' output (weights matched by name).
   * @throws InvalidBundleError naming what does not fit (InvalidConfigError for a bad config)
   */
  static fromArtifacts(artifacts: TutorialGeneratorArtifacts): TutorialGenerator {
    checkTutorialGeneratorConfig(artifacts.config);
    const values = weightsFromArtifacts(
      artifacts.weightSpecs,
      artifacts.weightData,
      tutorialGeneratorWeightLayout(artifacts.config),
    );
    return new TutorialGenerator(artifacts.config, values);
  }

  /** Frees the weights. The model is unusable afterwards. */
  dispose(): void {
    for (const v of this.trainableWeights) v.dispose();
  }

  private sizes(): TutorialSizes {
    return { C: this.numLabels, V: this.config.vocabSize, H: this.config.hiddenSize };
  }
}

function weightsOf(inputs: tf.Tensor[]): TutorialWeights {
  const [Kh, bh, Ko, bo, Koo, boo] = inputs.map((t) => t.dataSync() as Float32Array) as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  return { Kh, bh, Ko, bo, Koo, boo };
}

/**
 * Backpropagation through time of {@link TutorialGenerator.logits}: from `dy` (the gradient of the
 * dropped-out logits) to the six weight gradients, sequence by sequence, last step first.
 */
function backward(
  w: TutorialWeights,
  s: TutorialSizes,
  dy: Float32Array,
  hs: Float32Array,
  os: Float32Array,
  mask: Float32Array | undefined,
  batch: LanguageModelBatch,
  labels: Int32Array | undefined,
): tf.Tensor[] {
  const { C, V, H } = s;
  const I = C + V + H;
  const { ids, lengths, batchSize: B, maxLen: T } = batch;
  const dKh = new Float64Array(I * H);
  const dbh = new Float64Array(H);
  const dKo = new Float64Array(I * V);
  const dbo = new Float64Array(V);
  const dKoo = new Float64Array((H + V) * V);
  const dboo = new Float64Array(V);
  const dz = new Float64Array(V);
  const dh = new Float64Array(H);
  const dout = new Float64Array(V);
  const dhNext = new Float64Array(H);
  for (let r = 0; r < B; r++) {
    const label = labels?.[r] ?? 0;
    dhNext.fill(0);
    for (let t = (lengths[r] as number) - 1; t >= 0; t--) {
      const at = (r * T + t) * V;
      const id = ids[r * T + t] as number;
      const hPrev = (r * (T + 1) + t) * H;
      const hNow = hPrev + H;
      for (let j = 0; j < V; j++)
        dz[j] = (dy[at + j] as number) * (mask === undefined ? 1 : (mask[at + j] as number));
      // o2o: z = [h ; o]·Koo + boo
      for (let j = 0; j < V; j++) dboo[j] = (dboo[j] as number) + (dz[j] as number);
      for (let k = 0; k < H; k++) {
        const hk = hs[hNow + k] as number;
        let sum = 0;
        for (let j = 0; j < V; j++) {
          dKoo[k * V + j] = (dKoo[k * V + j] as number) + hk * (dz[j] as number);
          sum += (w.Koo[k * V + j] as number) * (dz[j] as number);
        }
        dh[k] = sum + (dhNext[k] as number);
      }
      for (let k = 0; k < V; k++) {
        const ok = os[at + k] as number;
        let sum = 0;
        for (let j = 0; j < V; j++) {
          dKoo[(H + k) * V + j] = (dKoo[(H + k) * V + j] as number) + ok * (dz[j] as number);
          sum += (w.Koo[(H + k) * V + j] as number) * (dz[j] as number);
        }
        dout[k] = sum;
      }
      // i2h and i2o: both read a = [onehot(label) ; onehot(id) ; hPrev]
      for (let j = 0; j < H; j++) {
        const g = dh[j] as number;
        dbh[j] = (dbh[j] as number) + g;
        dKh[(C + id) * H + j] = (dKh[(C + id) * H + j] as number) + g;
        if (C > 0) dKh[label * H + j] = (dKh[label * H + j] as number) + g;
      }
      for (let j = 0; j < V; j++) {
        const g = dout[j] as number;
        dbo[j] = (dbo[j] as number) + g;
        dKo[(C + id) * V + j] = (dKo[(C + id) * V + j] as number) + g;
        if (C > 0) dKo[label * V + j] = (dKo[label * V + j] as number) + g;
      }
      for (let k = 0; k < H; k++) {
        const hk = hs[hPrev + k] as number;
        const rowH = (C + V + k) * H;
        const rowO = (C + V + k) * V;
        let sum = 0;
        for (let j = 0; j < H; j++) {
          dKh[rowH + j] = (dKh[rowH + j] as number) + hk * (dh[j] as number);
          sum += (w.Kh[rowH + j] as number) * (dh[j] as number);
        }
        for (let j = 0; j < V; j++) {
          dKo[rowO + j] = (dKo[rowO + j] as number) + hk * (dout[j] as number);
          sum += (w.Ko[rowO + j] as number) * (dout[j] as number);
        }
        dhNext[k] = sum;
      }
    }
  }
  return [
    tf.tensor2d(Float32Array.from(dKh), [I, H]),
    tf.tensor1d(Float32Array.from(dbh)),
    tf.tensor2d(Float32Array.from(dKo), [I, V]),
    tf.tensor1d(Float32Array.from(dbo)),
    tf.tensor2d(Float32Array.from(dKoo), [H + V, V]),
    tf.tensor1d(Float32Array.from(dboo)),
  ];
}

import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, Rng, TrainingDivergedError } from '@charrnn/core';
import type { RngState } from '@charrnn/core';
import { LanguageModel, TutorialGenerator } from '@charrnn/layers';
import type { LanguageModelBatch, LanguageModelState } from '@charrnn/layers';
import { Tokenizer } from '@charrnn/tokenizer';
import { Optimizer } from '../optimizer.js';
import type { OptimizerState } from '../optimizer.js';
import type { GeneratorBundle, GeneratorModel } from './generator_bundle.js';
import { BALANCED_LABEL_ALPHA, checkGeneratorRecipe } from './generator_recipe.js';
import type { GeneratorRecipe } from './generator_recipe.js';
import { namesBpc, textBpc } from './evaluate_bpc.js';
import { labelDraws } from './label_draws.js';
import type { LabelDraws } from './label_draws.js';
import { boundaryId, encodeNames, nameBatch, textStreams, textWindow } from './language_model_data.js';
import type { EncodedName, GeneratorData, TextStreams } from './language_model_data.js';

/** One epoch of a language-model run. */
export interface GeneratorEpochRecord {
  /** 1-based epoch. */
  epoch: number;
  /** Training steps done so far. */
  step: number;
  /** Mean training loss of the epoch's steps, in bits per character. */
  trainBpc: number;
  /** Validation bits per character (EOS counted as a character), when there is validation data. */
  valBpc?: number;
  /** Seconds spent in training steps so far. */
  trainSeconds: number;
}

/** Progress events of {@link trainLanguageModel}. */
export type GeneratorTrainEvent =
  | {
      type: 'start';
      totalSteps: number;
      stepsPerEpoch: number;
      /** Characters (EOS included) of one epoch. */
      charsPerEpoch: number;
      backend: string;
      /** Validation names skipped because their label is not a training label. */
      skippedVal: number;
    }
  | { type: 'step'; step: number; totalSteps: number; bpc: number; charsPerSecond: number }
  | ({ type: 'epoch'; totalSteps: number; charsPerSecond: number } & GeneratorEpochRecord)
  | { type: 'end'; metrics: GeneratorMetrics; stopped: 'completed' | 'aborted' };

/** What a language-model run measured (`metrics.json` of a generator run). */
export interface GeneratorMetrics {
  /** Validation bits per character of the returned weights (best epoch for names with `restoreBest`). */
  val_bpc: number | null;
  /** Best epoch's validation bits per character. */
  best_val_bpc: number | null;
  /** 1-based epoch of `best_val_bpc` (0 without validation). */
  best_epoch: number;
  /** Characters trained / seconds in training steps. */
  train_chars_per_s: number;
  /** Seconds in training steps. */
  train_seconds: number;
  /** Per epoch. */
  epochs: { epoch: number; train_bpc: number; val_bpc: number | null }[];
}

/**
 * Where a language-model run was: pass it back through a store to continue bit for bit.
 */
export interface LanguageModelCheckpoint {
  /** Steps done. */
  steps: number;
  /** Epochs completed. */
  epochs: number;
  /** Epoch records so far. */
  history: GeneratorEpochRecord[];
  trainMs: number;
  charsTrained: number;
  /** Sum of the batch losses (nats) and steps of the unfinished epoch. */
  epochLoss: number;
  epochSteps: number;
  weights: Float32Array[];
  bestWeights: Float32Array[] | null;
  bestEpoch: number;
  bestBpc: number | null;
  optimizer: OptimizerState;
  dropoutRng: RngState;
  /** Text: the state carried into the next window; null at an epoch start. */
  carriedState: Float32Array[][] | null;
}

/** A saved checkpoint and the run it belongs to. */
export interface SavedLanguageModelCheckpoint {
  meta: {
    recipe: GeneratorRecipe;
    kind: 'names' | 'text';
    labels: string[];
    tokenizer: unknown;
    dataChars: number;
  };
  checkpoint: LanguageModelCheckpoint;
}

/** Where {@link trainLanguageModel} keeps its checkpoint (replaced at every epoch end and on abort). */
export interface LanguageModelCheckpointStore {
  load(): Promise<SavedLanguageModelCheckpoint | null>;
  save(saved: SavedLanguageModelCheckpoint): Promise<void>;
  clear(): Promise<void>;
}

/** A {@link LanguageModelCheckpointStore} in memory (tests; pausing within one process or page). */
export function memoryLanguageModelStore(): LanguageModelCheckpointStore {
  let saved: SavedLanguageModelCheckpoint | null = null;
  const copy = (s: SavedLanguageModelCheckpoint): SavedLanguageModelCheckpoint => structuredClone(s);
  return {
    load: () => Promise.resolve(saved === null ? null : copy(saved)),
    save: (s) => {
      saved = copy(s);
      return Promise.resolve();
    },
    clear: () => {
      saved = null;
      return Promise.resolve();
    },
  };
}

/** How {@link trainLanguageModel} reports, stops and saves. */
export interface TrainLanguageModelOptions {
  /** Progress events; keep it quick. */
  onEvent?: (event: GeneratorTrainEvent) => void;
  /** Stops after the current step (a checkpoint is saved when there is a store); resolves with `stopped: 'aborted'`. */
  signal?: AbortSignal;
  /** Where the checkpoint goes (every epoch end and on abort). */
  store?: LanguageModelCheckpointStore;
  /** Continue from the checkpoint in `store` (same data and recipe). Default false: a new run, the store is cleared. */
  resume?: boolean;
  /** Steps between `'step'` events (default 50). */
  logEvery?: number;
}

/** What {@link trainLanguageModel} returns. */
export interface TrainedLanguageModel {
  /** The generator: model, tokenizer, labels, recipe (dispose `bundle.model` when done). */
  bundle: GeneratorBundle;
  metrics: GeneratorMetrics;
  history: GeneratorEpochRecord[];
  stopped: 'completed' | 'aborted';
}

const YIELD_EVERY_MS = 50;
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Prepared data of either kind. */
type Prepared =
  | { kind: 'names'; train: EncodedName[]; val: EncodedName[]; conditional: boolean; skippedVal: number }
  | { kind: 'text'; train: TextStreams; val: TextStreams | null };

/**
 * Trains a character language model from plain data and a {@link GeneratorRecipe}: names (each
 * BOS → characters → EOS, conditioned on its label when `labelEmbedDim > 0`) or one text (windows
 * of `seqLen` characters of `batchSize` parallel streams, the state carried across consecutive
 * windows, the last 10% held out). Validation bits per character (EOS counted) every epoch;
 * checkpoints to `store`; deterministic: the same data, recipe and backend give the same
 * weights, bit for bit on cpu and wasm, with or without a stop and resume in between.
 *
 * @example
 * ```ts
 * const { bundle, metrics } = await trainLanguageModel({ kind: 'names', train, val }, DEFAULT_GENERATOR_RECIPE);
 * const names = sampleNames(bundle, { label: 'Italian', count: 5, temperature: 0.8, seed: 1 });
 * ```
 * @throws InvalidConfigError for a bad recipe, InvalidArgumentError for unusable data or a
 *   mismatched resume, TrainingDivergedError when the loss diverges
 */
export async function trainLanguageModel(
  data: GeneratorData,
  recipe: GeneratorRecipe,
  options: TrainLanguageModelOptions = {},
): Promise<TrainedLanguageModel> {
  checkGeneratorRecipe(recipe);
  const { onEvent, signal, store } = options;
  const logEvery = options.logEvery ?? 50;
  const saved = store !== undefined && options.resume === true ? await store.load() : null;
  if (store !== undefined && options.resume !== true) await store.clear();

  // Vocabulary and labels (from the checkpoint when resuming, so that ids match).
  const texts = data.kind === 'names' ? data.train.map((n) => n.name) : [data.text];
  const labels =
    saved?.meta.labels ?? (data.kind === 'names' ? [...new Set(data.train.map((n) => n.label))].sort() : []);
  const tokenizer =
    saved !== null
      ? Tokenizer.fromJSON(saved.meta.tokenizer)
      : Tokenizer.fromCorpus(texts, { normalization: recipe.normalization });
  const dataChars = texts.reduce((n, t) => n + t.length, 0);
  if (saved !== null) {
    if (JSON.stringify(saved.meta.recipe) !== JSON.stringify(recipe) || saved.meta.kind !== data.kind)
      throw new InvalidArgumentError("the recipe or data kind differs from the checkpoint's", {
        field: 'resume',
      });
    if (saved.meta.dataChars !== dataChars)
      throw new InvalidArgumentError(
        `the training data differs from the run's (${saved.meta.dataChars} characters then, ${dataChars} now)`,
        { field: 'resume' },
      );
  }
  const boundary = boundaryId(tokenizer);
  const prepared = prepare(data, recipe, tokenizer, labels);
  if (prepared.kind === 'names' && prepared.train.length === 0)
    throw new InvalidArgumentError('no training names', { field: 'train' });
  const conditional = prepared.kind === 'names' && prepared.conditional;

  const model: GeneratorModel =
    recipe.architecture === 'tutorial'
      ? TutorialGenerator.create(
          {
            architecture: 'tutorial',
            vocabSize: boundary + 1,
            hiddenSize: recipe.hiddenSize,
            ...(recipe.dropout > 0 ? { dropout: recipe.dropout } : {}),
            ...(conditional ? { numLabels: labels.length } : {}),
          },
          new Rng(recipe.seed),
        )
      : LanguageModel.create(
          {
            cell: recipe.cell,
            vocabSize: boundary + 1,
            embedDim: recipe.embedDim,
            hiddenSize: recipe.hiddenSize,
            layers: recipe.layers,
            ...(recipe.dropout > 0 ? { dropout: recipe.dropout } : {}),
            ...(conditional ? { numLabels: labels.length, labelEmbedDim: recipe.labelEmbedDim } : {}),
          },
          new Rng(recipe.seed),
          { init: recipe.init ?? 'keras' },
        );
  const weights = model.trainableWeights;
  const optimizer = new Optimizer(weights, {
    kind: recipe.optimizer,
    learningRate: recipe.learningRate,
    epsilon: recipe.epsilon ?? 1e-8,
    ...(recipe.momentum === undefined ? {} : { momentum: recipe.momentum }),
    ...(recipe.pytorchBiases === true
      ? {
          tiedCopies: model
            .toArtifacts()
            .weightSpecs.map(({ name }) => (/^(lstm|simple_rnn)(_\d+)?\/bias$/.test(name) ? 2 : 1)),
        }
      : {}),
  });
  const stepsPerEpoch =
    prepared.kind === 'names'
      ? Math.ceil(prepared.train.length / recipe.batchSize)
      : Math.floor((prepared.train.n - recipe.seqLen) / recipe.seqLen) + 1;
  if (stepsPerEpoch < 1)
    throw new InvalidArgumentError(
      `the training text is too short for windows of ${recipe.seqLen} characters in ${recipe.batchSize} streams`,
      { field: 'text' },
    );
  const totalSteps = recipe.iterations ?? stepsPerEpoch * recipe.epochs;
  const epochCount = Math.ceil(totalSteps / stepsPerEpoch);
  /** Steps of epoch `e` (0-based): all but the last of an `iterations` run are whole. */
  const stepsOfEpoch = (e: number): number => Math.min(stepsPerEpoch, totalSteps - e * stepsPerEpoch);
  const charsPerEpoch =
    prepared.kind === 'names'
      ? prepared.train.reduce((n, e) => n + e.ids.length + 1, 0)
      : stepsPerEpoch * recipe.batchSize * recipe.seqLen;

  // Run state (what a checkpoint holds).
  let steps = 0;
  let epochs = 0;
  const history: GeneratorEpochRecord[] = [];
  let trainMs = 0;
  let charsTrained = 0;
  let epochLoss = 0;
  let epochSteps = 0;
  let bestWeights: Float32Array[] | null = null;
  let bestEpoch = 0;
  let bestBpc: number | null = null;
  let dropoutRng = new Rng((recipe.seed + 0x9e3779b9) >>> 0);
  let carried: LanguageModelState | null = null;
  const setWeights = (values: readonly Float32Array[]): void =>
    weights.forEach((w, i) => {
      const t = tf.tensor(values[i] as Float32Array, w.shape);
      w.assign(t);
      t.dispose();
    });
  if (saved !== null) {
    const c = saved.checkpoint;
    setWeights(c.weights);
    optimizer.setState(c.optimizer);
    ({ steps, epochs, trainMs, charsTrained, epochLoss, epochSteps, bestEpoch, bestBpc } = c);
    history.push(...c.history);
    bestWeights = c.bestWeights;
    dropoutRng = Rng.fromState(c.dropoutRng);
    carried = c.carriedState;
  }
  const snapshot = (): SavedLanguageModelCheckpoint => ({
    meta: {
      recipe: { ...recipe },
      kind: data.kind,
      labels: [...labels],
      tokenizer: tokenizer.toJSON(),
      dataChars,
    },
    checkpoint: {
      steps,
      epochs,
      history: history.map((h) => ({ ...h })),
      trainMs,
      charsTrained,
      epochLoss,
      epochSteps,
      weights: weights.map((w) => Float32Array.from(w.dataSync() as Float32Array)),
      bestWeights: bestWeights?.map((w) => Float32Array.from(w)) ?? null,
      bestEpoch,
      bestBpc,
      optimizer: optimizer.getState(),
      dropoutRng: dropoutRng.getState(),
      carriedState: carried?.map((l) => l.map((s) => Float32Array.from(s))) ?? null,
    },
  });

  // Names: one shuffle per epoch from one stream, replayed for the epochs already done; or draws
  // with replacement (a label, then one of its names: see labelDraws), replayed for the steps done.
  const orderRng = new Rng(recipe.seed ^ 0x5bd1e995);
  const draws =
    prepared.kind === 'names' && (recipe.sampler === 'tutorial' || recipe.sampler === 'balanced')
      ? labelDraws(
          prepared.train.map((n) => n.label),
          recipe.sampler === 'balanced' ? (recipe.labelAlpha ?? BALANCED_LABEL_ALPHA) : 0,
          orderRng,
        )
      : undefined;
  const shuffled = (): number[] | undefined =>
    prepared.kind === 'names' && draws === undefined
      ? orderRng.shuffle(Array.from(prepared.train, (_, i) => i))
      : undefined;
  if (draws !== undefined) for (let i = 0; i < steps * recipe.batchSize; i++) draws.draw();
  else for (let e = 0; e < epochs; e++) shuffled();

  const trainStep = (batch: LanguageModelBatch, targets: Int32Array, keepState: boolean): number => {
    const { value, grads } = tf.variableGrads(
      () =>
        model.loss(batch, targets, {
          training: true,
          rng: dropoutRng,
          ...(keepState && carried !== null ? { initialState: carried } : {}),
          ...(keepState ? { onFinalState: (s: LanguageModelState) => (carried = s) } : {}),
        }),
      weights,
    );
    // The summed loss (the tutorial's) and its gradient are the mean's times the number of
    // non-PAD targets (scaled after the tape: tfjs-core alone has no gradient for tf.mul).
    const count = recipe.loss === 'sum' ? targets.reduce((n, t) => n + (t === 0 ? 0 : 1), 0) : 1;
    const list = weights.map((w) =>
      count === 1 ? (grads[w.name] as tf.Tensor) : tf.tidy(() => tf.mul(grads[w.name] as tf.Tensor, count)),
    );
    if (count !== 1) tf.dispose(Object.values(grads));
    try {
      optimizer.apply(list, recipe.clipNorm > 0 ? recipe.clipNorm : undefined);
    } catch (error) {
      if (error instanceof TrainingDivergedError)
        throw new TrainingDivergedError(`${error.message} at step ${steps + 1}`, { cause: error });
      throw error;
    } finally {
      tf.dispose(list);
    }
    const loss = value.dataSync()[0] as number;
    value.dispose();
    if (!Number.isFinite(loss)) throw new TrainingDivergedError(`loss is ${loss} at step ${steps + 1}`);
    return loss;
  };

  const evaluateBpc = (): number | undefined => {
    if (prepared.kind === 'names')
      return prepared.val.length === 0
        ? undefined
        : namesBpc(model, prepared.val, boundary, prepared.conditional);
    return prepared.val === null ? undefined : textBpc(model, prepared.val, recipe.seqLen);
  };

  onEvent?.({
    type: 'start',
    totalSteps,
    stepsPerEpoch,
    charsPerEpoch,
    backend: tf.getBackend(),
    skippedVal: prepared.kind === 'names' ? prepared.skippedVal : 0,
  });
  let stopped: 'completed' | 'aborted' = 'completed';
  let lastYield = performance.now();
  let windowLoss = 0;
  let windowSteps = 0;
  const charsPerSecond = (): number => (trainMs > 0 ? charsTrained / (trainMs / 1000) : 0);
  try {
    outer: while (epochs < epochCount) {
      const order = shuffled();
      for (let k = epochSteps; k < stepsOfEpoch(epochs); k++) {
        if (signal?.aborted === true) {
          stopped = 'aborted';
          break outer;
        }
        const start = performance.now();
        let loss: number;
        let chars: number;
        if (prepared.kind === 'names') {
          const idx =
            order === undefined
              ? Array.from({ length: recipe.batchSize }, () => (draws as LabelDraws).draw())
              : order.slice(k * recipe.batchSize, (k + 1) * recipe.batchSize);
          const b = nameBatch(
            idx.map((i) => prepared.train[i] as EncodedName),
            boundary,
            prepared.conditional,
          );
          loss = trainStep(b.batch, b.targets, false);
          chars = b.chars;
        } else {
          const w = textWindow(prepared.train, k * recipe.seqLen, recipe.seqLen);
          loss = trainStep(w.batch, w.targets, true);
          chars = recipe.batchSize * recipe.seqLen;
        }
        trainMs += performance.now() - start;
        charsTrained += chars;
        steps++;
        epochLoss += loss;
        epochSteps++;
        windowLoss += loss;
        windowSteps++;
        if (steps % logEvery === 0) {
          onEvent?.({
            type: 'step',
            step: steps,
            totalSteps,
            bpc: windowLoss / windowSteps / Math.LN2,
            charsPerSecond: charsPerSecond(),
          });
          windowLoss = 0;
          windowSteps = 0;
        }
        if (performance.now() - lastYield >= YIELD_EVERY_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
      const valBpc = evaluateBpc();
      const record: GeneratorEpochRecord = {
        epoch: epochs + 1,
        step: steps,
        trainBpc: epochLoss / epochSteps / Math.LN2,
        trainSeconds: trainMs / 1000,
        ...(valBpc === undefined ? {} : { valBpc }),
      };
      history.push(record);
      if (valBpc !== undefined && (bestBpc === null || valBpc < bestBpc)) {
        bestBpc = valBpc;
        bestEpoch = record.epoch;
        if (recipe.restoreBest)
          bestWeights = weights.map((w) => Float32Array.from(w.dataSync() as Float32Array));
      }
      epochs++;
      epochLoss = 0;
      epochSteps = 0;
      carried = null;
      onEvent?.({ type: 'epoch', ...record, totalSteps, charsPerSecond: charsPerSecond() });
      if (store !== undefined) await store.save(snapshot());
    }
    if (stopped === 'aborted' && store !== undefined) await store.save(snapshot());
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    optimizer.dispose();
  }
  let valBpc = history.at(-1)?.valBpc ?? null;
  if (recipe.restoreBest && bestWeights !== null && stopped === 'completed') {
    setWeights(bestWeights);
    valBpc = bestBpc;
  }
  const metrics: GeneratorMetrics = {
    val_bpc: valBpc,
    best_val_bpc: bestBpc,
    best_epoch: bestEpoch,
    train_chars_per_s: charsPerSecond(),
    train_seconds: trainMs / 1000,
    epochs: history.map((h) => ({ epoch: h.epoch, train_bpc: h.trainBpc, val_bpc: h.valBpc ?? null })),
  };
  onEvent?.({ type: 'end', metrics, stopped });
  return {
    bundle: {
      model,
      tokenizer,
      labels: conditional ? labels : [],
      kind: data.kind,
      recipe: { ...recipe },
      ...(data.kind === 'names' ? { trainNames: data.train.map((n) => n.name) } : {}),
    },
    metrics,
    history,
    stopped,
  };
}

function prepare(
  data: GeneratorData,
  recipe: GeneratorRecipe,
  tokenizer: Tokenizer,
  labels: readonly string[],
): Prepared {
  if (data.kind === 'names') {
    const conditional = recipe.labelEmbedDim > 0;
    const val = encodeNames(data.val ?? [], tokenizer, labels);
    const known = conditional ? val.filter((v) => v.label >= 0) : val;
    return {
      kind: 'names',
      train: encodeNames(data.train, tokenizer, labels),
      val: known,
      conditional,
      skippedVal: val.length - known.length,
    };
  }
  const fraction = data.valFraction ?? 0.1;
  if (!(fraction >= 0 && fraction < 1))
    throw new InvalidArgumentError(`valFraction must be in [0, 1), got ${fraction}`, {
      field: 'valFraction',
    });
  const ids = tokenizer.encode(data.text);
  const cut = Math.floor(ids.length * (1 - fraction));
  return {
    kind: 'text',
    train: textStreams(ids.subarray(0, cut), recipe.batchSize),
    val: fraction > 0 ? textStreams(ids.subarray(cut), recipe.batchSize) : null,
  };
}

import { InvalidConfigError } from '@charrnn/core';
import { MAX_NGRAM, type CellType, type ClassifierConfig } from '@charrnn/layers';
import type { Example } from '@charrnn/data';
import { classWeightsFor } from './class_weights.js';
import { MONITOR_METRICS, type LearningRateSchedule, type MonitorMetric } from './schedule.js';
import type { TrainRunOptions } from './train.js';

/** The network a {@link Recipe} trains. */
export interface ModelRecipe {
  /** Recurrent cell: `'gru'`, `'lstm'`, `'simple'` (Keras SimpleRNN) or `'rnn'` (the tutorial's). */
  cell: CellType;
  /** Stacked recurrent layers, ≥ 1. */
  layers: number;
  /** Bidirectional layers merged by `'concat'` or `'sum'`; `null`: one direction. */
  bidirectional: 'concat' | 'sum' | null;
  /** Hidden units per direction. */
  hidden: number;
  /** Width of the character embedding. */
  embed: number;
  /** Dropout on the inputs of each recurrent layer and on the classifier's input, in [0, 0.95]. */
  dropout: number;
  /** Dropout on the recurrent state, in [0, 0.95]. */
  recurrentDropout: number;
  /** GRU only: apply the reset gate after the recurrent product (Keras `reset_after`). */
  resetAfter: boolean;
}

/** How a {@link Recipe} updates the weights. */
export interface OptimizerRecipe {
  /** `'adam'`, or `'sgd'` (with `momentum`). */
  kind: 'adam' | 'sgd';
  /** Base learning rate, > 0. */
  learningRate: number;
  /** Momentum of `'sgd'` in [0, 1); ignored by `'adam'`. */
  momentum: number;
  /** Clip gradients to this global L2 norm; 0: no clipping. */
  clipNorm: number;
}

/** Which epoch counts as best, and what the validation metric steers. */
export interface MonitorRecipe {
  /** Validation metric that picks the best epoch, the plateau and early stopping. */
  metric: MonitorMetric;
  /** Stop after this many epochs without improvement; `null`: never. */
  earlyStop: number | null;
  /** Multiply the learning rate by `factor` after `patience` flat epochs; `null`: never. */
  plateau: {
    /** Flat epochs before the rate is reduced. */
    patience: number;
    /** Multiplier of the learning rate, in (0, 1). */
    factor: number;
  } | null;
  /** At the end, put back the weights of the best validation epoch. */
  restoreBest: boolean;
}

/** The n-gram head mixed into the recurrent model after training. */
export interface NgramRecipe {
  /** Longest n-gram, 1 to `MAX_NGRAM` (n-grams of 1 to `order` characters). */
  order: number;
  /** Mixture weight `w` in (0, 1]: logits = (1 − w)·recurrent + w·n-gram. */
  weight: number;
}

/**
 * Everything that decides a trained classifier, as plain JSON-able data: pass it to
 * {@link trainClassifier}, store it, diff it. Start from {@link DEFAULT_RECIPE} (the best
 * charrnn knows) or {@link TUTORIAL_RECIPE} and override what you need:
 * `{ ...DEFAULT_RECIPE, seed: 7, model: { ...DEFAULT_RECIPE.model, hidden: 64 } }`.
 * Check one with {@link checkRecipe}.
 */
export interface Recipe {
  /** The network. */
  model: ModelRecipe;
  /** The optimizer. */
  optimizer: OptimizerRecipe;
  /** Learning-rate schedule over the run. */
  schedule: LearningRateSchedule;
  /**
   * `'shuffle'`: shuffled epochs; `'bucket'`: length-bucketed shuffled batches; `'balanced'`:
   * class-balanced; `'tutorial'`: a random label, then a random name of it.
   */
  sampler: 'tutorial' | 'shuffle' | 'bucket' | 'balanced';
  /** Epochs over the training names; exactly one of `epochs` and `iterations` is a number. */
  epochs: number | null;
  /** Training steps instead of epochs (the tutorial's `n_iters`). */
  iterations: number | null;
  /** With `iterations`: steps between validation passes; `null`: once, at the end. */
  evalEvery: number | null;
  /** Names per step. */
  batchSize: number;
  /** Best epoch, plateau, early stopping. */
  monitor: MonitorRecipe;
  /** Per-class loss weights: `'balanced'` (inverse frequency), `'sqrt'` (its square root) or `'none'`. */
  classWeight: 'none' | 'balanced' | 'sqrt';
  /** Label smoothing ε of the loss, in [0, 0.5]. */
  labelSmoothing: number;
  /** An n-gram head fitted after training and mixed in; `null`: none. */
  ngram: NgramRecipe | null;
  /**
   * Logit adjustment τ folded into the output bias after training (−τ·log prior, in [0, 5];
   * 0: none), or `'auto'`: τ chosen on the validation names.
   */
  logitAdjustment: number | 'auto';
  /** Members of a seed ensemble (seeds `seed`, `seed + 1`, …) averaged into one model; 1: one model. */
  ensemble: number;
  /** Seeds the weights, the sampler, dropout and the n-gram head: same seed, data and backend ⇒ same weights. */
  seed: number;
  /** `'tutorial'`: the tutorial's 57 ASCII characters (accents folded); `'unicode'`: every character of the training names. */
  alphabet: 'tutorial' | 'unicode';
}

/**
 * The best recipe charrnn knows for name classification (chosen on the names-split validation
 * set): a bidirectional GRU (128 units, embedding 64, dropout 0.3/0.1), Adam 0.003 with a cosine
 * schedule and clipping at 5, 15 epochs of batches of 64, the weights of the best epoch by val
 * macro-F1, an n-gram head (1–5, weight 0.5) and logit adjustment τ 0.4. It is what
 * `charrnn train` does without flags (test accuracy 0.845, macro-F1 0.551 on names-split).
 */
export const DEFAULT_RECIPE: Readonly<Recipe> = Object.freeze({
  model: Object.freeze({
    cell: 'gru',
    layers: 1,
    bidirectional: 'concat',
    hidden: 128,
    embed: 64,
    dropout: 0.3,
    recurrentDropout: 0.1,
    resetAfter: false,
  }),
  optimizer: Object.freeze({ kind: 'adam', learningRate: 0.003, momentum: 0.9, clipNorm: 5 }),
  schedule: Object.freeze({ type: 'cosine', minLearningRate: 0, warmupSteps: 0 }),
  sampler: 'shuffle',
  epochs: 15,
  iterations: null,
  evalEvery: null,
  batchSize: 64,
  monitor: Object.freeze({ metric: 'macro_f1', earlyStop: null, plateau: null, restoreBest: true }),
  classWeight: 'none',
  labelSmoothing: 0,
  ngram: Object.freeze({ order: 5, weight: 0.5 }),
  logitAdjustment: 0.4,
  ensemble: 1,
  seed: 42,
  alphabet: 'tutorial',
} satisfies Recipe);

/**
 * The classic PyTorch char-RNN tutorial's recipe (as `examples/tutorial-recipe.yaml` gives the
 * CLI): one tanh RNN layer of 128 units on a 128-wide embedding, SGD 0.01 with momentum 0.9 and
 * clipping at 1, one random (label, name) pair per step for 105,000 steps, and none of the
 * default recipe's extras.
 */
export const TUTORIAL_RECIPE: Readonly<Recipe> = Object.freeze({
  ...DEFAULT_RECIPE,
  model: Object.freeze({
    cell: 'rnn',
    layers: 1,
    bidirectional: null,
    hidden: 128,
    embed: 128,
    dropout: 0,
    recurrentDropout: 0,
    resetAfter: false,
  }),
  optimizer: Object.freeze({ kind: 'sgd', learningRate: 0.01, momentum: 0.9, clipNorm: 1 }),
  schedule: Object.freeze({ type: 'constant' }),
  sampler: 'tutorial',
  epochs: null,
  iterations: 105_000,
  batchSize: 1,
  monitor: Object.freeze({ ...DEFAULT_RECIPE.monitor, restoreBest: false }),
  ngram: null,
  logitAdjustment: 0,
} satisfies Recipe);

/**
 * Checks every field of a recipe (types and ranges, as the CLI's flags do) and returns it.
 *
 * @throws InvalidConfigError naming the field (`recipe.model.hidden`…) and what it expected
 */
export function checkRecipe(recipe: Recipe): Recipe {
  const fail = (field: string, message: string): never => {
    throw new InvalidConfigError(message, { field: `recipe.${field}` });
  };
  const isRecord = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  const integer = (field: string, value: unknown, min: number, max: number): void => {
    if (!(typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max))
      fail(field, `expected an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  };
  const number = (field: string, value: unknown, min: number, max: number, exclusiveMin = false): void => {
    if (
      !(typeof value === 'number' && Number.isFinite(value) && value <= max) ||
      (exclusiveMin ? !(value > min) : !(value >= min))
    )
      fail(
        field,
        `expected a number in ${exclusiveMin ? '(' : '['}${min}, ${max}], got ${JSON.stringify(value)}`,
      );
  };
  const choice = (field: string, value: unknown, choices: readonly unknown[]): void => {
    if (!choices.includes(value))
      fail(
        field,
        `expected one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, got ${JSON.stringify(value)}`,
      );
  };
  const object = (field: string, value: unknown): Record<string, unknown> =>
    isRecord(value) ? value : fail(field, `expected an object, got ${JSON.stringify(value)}`);

  if (!isRecord(recipe)) fail('(root)', 'expected an object');
  const m = object('model', recipe.model);
  choice('model.cell', m.cell, ['rnn', 'simple', 'lstm', 'gru']);
  integer('model.layers', m.layers, 1, 64);
  choice('model.bidirectional', m.bidirectional, ['concat', 'sum', null]);
  integer('model.hidden', m.hidden, 1, 4096);
  integer('model.embed', m.embed, 1, 4096);
  number('model.dropout', m.dropout, 0, 0.95);
  number('model.recurrentDropout', m.recurrentDropout, 0, 0.95);
  choice('model.resetAfter', m.resetAfter, [true, false]);
  if (m.resetAfter === true && m.cell !== 'gru') fail('model.resetAfter', 'applies to cell gru only');
  const o = object('optimizer', recipe.optimizer);
  choice('optimizer.kind', o.kind, ['adam', 'sgd']);
  number('optimizer.learningRate', o.learningRate, 0, 10, true);
  number('optimizer.momentum', o.momentum, 0, 0.9999);
  number('optimizer.clipNorm', o.clipNorm, 0, 1e6);
  const s = object('schedule', recipe.schedule);
  choice('schedule.type', s.type, ['constant', 'step', 'cosine']);
  if (s.type === 'step') {
    integer('schedule.everyEpochs', s.everyEpochs, 1, 100_000);
    number('schedule.gamma', s.gamma, 0, 1, true);
  } else if (s.type === 'cosine') {
    if (s.minLearningRate !== undefined) number('schedule.minLearningRate', s.minLearningRate, 0, 10);
    if (s.warmupSteps !== undefined) integer('schedule.warmupSteps', s.warmupSteps, 0, 1e9);
  }
  choice('sampler', recipe.sampler, ['tutorial', 'shuffle', 'bucket', 'balanced']);
  if ((recipe.epochs === null) === (recipe.iterations === null))
    fail('iterations', 'give exactly one of epochs and iterations (the other null)');
  if (recipe.epochs !== null) integer('epochs', recipe.epochs, 1, 100_000);
  if (recipe.iterations !== null) integer('iterations', recipe.iterations, 1, 1e9);
  if (recipe.evalEvery !== null) {
    integer('evalEvery', recipe.evalEvery, 1, 1e9);
    if (recipe.iterations === null)
      fail('evalEvery', 'applies to iterations only (epochs evaluate once each)');
  }
  integer('batchSize', recipe.batchSize, 1, 65_536);
  const mon = object('monitor', recipe.monitor);
  choice('monitor.metric', mon.metric, MONITOR_METRICS);
  if (mon.earlyStop !== null) integer('monitor.earlyStop', mon.earlyStop, 1, 100_000);
  if (mon.plateau !== null) {
    const p = object('monitor.plateau', mon.plateau);
    integer('monitor.plateau.patience', p.patience, 1, 10_000);
    number('monitor.plateau.factor', p.factor, 0, 0.9999, true);
  }
  choice('monitor.restoreBest', mon.restoreBest, [true, false]);
  choice('classWeight', recipe.classWeight, ['none', 'balanced', 'sqrt']);
  number('labelSmoothing', recipe.labelSmoothing, 0, 0.5);
  if (recipe.ngram !== null) {
    const n = object('ngram', recipe.ngram);
    integer('ngram.order', n.order, 1, MAX_NGRAM);
    number('ngram.weight', n.weight, 0, 1, true);
  }
  if (recipe.logitAdjustment !== 'auto') number('logitAdjustment', recipe.logitAdjustment, 0, 5);
  integer('ensemble', recipe.ensemble, 1, 16);
  integer('seed', recipe.seed, 0, 2 ** 32 - 1 - 16);
  choice('alphabet', recipe.alphabet, ['tutorial', 'unicode']);
  return recipe;
}

/** The architecture a recipe builds for a vocabulary and label count. @internal */
export function classifierConfigOf(
  model: ModelRecipe,
  vocabSize: number,
  numClasses: number,
): ClassifierConfig {
  return {
    cell: model.cell,
    vocabSize,
    embedDim: model.embed,
    hiddenSize: model.hidden,
    numClasses,
    ...(model.layers > 1 ? { layers: model.layers } : {}),
    ...(model.bidirectional === null ? {} : { bidirectional: model.bidirectional }),
    ...(model.resetAfter ? { resetAfter: true } : {}),
    ...(model.dropout > 0 ? { dropout: model.dropout } : {}),
    ...(model.recurrentDropout > 0 ? { recurrentDropout: model.recurrentDropout } : {}),
  };
}

/** The options of {@link train} (the loop) that a recipe asks for, for one member's `seed`. @internal */
export function trainOptionsOf(
  recipe: Recipe,
  seed: number,
  labels: readonly string[],
  trainExamples: readonly Example[],
  val: readonly Example[],
): TrainRunOptions {
  const hasVal = val.length > 0;
  const { optimizer, monitor } = recipe;
  return {
    optimizer: optimizer.kind,
    learningRate: optimizer.learningRate,
    ...(optimizer.kind === 'sgd' ? { momentum: optimizer.momentum } : {}),
    ...(optimizer.clipNorm > 0 ? { clipNorm: optimizer.clipNorm } : {}),
    batchSize: recipe.batchSize,
    ...(recipe.epochs !== null ? { epochs: recipe.epochs } : {}),
    ...(recipe.iterations !== null ? { iterations: recipe.iterations } : {}),
    ...(recipe.evalEvery !== null ? { evalEvery: recipe.evalEvery } : {}),
    sampler: recipe.sampler,
    seed,
    labels,
    schedule: recipe.schedule,
    monitor: monitor.metric,
    ...(recipe.labelSmoothing > 0 ? { labelSmoothing: recipe.labelSmoothing } : {}),
    ...(recipe.classWeight === 'none'
      ? {}
      : { classWeights: classWeightsFor(trainExamples, labels.length, recipe.classWeight) }),
    ...(hasVal ? { val: [...val] } : {}),
    ...(hasVal && monitor.plateau !== null
      ? { reduceOnPlateau: { patience: monitor.plateau.patience, factor: monitor.plateau.factor } }
      : {}),
    ...(hasVal && monitor.earlyStop !== null ? { earlyStopping: { patience: monitor.earlyStop } } : {}),
    ...(hasVal && monitor.restoreBest ? { restoreBest: true } : {}),
  };
}

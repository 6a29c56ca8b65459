import { InvalidArgumentError } from '@charrnn/core';
import { MAX_NGRAM } from '@charrnn/layers';
import { DEFAULT_RECIPE, TRAIN_LIMITS as L, TUTORIAL_RECIPE, type Recipe } from '@charrnn/trainer';
import { MONITOR_METRICS } from '@charrnn/trainer/internal';
import { BACKEND_CHOICES } from './backend.js';
import { parseThreads, type ThreadsChoice } from './kernel_threads.js';
import type { ConfigFile } from './config_file.js';
import { CONFIG_FLAGS, CONFIG_KEYS, attributeOf, type ConfigKey, type TrainConfig } from './config_keys.js';
import { Settings } from './config_settings.js';
import { parseChoice, parseInteger, parseNumber } from './options.js';

export { checkConfigObject, readConfigFile, type ConfigFile } from './config_file.js';
export { CONFIG_FLAGS, attributeOf, type TrainConfig } from './config_keys.js';

const R = DEFAULT_RECIPE;
const cosine = R.schedule.type === 'cosine' ? R.schedule : { minLearningRate: 0, warmupSteps: 0 };

/**
 * The default recipe: what `charrnn train --data train.tsv --val val.tsv` does without further
 * flags, as flag values: `DEFAULT_RECIPE` of `@charrnn/trainer` (chosen on the names-split
 * validation set; see the README), plus the defaults of the settings it leaves off (the step
 * schedule's, the plateau's factor).
 */
export const TRAIN_DEFAULTS = {
  force: false,
  allow_large: false,
  cell: R.model.cell,
  layers: R.model.layers,
  bidirectional: R.model.bidirectional,
  dropout: R.model.dropout,
  recurrent_dropout: R.model.recurrentDropout,
  reset_after: R.model.resetAfter,
  hidden: R.model.hidden,
  embed: R.model.embed,
  epochs: R.epochs ?? 1,
  batch: R.batchSize,
  optimizer: R.optimizer.kind,
  momentum: R.optimizer.momentum,
  clip: R.optimizer.clipNorm,
  sampler: R.sampler,
  alphabet: R.alphabet,
  seed: R.seed,
  ensemble: R.ensemble,
  backend: 'auto',
  // A classifier's products are small: with two threads its default recipe trained slower
  // (4,000 against 4,500 names/s here). Generators default to one thread per core.
  threads: 1 as ThreadsChoice,
  schedule: R.schedule.type,
  lr_step: 5,
  lr_gamma: 0.5,
  min_lr: cosine.minLearningRate ?? 0,
  warmup: cosine.warmupSteps ?? 0,
  plateau_factor: R.monitor.plateau?.factor ?? 0.5,
  monitor: R.monitor.metric,
  restore_best: R.monitor.restoreBest,
  class_weight: R.classWeight === 'balanced' ? 'auto' : R.classWeight,
  label_smoothing: R.labelSmoothing,
  logit_adjust: R.logitAdjustment,
  ngram: R.ngram?.order ?? 0,
  ngram_weight: R.ngram?.weight ?? 0.5,
} as const satisfies Partial<TrainConfig>;

/** Default τ of the logit adjustment for a recurrent model alone (`--ngram none`). */
export const LOGIT_ADJUST_WITHOUT_NGRAM = 0.25;

/** Default learning rate per optimizer when `--lr` is not given: the default and the tutorial recipe's. */
export const DEFAULT_LR = {
  sgd: TUTORIAL_RECIPE.optimizer.learningRate,
  adam: R.optimizer.learningRate,
} as const;

/** The recipe of `@charrnn/trainer` that a resolved configuration describes. */
export function recipeOf(config: TrainConfig): Recipe {
  return {
    model: {
      cell: config.cell,
      layers: config.layers,
      bidirectional: config.bidirectional,
      hidden: config.hidden,
      embed: config.embed,
      dropout: config.dropout,
      recurrentDropout: config.recurrent_dropout,
      resetAfter: config.reset_after,
    },
    optimizer: {
      kind: config.optimizer,
      learningRate: config.lr,
      momentum: config.momentum,
      clipNorm: config.clip,
    },
    schedule:
      config.schedule === 'step'
        ? { type: 'step', everyEpochs: config.lr_step, gamma: config.lr_gamma }
        : config.schedule === 'cosine'
          ? { type: 'cosine', minLearningRate: config.min_lr, warmupSteps: config.warmup }
          : { type: 'constant' },
    sampler: config.sampler,
    epochs: config.epochs,
    iterations: config.iters,
    evalEvery: null,
    batchSize: config.batch,
    monitor: {
      metric: config.monitor,
      earlyStop: config.early_stop,
      plateau: config.plateau === null ? null : { patience: config.plateau, factor: config.plateau_factor },
      restoreBest: config.restore_best,
    },
    classWeight: config.class_weight === 'auto' ? 'balanced' : config.class_weight,
    labelSmoothing: config.label_smoothing,
    ngram: config.ngram > 0 ? { order: config.ngram, weight: config.ngram_weight } : null,
    logitAdjustment: config.logit_adjust,
    ensemble: config.ensemble,
    seed: config.seed,
    alphabet: config.alphabet,
  };
}

/**
 * Resolves the configuration of a run from the flags given on the command line (`cli`: commander's
 * attributes, only those the user typed) and an optional config file: flags beat the file, the
 * file beats the defaults. Every error names its flag, or its file, line and key. With `saved`, the
 * file is a configuration this function resolved before (it holds every key, so settings that do
 * not apply to it, such as `lr_step` without the step schedule, are not refused).
 */
export function resolveTrainConfig(
  cli: Readonly<Record<string, unknown>>,
  file: ConfigFile | null = null,
  options: { saved?: boolean } = {},
): TrainConfig {
  const s = new Settings(cli, file);
  const d = TRAIN_DEFAULTS;
  const out = s.path('out');
  if (out === null)
    throw new InvalidArgumentError('is required (or give out in --config)', { field: '--out' });

  // --epochs and --iters exclude each other; a flag on the command line overrides the other from a file.
  let epochsGiven = s.given('epochs');
  let itersGiven = s.given('iters');
  if (epochsGiven && itersGiven) {
    const epochsCli = s.source('epochs').kind === 'cli';
    const itersCli = s.source('iters').kind === 'cli';
    if (epochsCli === itersCli) s.fail('iters', 'give either epochs or iters, not both');
    if (epochsCli) itersGiven = false;
    else epochsGiven = false;
  }
  const optimizer = s.choice('optimizer', d.optimizer, ['sgd', 'adam'] as const);
  const cell = s.choice('cell', d.cell, ['rnn', 'simple', 'lstm', 'gru'] as const);
  const resetAfter = s.flag('reset_after', d.reset_after);
  if (resetAfter && cell !== 'gru') s.fail('reset_after', 'applies to cell gru only');
  const schedule = s.choice('schedule', d.schedule, ['constant', 'step', 'cosine'] as const);
  const onlyWith = (key: ConfigKey, what: string, applies: boolean): void => {
    // A saved (resolved) configuration holds every key; only what a person typed is checked.
    if (options.saved !== true && s.given(key) && !applies) s.fail(key, `applies to ${what} only`);
  };
  onlyWith('lr_step', 'schedule step', schedule === 'step');
  onlyWith('lr_gamma', 'schedule step', schedule === 'step');
  onlyWith('min_lr', 'schedule cosine', schedule === 'cosine');
  onlyWith('warmup', 'schedule cosine', schedule === 'cosine');
  onlyWith('momentum', 'optimizer sgd', optimizer === 'sgd');
  const plateau = s.optionalInteger('plateau', 1, 10_000);
  const ngram = ngramSetting(s, options.saved === true);
  onlyWith('ngram_weight', 'an n-gram head (ngram 1 or more)', ngram > 0);
  onlyWith('plateau_factor', 'plateau (reduce-on-plateau)', plateau !== null);

  let bidirectional: TrainConfig['bidirectional'] = d.bidirectional;
  const bi = s.source('bidirectional');
  if (bi.kind !== 'default') {
    if (bi.value === false || bi.value === null || bi.value === 'none') bidirectional = null;
    else if (bi.value === true) bidirectional = 'concat';
    else bidirectional = parseChoice(s.where('bidirectional'), String(bi.value), ['concat', 'sum'] as const);
  }

  return {
    data: s.path('data'),
    val: s.path('val'),
    test: s.path('test'),
    out,
    force: s.flag('force', d.force),
    allow_large: s.flag('allow_large', d.allow_large),
    cell,
    layers: s.integer('layers', d.layers, L.layers.min, L.layers.max),
    bidirectional,
    dropout: s.number('dropout', d.dropout, L.dropout.min, L.dropout.max),
    recurrent_dropout: s.number(
      'recurrent_dropout',
      d.recurrent_dropout,
      L.recurrent_dropout.min,
      L.recurrent_dropout.max,
    ),
    reset_after: resetAfter,
    hidden: s.integer('hidden', d.hidden, L.hidden.min, L.hidden.max),
    embed: s.integer('embed', d.embed, L.embed.min, L.embed.max),
    epochs: epochsGiven
      ? s.integer('epochs', d.epochs, L.epochs.min, L.epochs.max)
      : itersGiven
        ? null
        : d.epochs,
    iters: itersGiven ? s.integer('iters', 1, 1, 1e9) : null,
    batch: s.integer('batch', d.batch, L.batch.min, L.batch.max),
    optimizer,
    lr: s.number('lr', DEFAULT_LR[optimizer], L.lr.min, L.lr.max, L.lr.exclusiveMin),
    momentum: s.number('momentum', d.momentum, 0, 0.9999),
    clip: s.number('clip', d.clip, L.clip.min, L.clip.max),
    sampler: s.choice('sampler', d.sampler, ['tutorial', 'shuffle', 'bucket', 'balanced'] as const),
    alphabet: s.choice('alphabet', d.alphabet, ['tutorial', 'unicode'] as const),
    seed: s.integer('seed', d.seed, 0, 2 ** 32 - 1 - 16),
    ensemble: s.integer('ensemble', d.ensemble, 1, 16),
    backend: s.choice('backend', d.backend, BACKEND_CHOICES),
    threads: threadsSetting(s),
    schedule,
    lr_step: s.integer('lr_step', d.lr_step, 1, 100_000),
    lr_gamma: s.number('lr_gamma', d.lr_gamma, 0, 1, true),
    min_lr: s.number('min_lr', d.min_lr, 0, 10),
    warmup: s.integer('warmup', d.warmup, 0, 1e9),
    plateau,
    plateau_factor: s.number('plateau_factor', d.plateau_factor, 0, 0.9999, true),
    monitor: s.choice('monitor', d.monitor, MONITOR_METRICS),
    early_stop: s.optionalInteger('early_stop', 1, 100_000),
    restore_best: s.flag('restore_best', d.restore_best),
    class_weight: s.choice('class_weight', d.class_weight, ['none', 'auto', 'sqrt'] as const),
    label_smoothing: s.number('label_smoothing', d.label_smoothing, 0, 0.5),
    logit_adjust: logitAdjust(s, ngram),
    ngram,
    ngram_weight: s.number('ngram_weight', d.ngram_weight, 0, 1, true),
  };
}

/** `--threads`: `auto` (one per core, the default) or a count. */
function threadsSetting(s: Settings): ThreadsChoice {
  const raw = s.text('threads');
  return raw === undefined ? TRAIN_DEFAULTS.threads : parseThreads(s.where('threads'), raw);
}

/** `--ngram`: `none` (0) or the longest n-gram, 1 to 8; a saved configuration without it had no head. */
function ngramSetting(s: Settings, saved: boolean): number {
  const raw = s.text('ngram');
  if (raw === undefined) return saved ? 0 : TRAIN_DEFAULTS.ngram;
  if (raw === 'none') return 0;
  const where = s.where('ngram');
  if (!/^\s*[-+.\d]/.test(raw)) parseChoice(where, raw, ['none', '<n>'] as const);
  return parseInteger(where, raw, 0, MAX_NGRAM);
}

/**
 * `--logit-adjust`: `none` (0), `auto`, or τ in [0, 5]. Its default depends on the n-gram head
 * (each chosen on the names-split validation set).
 */
function logitAdjust(s: Settings, ngram: number): number | 'auto' {
  const raw = s.text('logit_adjust');
  if (raw === undefined) return ngram > 0 ? TRAIN_DEFAULTS.logit_adjust : LOGIT_ADJUST_WITHOUT_NGRAM;
  if (raw === 'none') return 0;
  if (raw === 'auto') return 'auto';
  const where = s.where('logit_adjust');
  if (!/^\s*[-+.\d]/.test(raw)) parseChoice(where, raw, ['none', 'auto', '<tau>'] as const);
  return parseNumber(where, raw, 0, 5);
}

/** The flags given on the command line that `--resume` does not accept (all but `--backend` and `--threads`). */
export function flagsRefusedOnResume(cli: Readonly<Record<string, unknown>>): string[] {
  return CONFIG_KEYS.filter(
    (key) => key !== 'backend' && key !== 'threads' && cli[attributeOf(key)] !== undefined,
  ).map((key) => CONFIG_FLAGS[key]);
}

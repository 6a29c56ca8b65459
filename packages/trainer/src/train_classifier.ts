import { InvalidArgumentError, Rng, TrainingDivergedError, type ClassificationReport } from '@charrnn/core';
import { encodeExamples, type Example, type LabeledName } from '@charrnn/data';
import { CharClassifier } from '@charrnn/layers';
import { Tokenizer } from '@charrnn/tokenizer';
import type { TrainCheckpoint } from './checkpoint.js';
import type { CheckpointStore, RunCheckpointMeta, SavedCheckpoint } from './checkpoint_store.js';
import { fingerprintNames } from './checkpoint_store.js';
import {
  RunDivergedError,
  TrainingAbortedError,
  type ClassifierRunEvent,
  type TrainedClassifier,
} from './classifier_events.js';
import { evaluate } from './evaluate.js';
import { applyLogitAdjustment, fitLogitAdjustment } from './logit_adjustment.js';
import { attachNgramHead } from './ngram_mixture.js';
import { checkRecipe, classifierConfigOf, trainOptionsOf, type Recipe } from './recipe.js';
import {
  epochSummaries,
  combineResults,
  reportSection,
  scoreSummary,
  trainingMetrics,
  type LogitAdjustmentReport,
  type NgramReport,
  type RunMetrics,
} from './run_metrics.js';
import { train } from './train.js';
import type { TrainResult } from './train_events.js';

/** The names {@link trainClassifier} learns from (`LabeledName[]`, e.g. `loadCorpus(...).corpus.items`). */
export interface ClassifierData {
  /** Training names; their sorted distinct labels are the classes (at least 2). */
  train: readonly LabeledName[];
  /** Validation names: the best epoch, early stopping and `'auto'` logit adjustment use them. */
  val?: readonly LabeledName[];
  /** Test names, evaluated once at the end. */
  test?: readonly LabeledName[];
}

/** How {@link trainClassifier} reports, stops and saves. */
export interface TrainClassifierOptions {
  /** Receives progress events; keep it quick, it runs between training steps. */
  onEvent?: (event: ClassifierRunEvent) => void;
  /** Stops training after the current step (a checkpoint is saved when there is a store). */
  signal?: AbortSignal;
  /**
   * On abort, `'reject'` (default): reject with {@link TrainingAbortedError}; `'finish'`: finish
   * the run with the weights as they are (the members trained so far) and resolve with
   * `stopped: 'aborted'`.
   */
  onAbort?: 'reject' | 'finish';
  /** Where checkpoints go (every epoch end and on abort); without it, none are kept. */
  store?: CheckpointStore;
  /**
   * Continue from the checkpoints in `store` (each member from its own; members without one
   * start afresh; the same data and recipe are required). Default false: a new run, which clears
   * the store first.
   */
  resume?: boolean;
  /** Your own settings, saved with every checkpoint as `meta.config` (JSON-able). */
  checkpointConfig?: Record<string, unknown>;
  /** Steps between `'step'` events (default 100). */
  logEvery?: number;
  /** Names per validation batch (default 256). */
  evalBatchSize?: number;
}

/** Checks that a checkpoint belongs to this data. */
function checkResumable(
  saved: SavedCheckpoint,
  fingerprint: RunCheckpointMeta['train_data'],
  labels: string[],
): void {
  const { meta } = saved;
  if (meta.train_data.sha256 !== fingerprint.sha256 || meta.labels.join('\n') !== labels.join('\n'))
    throw new InvalidArgumentError(
      `the training data differs from the run's (${meta.train_data.names} names then, ${fingerprint.names} now): a resumed run must see the same data`,
      { field: 'resume' },
    );
}

/** JSON with the keys of every object sorted: equal for equal data, whatever the key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null)
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/** Checks that a checkpoint was written by this recipe (when it recorded one). */
function checkSameRecipe(saved: SavedCheckpoint, recipe: Recipe): void {
  if (saved.meta.recipe !== undefined && canonical(saved.meta.recipe) !== canonical(recipe))
    throw new InvalidArgumentError(
      "the recipe differs from the checkpoint's: a resumed run must use the same recipe",
      {
        field: 'resume',
      },
    );
}

/**
 * Trains a name classifier the way `charrnn train` does, from plain data and a {@link Recipe}:
 * tokenizer, one model per ensemble member (each trained in turn, then averaged), the best
 * epoch's weights, the n-gram head, logit adjustment, and the val/test reports. Deterministic:
 * the same data, recipe and backend give the same weights, bit for bit on cpu and wasm, with or
 * without a stop and resume in between.
 *
 * Run it after choosing a tfjs backend. Dispose `result.bundle.model` when done with it.
 *
 * @example
 * ```ts
 * const { bundle, metrics } = await trainClassifier({ train, val }, { ...DEFAULT_RECIPE, seed: 42 });
 * classifyNames(bundle, ['Rossi']);
 * ```
 * @throws InvalidConfigError for a bad recipe, InvalidArgumentError for unusable data or a
 *   mismatched resume, {@link RunDivergedError} when the loss diverges, {@link TrainingAbortedError}
 *   when stopped through `signal` (unless `onAbort: 'finish'`)
 */
export async function trainClassifier(
  data: ClassifierData,
  recipe: Recipe,
  options: TrainClassifierOptions = {},
): Promise<TrainedClassifier> {
  checkRecipe(recipe);
  const { onEvent, store, signal } = options;
  const resume = options.resume === true;
  const members = recipe.ensemble;
  const items = { train: data.train, val: data.val ?? [], test: data.test ?? [] };
  const labels = [...new Set(items.train.map((item) => item.label))].sort();
  if (items.train.length === 0 || labels.length < 2)
    throw new InvalidArgumentError(
      `the training data needs at least 2 labels with names, found ${labels.length} label(s) and ${items.train.length} name(s)`,
      { field: 'train' },
    );
  const fingerprint = store === undefined ? null : await fingerprintNames(items.train);
  const loadSaved = async (member: number): Promise<SavedCheckpoint | null> => {
    if (store === undefined || fingerprint === null || !resume) return null;
    const saved = await store.load({ member, members });
    if (saved !== null) {
      checkResumable(saved, fingerprint, labels);
      checkSameRecipe(saved, { ...recipe, seed: recipe.seed + member });
    }
    return saved;
  };
  if (store !== undefined && !resume) await store.clear();
  const first = await loadSaved(0);
  const tokenizer =
    first !== null
      ? Tokenizer.fromJSON(first.meta.tokenizer)
      : recipe.alphabet === 'tutorial'
        ? Tokenizer.tutorial()
        : Tokenizer.fromCorpus(
            items.train.map((item) => item.name),
            { normalization: 'unicode' },
          );
  const examples = {
    train: encodeExamples(items.train, tokenizer, labels),
    val: encodeExamples(items.val, tokenizer, labels),
    test: encodeExamples(items.test, tokenizer, labels),
  };
  const modelConfig = classifierConfigOf(recipe.model, tokenizer.vocabSize, labels.length);
  onEvent?.({
    type: 'start',
    recipe,
    labels,
    vocabSize: tokenizer.vocabSize,
    model: modelConfig,
    counts: { train: examples.train.length, val: examples.val.length, test: examples.test.length },
  });

  const models: CharClassifier[] = [];
  const results: TrainResult[] = [];
  let keep: CharClassifier | null = null;
  try {
    for (let m = 0; m < members; m++) {
      const seed = recipe.seed + m;
      const model = CharClassifier.create(modelConfig, new Rng(seed));
      models.push(model);
      const saved = m === 0 ? first : await loadSaved(m);
      const from = saved?.checkpoint;
      onEvent?.({
        type: 'member-start',
        member: m,
        members,
        seed,
        model,
        resumed:
          from === undefined
            ? null
            : {
                steps: from.steps,
                totalSteps: from.totalSteps,
                epochs: from.history.length,
                finished: from.finished,
              },
      });
      const meta: RunCheckpointMeta = {
        recipe: { ...recipe, seed },
        ...(options.checkpointConfig === undefined ? {} : { config: options.checkpointConfig }),
        labels,
        tokenizer: tokenizer.toJSON(),
        model: modelConfig,
        train_data: fingerprint ?? { names: items.train.length, sha256: '' },
      };
      let lastGood: TrainCheckpoint | null = from ?? null;
      let result: TrainResult;
      try {
        result = await train(model, examples.train, {
          ...trainOptionsOf(recipe, seed, labels, examples.train, examples.val),
          ...(options.logEvery === undefined ? {} : { logEvery: options.logEvery }),
          ...(options.evalBatchSize === undefined ? {} : { evalBatchSize: options.evalBatchSize }),
          ...(from === undefined ? {} : { resumeFrom: from }),
          ...(signal === undefined ? {} : { signal }),
          onEvent: (event) => {
            if (event.type === 'step' || event.type === 'epoch') onEvent?.({ ...event, member: m });
          },
          ...(store === undefined
            ? {}
            : {
                onCheckpoint: async (checkpoint: TrainCheckpoint) => {
                  await store.save({ member: m, members }, { meta, checkpoint });
                  lastGood = checkpoint;
                },
              }),
        });
      } catch (error) {
        if (error instanceof TrainingDivergedError) {
          const kept = lastGood as TrainCheckpoint | null;
          throw new RunDivergedError(
            error,
            m,
            kept === null ? null : { steps: kept.steps, epochs: kept.history.length },
          );
        }
        throw error;
      }
      results.push(result);
      if (result.stopped === 'aborted') {
        if (options.onAbort !== 'finish')
          throw new TrainingAbortedError(m, result.steps, store !== undefined);
        break;
      }
      onEvent?.({ type: 'member-end', member: m, result });
    }
    if (models.length > 1) onEvent?.({ type: 'phase', phase: 'ensemble-average' });
    const model = models.length === 1 ? (models[0] as CharClassifier) : CharClassifier.average(models);
    keep = model;
    const finished = finishRun(model, recipe, labels, examples, onEvent);
    const metrics: RunMetrics = {
      ...trainingMetrics(results, recipe.seed, {
        train: examples.train.length,
        val: examples.val.length,
        test: examples.test.length,
      }),
      ngram: finished.ngram,
      logit_adjustment: finished.adjustment,
      epochs: epochSummaries(combineResults(results)),
      ...(finished.val === undefined ? {} : { val: reportSection(finished.val) }),
      ...(finished.test === undefined ? {} : { test: reportSection(finished.test) }),
    };
    const head = model.ngramHead;
    const bundle = {
      model,
      tokenizer,
      labels,
      metadata: {
        formatVersion: 1 as const,
        createdAt: new Date().toISOString(),
        tokenizer: tokenizer.toJSON(),
        labels: [...labels],
        model: { ...model.config, ...(head === undefined ? {} : { ngram: head.toJSON() }) },
        training: { recipe, steps: metrics.steps, stopped: metrics.stopped },
        metrics: {
          ...(finished.val === undefined
            ? {}
            : { val: { accuracy: finished.val.accuracy, macro_f1: finished.val.macroF1 } }),
          ...(finished.test === undefined
            ? {}
            : { test: { accuracy: finished.test.accuracy, macro_f1: finished.test.macroF1 } }),
        },
      },
    };
    const result: TrainedClassifier = {
      bundle,
      stopped: metrics.stopped,
      metrics,
      members: results,
      ...(finished.val === undefined ? {} : { val: finished.val }),
      ...(finished.test === undefined ? {} : { test: finished.test }),
    };
    onEvent?.({ type: 'end', result });
    return result;
  } finally {
    for (const model of models) if (model !== keep) model.dispose();
  }
}

/** After training: n-gram head, logit adjustment, evaluation. */
function finishRun(
  model: CharClassifier,
  recipe: Recipe,
  labels: string[],
  examples: { train: readonly Example[]; val: readonly Example[]; test: readonly Example[] },
  onEvent: TrainClassifierOptions['onEvent'],
): {
  ngram: NgramReport | null;
  adjustment: LogitAdjustmentReport | null;
  val?: ClassificationReport;
  test?: ClassificationReport;
} {
  let ngram: NgramReport | null = null;
  if (recipe.ngram !== null) {
    onEvent?.({ type: 'phase', phase: 'ngram-fit' });
    ngram = attachNgramHead(model, recipe.ngram, recipe.seed, labels, examples);
    onEvent?.({ type: 'ngram-fit', report: ngram });
  }
  const foldedInto = ngram === null ? 'output' : 'ngram-head';
  let adjustment: LogitAdjustmentReport | null = null;
  const hasVal = examples.val.length > 0;
  const tau = recipe.logitAdjustment;
  if (tau === 'auto' ? hasVal : tau > 0) onEvent?.({ type: 'phase', phase: 'logit-adjustment' });
  if (tau === 'auto') {
    if (hasVal) {
      const fit = fitLogitAdjustment(model, examples.train, examples.val, labels, {
        metric: recipe.monitor.metric,
      });
      adjustment = { tau: fit.tau, chosen_on_val: true, val_before: scoreSummary(fit.before) };
      onEvent?.({
        type: 'logit-adjustment',
        report: adjustment,
        fit: { before: fit.before, after: fit.after },
        foldedInto,
      });
    }
  } else if (tau > 0) {
    const before = hasVal ? evaluate(model, examples.val, labels) : null;
    applyLogitAdjustment(model, examples.train, tau);
    adjustment = {
      tau,
      chosen_on_val: false,
      ...(before === null ? {} : { val_before: scoreSummary(before) }),
    };
    onEvent?.({ type: 'logit-adjustment', report: adjustment, foldedInto });
  }
  onEvent?.({ type: 'phase', phase: 'evaluate' });
  const val = hasVal ? evaluate(model, examples.val, labels) : undefined;
  const test = examples.test.length > 0 ? evaluate(model, examples.test, labels) : undefined;
  return {
    ngram,
    adjustment,
    ...(val === undefined ? {} : { val }),
    ...(test === undefined ? {} : { test }),
  };
}

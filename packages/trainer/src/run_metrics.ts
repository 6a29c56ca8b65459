import type { ClassificationReport } from '@charrnn/core';
import type { TrainResult } from './train_events.js';

/** Accuracy, macro-F1 and balanced accuracy of one model on one split. */
export interface ScoreSummary {
  /** Fraction of names classified correctly. */
  accuracy: number;
  /** Unweighted mean of per-class F1 (classes without support excluded). */
  macro_f1: number;
  /** Unweighted mean of per-class recall (classes without support excluded). */
  balanced_accuracy: number;
}

/** The full evaluation of one split: {@link ScoreSummary}, per-class figures, confusion matrix. */
export interface ReportSection extends ScoreSummary {
  /** Number of names evaluated. */
  count: number;
  /** One row per label, in label order. */
  per_class: {
    /** The label. */
    label: string;
    /** Of the names predicted as it, the share that are. */
    precision: number;
    /** Of its names, the share predicted as it. */
    recall: number;
    /** Harmonic mean of precision and recall. */
    f1: number;
    /** Its names in the split. */
    support: number;
  }[];
  /** Confusion counts, `confusion[true][predicted]`, in label order. */
  confusion: number[][];
}

/** The n-gram head of a run. */
export interface NgramReport {
  /** Longest n-gram. */
  max_n: number;
  /** Mixture weight of the head. */
  weight: number;
  /** Number of n-grams in the head. */
  grams: number;
  /** Seconds spent fitting the head. */
  fit_seconds: number;
  /** Mean cross-entropy of the head's last fitting epoch on the training names. */
  train_loss: number;
  /** The recurrent network alone, before any logit adjustment. */
  recurrent_only: {
    /** On the validation names. */
    val?: ScoreSummary;
    /** On the test names. */
    test?: ScoreSummary;
  };
  /** The n-gram head alone, before any logit adjustment. */
  ngram_only: {
    /** On the validation names. */
    val?: ScoreSummary;
    /** On the test names. */
    test?: ScoreSummary;
  };
}

/** The logit adjustment of a run. */
export interface LogitAdjustmentReport {
  /** The τ applied (0: the model was left unchanged). */
  tau: number;
  /** Whether τ was chosen on the validation names (recipe `'auto'`). */
  chosen_on_val: boolean;
  /** The validation figures before the adjustment, when there were validation names. */
  val_before?: ScoreSummary;
}

/** One ensemble member of a run. */
export interface EnsembleMemberReport {
  /** 1-based member number. */
  member: number;
  /** Its seed. */
  seed: number;
  /** Its best validation epoch (0 without validation). */
  best_epoch: number;
  /** Its seconds of training steps. */
  train_seconds: number;
  /** Validation accuracy at its best epoch. */
  val_accuracy?: number;
  /** Validation macro-F1 at its best epoch. */
  val_macro_f1?: number;
}

/** One line of the training history (the first member's, in an ensemble). */
export interface EpochSummary {
  /** 1-based epoch (or evaluation period). */
  epoch: number;
  /** Steps done at its end. */
  step: number;
  /** Mean training loss over it. */
  loss: number;
  /** Seconds of training steps so far. */
  train_seconds: number;
  /** Learning rate of its last step. */
  learning_rate?: number;
  /** Validation accuracy at its end. */
  val_accuracy?: number;
  /** Validation macro-F1 at its end. */
  val_macro_f1?: number;
  /** Validation balanced accuracy at its end. */
  val_balanced_accuracy?: number;
}

/**
 * What a {@link trainClassifier} run measured, keyed in snake_case as `charrnn train` writes it
 * into `metrics.json` (which adds the backend, the data source and its configuration).
 */
export interface RunMetrics {
  /** Training names. */
  train_names: number;
  /** Validation names. */
  val_names: number;
  /** Test names. */
  test_names: number;
  /** Training steps, all members together. */
  steps: number;
  /** How training ended (the first member's). */
  stopped: TrainResult['stopped'];
  /** Best validation epoch of the first member (0 without validation). */
  best_epoch: number;
  /** Whether the best epoch's weights were put back. */
  restored_best: boolean;
  /** Names seen by training steps (with repetitions), all members together. */
  names_trained: number;
  /** Seconds spent in training steps, all members together. */
  train_seconds: number;
  /** `names_trained / train_seconds`. */
  train_names_per_s: number;
  /** Training seconds until validation accuracy first reached 0.80 (first member), or null. */
  time_to_val_accuracy_0_80_s: number | null;
  /** Epoch at which validation accuracy first reached 0.80 (first member), or null. */
  epoch_to_val_accuracy_0_80: number | null;
  /** The members of an ensemble (absent for a single model). */
  ensemble?: EnsembleMemberReport[];
  /** The n-gram head, or null without one. */
  ngram: NgramReport | null;
  /** The logit adjustment, or null without one. */
  logit_adjustment: LogitAdjustmentReport | null;
  /** Training history (the first member's). */
  epochs: EpochSummary[];
  /** The final model on the validation names, when there were some. */
  val?: ReportSection;
  /** The final model on the test names, when there were some. */
  test?: ReportSection;
}

/** A report as {@link ReportSection} (snake_case, as in `metrics.json`). @internal */
export function reportSection(report: ClassificationReport): ReportSection {
  return {
    accuracy: report.accuracy,
    macro_f1: report.macroF1,
    balanced_accuracy: report.balancedAccuracy,
    count: report.count,
    per_class: report.perClass.map((c) => ({
      label: c.label,
      precision: c.precision,
      recall: c.recall,
      f1: c.f1,
      support: c.support,
    })),
    confusion: report.confusion,
  };
}

/** Accuracy, macro-F1 and balanced accuracy of a report. @internal */
export function scoreSummary(report: ClassificationReport): ScoreSummary {
  return { accuracy: report.accuracy, macro_f1: report.macroF1, balanced_accuracy: report.balancedAccuracy };
}

/** Time (training seconds) at which the validation accuracy first reached `threshold`, or null. */
function timeToAccuracy(
  history: TrainResult['history'],
  threshold: number,
): { epoch: number; seconds: number } | null {
  const hit = history.find((h) => h.val !== undefined && h.val.accuracy >= threshold);
  return hit === undefined ? null : { epoch: hit.epoch, seconds: hit.trainSeconds };
}

/** One result for the run: the first member's history; times, names and steps summed. @internal */
export function combineResults(results: readonly TrainResult[]): TrainResult {
  const first = results[0] as TrainResult;
  const trainSeconds = results.reduce((s, r) => s + r.trainSeconds, 0);
  const namesTrained = results.reduce((s, r) => s + r.namesTrained, 0);
  return {
    ...first,
    trainSeconds,
    namesTrained,
    namesPerSecond: trainSeconds > 0 ? namesTrained / trainSeconds : 0,
    steps: results.reduce((s, r) => s + r.steps, 0),
  };
}

/** The parts of {@link RunMetrics} that the training results alone decide. @internal */
export function trainingMetrics(
  members: readonly TrainResult[],
  seed: number,
  counts: { train: number; val: number; test: number },
): Pick<
  RunMetrics,
  | 'train_names'
  | 'val_names'
  | 'test_names'
  | 'steps'
  | 'stopped'
  | 'best_epoch'
  | 'restored_best'
  | 'names_trained'
  | 'train_seconds'
  | 'train_names_per_s'
  | 'time_to_val_accuracy_0_80_s'
  | 'epoch_to_val_accuracy_0_80'
  | 'ensemble'
> {
  const result = combineResults(members);
  const first80 = timeToAccuracy(result.history, 0.8);
  return {
    train_names: counts.train,
    val_names: counts.val,
    test_names: counts.test,
    steps: result.steps,
    stopped: result.stopped,
    best_epoch: result.bestEpoch,
    restored_best: result.restoredBest,
    names_trained: result.namesTrained,
    train_seconds: result.trainSeconds,
    train_names_per_s: result.namesPerSecond,
    time_to_val_accuracy_0_80_s: first80?.seconds ?? null,
    epoch_to_val_accuracy_0_80: first80?.epoch ?? null,
    ...(members.length > 1
      ? {
          ensemble: members.map((r, m) => {
            const best = r.history.find((h) => h.epoch === r.bestEpoch)?.val;
            return {
              member: m + 1,
              seed: seed + m,
              best_epoch: r.bestEpoch,
              train_seconds: r.trainSeconds,
              ...(best === undefined ? {} : { val_accuracy: best.accuracy, val_macro_f1: best.macroF1 }),
            };
          }),
        }
      : {}),
  };
}

/** The history of a result as {@link EpochSummary} lines. @internal */
export function epochSummaries(result: TrainResult): EpochSummary[] {
  return result.history.map((h) => ({
    epoch: h.epoch,
    step: h.step,
    loss: h.trainLoss,
    train_seconds: h.trainSeconds,
    ...(h.learningRate === undefined ? {} : { learning_rate: h.learningRate }),
    ...(h.val === undefined
      ? {}
      : {
          val_accuracy: h.val.accuracy,
          val_macro_f1: h.val.macroF1,
          val_balanced_accuracy: h.val.balancedAccuracy,
        }),
  }));
}

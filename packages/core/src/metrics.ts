import { InvalidArgumentError } from './errors.js';

/**
 * Metrics of one class in a {@link ClassificationReport}.
 *
 * Conventions (scikit-learn's `zero_division=0`): a class that was never predicted has
 * precision 0, a class with no true examples has recall 0, and F1 is 0 when precision and
 * recall are both 0.
 */
export interface ClassMetrics {
  /** Class name, from the `labels` given to {@link classificationReport}. */
  label: string;
  /** Correct predictions of this class / all predictions of this class (0 when never predicted). */
  precision: number;
  /** Correct predictions of this class / true examples of this class (0 when support is 0). */
  recall: number;
  /** Harmonic mean of precision and recall (0 when both are 0). */
  f1: number;
  /** Number of true examples of this class. */
  support: number;
}

/** Everything {@link classificationReport} computes from one set of predictions. */
export interface ClassificationReport {
  /** Fraction of examples predicted correctly. */
  accuracy: number;
  /**
   * Unweighted mean of per-class F1 over the classes chosen by {@link MetricsOptions.macroLabels}
   * (default: those with support > 0).
   */
  macroF1: number;
  /** Unweighted mean of per-class recall over the classes with support > 0. */
  balancedAccuracy: number;
  /** One entry per label, in label order. */
  perClass: ClassMetrics[];
  /** `confusion[t][p]` = number of examples of true class `t` predicted as class `p`. */
  confusion: number[][];
  /** The class names, index = class id. */
  labels: string[];
  /** Number of examples. */
  count: number;
}

/**
 * Which classes a macro average (macro-F1) covers:
 * - `'gold'` (default): the classes that occur in `yTrue` (support > 0). A class absent from the
 *   evaluation set says nothing about the model; predictions into it still lower the recall of
 *   the true class.
 * - `'gold-or-predicted'`: the classes that occur in `yTrue` or in `yPred`, scikit-learn's default
 *   (`f1_score(average='macro')`, whose `labels` default to the sorted union of `y_true` and
 *   `y_pred`): a class only ever predicted (support 0, so recall and F1 0) lowers the average.
 *   With `zero_division=0` this equals scikit-learn's value.
 * - an array of class ids: exactly those classes (scikit-learn's explicit `labels=`), support 0
 *   or not.
 */
export type MacroLabels = 'gold' | 'gold-or-predicted' | readonly number[];

/** Options of {@link classificationReport} and {@link macroF1}. */
export interface MetricsOptions {
  /** Classes the macro-F1 averages over; default `'gold'`. See {@link MacroLabels}. */
  macroLabels?: MacroLabels;
}

function checkNumClasses(numClasses: number): void {
  if (!Number.isInteger(numClasses) || numClasses <= 0) {
    throw new InvalidArgumentError(`numClasses must be a positive integer, got ${numClasses}`, {
      field: 'numClasses',
    });
  }
}

function checkPair(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): void {
  if (yTrue.length !== yPred.length) {
    throw new InvalidArgumentError(`yTrue and yPred differ in length: ${yTrue.length} vs ${yPred.length}`);
  }
}

function checkNonEmpty(count: number): void {
  if (count === 0) throw new InvalidArgumentError('metrics need at least one example, got 0');
}

/**
 * Confusion matrix of integer class ids.
 *
 * @param yTrue true class ids, each an integer in `[0, numClasses)`
 * @param yPred predicted class ids, same length and range as `yTrue`
 * @param numClasses number of classes (rows and columns of the result)
 * @returns `m` with `m[t][p]` = number of examples of true class `t` predicted as `p`
 * @throws InvalidArgumentError when the lengths differ, `numClasses` is not a positive integer
 *   or an id is not an integer in range (the message names the array and the index)
 *
 * @example
 * ```ts
 * confusionMatrix([0, 1, 1], [0, 1, 0], 2); // [[1, 0], [1, 1]]
 * ```
 */
export function confusionMatrix(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  numClasses: number,
): number[][] {
  checkNumClasses(numClasses);
  checkPair(yTrue, yPred);
  const matrix = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i] as number;
    const p = yPred[i] as number;
    if (!Number.isInteger(t) || t < 0 || t >= numClasses) {
      throw new InvalidArgumentError(`yTrue[${i}] = ${t} is not a class id in [0, ${numClasses})`, {
        field: `yTrue[${i}]`,
      });
    }
    if (!Number.isInteger(p) || p < 0 || p >= numClasses) {
      throw new InvalidArgumentError(`yPred[${i}] = ${p} is not a class id in [0, ${numClasses})`, {
        field: `yPred[${i}]`,
      });
    }
    (matrix[t] as number[])[p] = ((matrix[t] as number[])[p] as number) + 1;
  }
  return matrix;
}

/** Per-class metrics from a confusion matrix (index = class id). */
function perClassFromConfusion(confusion: number[][]): Omit<ClassMetrics, 'label'>[] {
  const n = confusion.length;
  const predicted = new Array<number>(n).fill(0);
  for (const row of confusion)
    for (let p = 0; p < n; p++) predicted[p] = (predicted[p] as number) + (row[p] as number);
  return confusion.map((row, k) => {
    const tp = row[k] as number;
    const support = row.reduce((a, b) => a + b, 0);
    const predictedK = predicted[k] as number;
    const precision = predictedK === 0 ? 0 : tp / predictedK;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { precision, recall, f1, support };
  });
}

/** Mean of `pick` over the classes `macroLabels` chooses (see {@link MacroLabels}). */
function macroMean(
  confusion: number[][],
  stats: readonly Omit<ClassMetrics, 'label'>[],
  pick: (s: Omit<ClassMetrics, 'label'>) => number,
  macroLabels: MacroLabels = 'gold',
): number {
  let include: (k: number) => boolean;
  if (macroLabels === 'gold') include = (k) => (stats[k] as Omit<ClassMetrics, 'label'>).support > 0;
  else if (macroLabels === 'gold-or-predicted')
    include = (k) =>
      (stats[k] as Omit<ClassMetrics, 'label'>).support > 0 ||
      confusion.some((row) => (row[k] as number) > 0);
  else if (Array.isArray(macroLabels)) {
    const chosen = new Set<number>();
    for (const [i, k] of (macroLabels as readonly number[]).entries()) {
      if (!Number.isInteger(k) || k < 0 || k >= stats.length)
        throw new InvalidArgumentError(`macroLabels[${i}] = ${k} is not a class id in [0, ${stats.length})`, {
          field: `macroLabels[${i}]`,
        });
      chosen.add(k);
    }
    if (chosen.size === 0)
      throw new InvalidArgumentError('macroLabels must not be empty', { field: 'macroLabels' });
    include = (k) => chosen.has(k);
  } else
    throw new InvalidArgumentError(
      `macroLabels must be "gold", "gold-or-predicted" or an array of class ids, got ${JSON.stringify(macroLabels)}`,
      { field: 'macroLabels' },
    );
  let sum = 0;
  let classes = 0;
  stats.forEach((s, k) => {
    if (include(k)) {
      sum += pick(s);
      classes++;
    }
  });
  return classes === 0 ? 0 : sum / classes;
}

/**
 * Accuracy, macro-F1, balanced accuracy, per-class precision/recall/F1/support and the confusion
 * matrix of one set of predictions.
 *
 * Macro-F1 averages over the classes `options.macroLabels` chooses: by default those that occur
 * in `yTrue` (support > 0), since a class absent from the evaluation set says nothing about the
 * model; `'gold-or-predicted'` gives scikit-learn's default (see {@link MacroLabels}). Balanced
 * accuracy always averages recall over the classes in `yTrue`, as scikit-learn's
 * `balanced_accuracy_score` does. Predictions *into* a class absent from `yTrue` count against
 * the recall of the true class. Precision of a never-predicted class is 0 (scikit-learn's
 * `zero_division=0`).
 *
 * @param yTrue true class ids in `[0, labels.length)`
 * @param yPred predicted class ids, same length as `yTrue`
 * @param labels class names, index = class id; must be unique and non-empty
 * @param options which classes the macro-F1 covers
 * @throws InvalidArgumentError on empty input, differing lengths, ids out of range, or
 *   empty/duplicate labels
 *
 * @example
 * ```ts
 * const report = classificationReport([0, 1, 1, 2], [0, 1, 2, 2], ['English', 'French', 'German']);
 * report.accuracy;              // 0.75
 * report.perClass[1]?.recall;   // 0.5
 * ```
 */
export function classificationReport(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  labels: readonly string[],
  options: MetricsOptions = {},
): ClassificationReport {
  if (labels.length === 0) throw new InvalidArgumentError('labels must not be empty', { field: 'labels' });
  const seen = new Set<string>();
  for (const [i, label] of labels.entries()) {
    if (typeof label !== 'string')
      throw new InvalidArgumentError(`labels[${i}] is not a string`, { field: `labels[${i}]` });
    if (seen.has(label))
      throw new InvalidArgumentError(`duplicate label "${label}"`, { field: `labels[${i}]` });
    seen.add(label);
  }
  checkPair(yTrue, yPred);
  checkNonEmpty(yTrue.length);
  const confusion = confusionMatrix(yTrue, yPred, labels.length);
  const stats = perClassFromConfusion(confusion);
  let correct = 0;
  for (let k = 0; k < confusion.length; k++) correct += (confusion[k] as number[])[k] as number;
  return {
    accuracy: correct / yTrue.length,
    macroF1: macroMean(confusion, stats, (s) => s.f1, options.macroLabels),
    balancedAccuracy: macroMean(confusion, stats, (s) => s.recall),
    perClass: stats.map((s, k) => ({ label: labels[k] as string, ...s })),
    confusion,
    labels: [...labels],
    count: yTrue.length,
  };
}

/**
 * Fraction of positions where `yPred` equals `yTrue`.
 *
 * @throws InvalidArgumentError on empty input or differing lengths
 */
export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkPair(yTrue, yPred);
  checkNonEmpty(yTrue.length);
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) correct++;
  return correct / yTrue.length;
}

/**
 * Unweighted mean of per-class F1 over the classes `options.macroLabels` chooses: by default
 * those with support > 0; `'gold-or-predicted'` is scikit-learn's `f1_score(average='macro',
 * zero_division=0)` (see {@link MacroLabels} and {@link classificationReport}).
 *
 * @example
 * ```ts
 * macroF1([0, 0, 1], [0, 2, 1], 3);                                       // classes 0, 1: (0.667 + 1) / 2 = 0.833
 * macroF1([0, 0, 1], [0, 2, 1], 3, { macroLabels: 'gold-or-predicted' }); // (0.667 + 1 + 0) / 3 = 0.556
 * ```
 * @throws InvalidArgumentError on empty input, differing lengths, ids out of `[0, numClasses)`
 *   or a bad `macroLabels`
 */
export function macroF1(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  numClasses: number,
  options: MetricsOptions = {},
): number {
  checkPair(yTrue, yPred);
  checkNonEmpty(yTrue.length);
  const confusion = confusionMatrix(yTrue, yPred, numClasses);
  return macroMean(confusion, perClassFromConfusion(confusion), (s) => s.f1, options.macroLabels);
}

/**
 * Balanced accuracy: unweighted mean of per-class recall over the classes with support > 0
 * (scikit-learn's `balanced_accuracy_score`).
 *
 * @throws InvalidArgumentError on empty input, differing lengths or ids out of `[0, numClasses)`
 */
export function balancedAccuracy(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  numClasses: number,
): number {
  checkPair(yTrue, yPred);
  checkNonEmpty(yTrue.length);
  const confusion = confusionMatrix(yTrue, yPred, numClasses);
  return macroMean(confusion, perClassFromConfusion(confusion), (s) => s.recall);
}

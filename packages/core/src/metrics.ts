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
  /** Unweighted mean of per-class F1 over the classes with support > 0. */
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

/** Mean of `pick` over the classes with support > 0. */
function macroMean(
  stats: readonly Omit<ClassMetrics, 'label'>[],
  pick: (s: Omit<ClassMetrics, 'label'>) => number,
): number {
  let sum = 0;
  let classes = 0;
  for (const s of stats) {
    if (s.support > 0) {
      sum += pick(s);
      classes++;
    }
  }
  return classes === 0 ? 0 : sum / classes;
}

/**
 * Accuracy, macro-F1, balanced accuracy, per-class precision/recall/F1/support and the confusion
 * matrix of one set of predictions.
 *
 * Macro averages (macro-F1, balanced accuracy) are taken over the classes that occur in `yTrue`
 * (support > 0): a class absent from the evaluation set says nothing about the model, so it
 * neither lowers nor raises the average. Predictions *into* such a class still count against the
 * recall of the true class. Precision of a never-predicted class is 0 (scikit-learn's
 * `zero_division=0`).
 *
 * @param yTrue true class ids in `[0, labels.length)`
 * @param yPred predicted class ids, same length as `yTrue`
 * @param labels class names, index = class id; must be unique and non-empty
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
    macroF1: macroMean(stats, (s) => s.f1),
    balancedAccuracy: macroMean(stats, (s) => s.recall),
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
 * Unweighted mean of per-class F1 over the classes with support > 0 (see
 * {@link classificationReport} for the conventions).
 *
 * @throws InvalidArgumentError on empty input, differing lengths or ids out of `[0, numClasses)`
 */
export function macroF1(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, numClasses: number): number {
  checkPair(yTrue, yPred);
  checkNonEmpty(yTrue.length);
  return macroMean(perClassFromConfusion(confusionMatrix(yTrue, yPred, numClasses)), (s) => s.f1);
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
  return macroMean(perClassFromConfusion(confusionMatrix(yTrue, yPred, numClasses)), (s) => s.recall);
}

import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, classificationReport } from '@charrnn/core';
import type { ClassificationReport } from '@charrnn/core';
import type { Example } from '@charrnn/data';
import type { CharClassifier } from '@charrnn/layers';
import { predict } from './predict.js';
import { monitoredValue, type MonitorMetric } from './schedule.js';

/** Options of {@link fitLogitAdjustment}. */
export interface LogitAdjustmentOptions {
  /** Validation metric to maximise (default `'macro_f1'`). */
  metric?: MonitorMetric;
  /** Candidate τ values (default 0, 0.05, …, 2). 0 (no change) is always a candidate. */
  taus?: readonly number[];
  /**
   * Largest drop of validation accuracy accepted for a better `metric` (default 0.005): τ is
   * the best candidate whose accuracy stays within this of the unadjusted model's.
   */
  maxAccuracyDrop?: number;
}

/** What {@link fitLogitAdjustment} chose and did. */
export interface LogitAdjustmentFit {
  /** The chosen strength (0: the model was left unchanged). */
  tau: number;
  /** The per-class shift added to the output bias: `−τ·log(prior)`, centred. */
  shift: Float32Array;
  /** Validation report before and after the adjustment. */
  before: ClassificationReport;
  after: ClassificationReport;
}

const DEFAULT_TAUS = Array.from({ length: 41 }, (_, i) => i * 0.05);

/** Log of each class's share of `train` (add-one smoothed, so a class absent from it stays finite). */
function logPriors(train: readonly Example[], numClasses: number): number[] {
  const counts = new Float64Array(numClasses).fill(1);
  for (const { label } of train) counts[label] = (counts[label] ?? 0) + 1;
  const total = counts.reduce((s, c) => s + c, 0);
  return Array.from(counts, (c) => Math.log(c / total));
}

/**
 * The per-class shift `−τ·log(prior_c)` (centred to mean 0) that logit adjustment adds to the
 * output bias, from the label counts of `train` (add-one smoothed).
 *
 * @throws InvalidArgumentError when `tau` is not a finite number ≥ 0 or `train` is empty
 */
export function logitAdjustmentShift(
  train: readonly Example[],
  numClasses: number,
  tau: number,
): Float32Array {
  if (!(Number.isFinite(tau) && tau >= 0))
    throw new InvalidArgumentError(`must be a finite number ≥ 0, got ${tau}`, { field: 'tau' });
  if (train.length === 0)
    throw new InvalidArgumentError('needs training examples for the class priors', { field: 'train' });
  const logPrior = logPriors(train, numClasses);
  const mean = logPrior.reduce((s, v) => s + v, 0) / numClasses;
  return Float32Array.from(logPrior, (lp) => -tau * (lp - mean));
}

/**
 * Logit adjustment with a fixed strength `tau` (see {@link fitLogitAdjustment}): adds
 * {@link logitAdjustmentShift} to the model's output bias, in place, and returns the shift. With
 * an n-gram head attached, the shift goes into the head's bias, which is added after the mixture.
 */
export function applyLogitAdjustment(
  model: CharClassifier,
  train: readonly Example[],
  tau: number,
): Float32Array {
  const shift = logitAdjustmentShift(train, model.config.numClasses, tau);
  const head = model.ngramHead;
  if (tau > 0 && head !== undefined) {
    // The head's bias is added after the mixture, so the shift goes there unscaled.
    for (let c = 0; c < shift.length; c++) head.bias[c] = (head.bias[c] as number) + (shift[c] as number);
  } else if (tau > 0) {
    const bias = model.trainableWeights[model.trainableWeights.length - 1] as tf.Variable;
    tf.tidy(() => bias.assign(tf.add(bias, tf.tensor1d(shift))));
  }
  return shift;
}

/**
 * Post-hoc logit adjustment (Menon et al., 2021, "Long-tail learning via logit adjustment"):
 * adds `−τ·log(prior_c)` to the output bias, where `prior_c` is class c's share of the training
 * examples, so that rare classes are predicted more often. A model trained on imbalanced data
 * under-predicts rare classes; this trades a little accuracy on frequent classes for recall on
 * rare ones, which raises macro-F1 and balanced accuracy.
 *
 * τ is chosen on `val` only (never on test data): the candidate maximising `metric` among those
 * whose validation accuracy is within `maxAccuracyDrop` of the unadjusted model's. With a few
 * hundred validation names the choice is noisy (small classes have a handful of names each); a τ
 * fixed for a recipe, chosen on the validation curves of several seeds, is often the steadier
 * choice (see {@link applyLogitAdjustment}). The shift is
 * folded into the model's output bias (the last trainable weight), so everything that uses the
 * model (saving, exporting to tfjs-layers) sees the adjusted model.
 *
 * @throws InvalidArgumentError when `val` or `train` is empty or the labels do not match the model
 */
export function fitLogitAdjustment(
  model: CharClassifier,
  train: readonly Example[],
  val: readonly Example[],
  labels: readonly string[],
  options: LogitAdjustmentOptions = {},
): LogitAdjustmentFit {
  const { metric = 'macro_f1', taus = DEFAULT_TAUS, maxAccuracyDrop = 0.005 } = options;
  const C = model.config.numClasses;
  if (labels.length !== C)
    throw new InvalidArgumentError(`${labels.length} labels given, the model has ${C} classes`, {
      field: 'labels',
    });
  if (train.length === 0 || val.length === 0)
    throw new InvalidArgumentError('needs training examples (for the priors) and validation examples', {
      field: train.length === 0 ? 'train' : 'val',
    });
  if (!taus.every((t) => Number.isFinite(t) && t >= 0))
    throw new InvalidArgumentError('every tau must be a finite number ≥ 0', { field: 'taus' });
  if (!(maxAccuracyDrop >= 0))
    throw new InvalidArgumentError(`must be ≥ 0, got ${maxAccuracyDrop}`, { field: 'maxAccuracyDrop' });

  const logPrior = logPriors(train, C);

  const { probabilities } = predict(model, val);
  const logProbs = Float64Array.from(probabilities, (p) => Math.log(Math.max(p, 1e-30)));
  const yTrue = Int32Array.from(val, (e) => e.label);
  const reportAt = (tau: number): ClassificationReport => {
    const predicted = new Int32Array(val.length);
    for (let i = 0; i < val.length; i++) {
      let best = 0;
      let bestScore = -Infinity;
      for (let c = 0; c < C; c++) {
        const score = (logProbs[i * C + c] as number) - tau * (logPrior[c] as number);
        if (score > bestScore) {
          bestScore = score;
          best = c;
        }
      }
      predicted[i] = best;
    }
    return classificationReport(yTrue, predicted, labels);
  };

  const before = reportAt(0);
  let tau = 0;
  let after = before;
  for (const candidate of [...new Set([0, ...taus])].sort((a, b) => a - b)) {
    const report = reportAt(candidate);
    if (report.accuracy < before.accuracy - maxAccuracyDrop) continue;
    if (monitoredValue(report, metric) > monitoredValue(after, metric) + 1e-12) {
      tau = candidate;
      after = report;
    }
  }
  // Centred so that the bias keeps its mean: only the differences between classes matter.
  const shift = applyLogitAdjustment(model, train, tau);
  return { tau, shift, before, after };
}

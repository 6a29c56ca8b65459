import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@charrnn/core';
import { customOp } from './custom_op.js';
import type { CustomOpResult } from './custom_op.js';
import { resolvePath } from '../backend_path.js';
import type { OpPath } from '../backend_path.js';

/** Options of {@link softmaxCrossEntropy}. */
export interface SoftmaxCrossEntropyOptions {
  /**
   * ε in [0, 1): the target becomes `(1 − ε)·onehot(label) + ε / numClasses` (Keras and
   * PyTorch convention). Default 0.
   */
  labelSmoothing?: number;
  /**
   * One non-negative weight per class. Example `i` counts with weight `w[label_i]` and the mean
   * is weighted: `Σ_i w[label_i]·loss_i / Σ_i w[label_i]` (PyTorch `CrossEntropyLoss(weight)`).
   */
  classWeights?: Float32Array;
  /**
   * One non-negative weight per row, multiplied with its class weight; a row of weight 0 is
   * ignored (padding of a per-step language-model loss: PyTorch `ignore_index`). The mean is
   * weighted the same way: `Σ_i v_i·w[label_i]·loss_i / Σ_i v_i·w[label_i]`.
   */
  exampleWeights?: Float32Array;
  /** Implementation, see {@link OpPath}. Default `'auto'`. */
  path?: OpPath;
}

/**
 * Mean softmax cross-entropy of `logits` against integer `labels`, with a hand-written gradient
 * (`tf.customGrad`), so it trains on any backend without registered gradients.
 *
 * ```
 * log p_i = logits_i − logsumexp(logits_i)          (stable: the row maximum is subtracted first)
 * loss    = Σ_i c_i · (−Σ_k target_ik · log p_ik)    c_i = w[label_i] / Σ_j w[label_j]  (1 / batch without weights)
 * dlogits = dy · c_i · (softmax_i − target_i)
 * ```
 *
 * @param logits `[batch, numClasses]`
 * @param labels one class id in `[0, numClasses)` per row
 * @returns scalar loss
 * @throws InvalidArgumentError on a label out of range, a length mismatch or bad options
 *
 * @example
 * ```ts
 * const loss = softmaxCrossEntropy(tf.tensor2d([[2, 0, 0]]), Int32Array.from([0])); // ≈ 0.2395
 * ```
 */
export function softmaxCrossEntropy(
  logits: tf.Tensor2D,
  labels: Int32Array,
  options: SoftmaxCrossEntropyOptions = {},
): tf.Scalar {
  const [batch, numClasses] = logits.shape;
  const { weightedTarget, c } = crossEntropyTargets(labels, batch, numClasses, options);
  const path = resolvePath(options.path);
  return customOp([logits] as [tf.Tensor2D], ([logits], save) =>
    path === 'js'
      ? crossEntropyJs(logits, weightedTarget, c)
      : crossEntropyOps(logits, weightedTarget, c, save),
  );
}

/** On `cpu`/`wasm`: read the logits back and do the small row-wise math in JS. */
function crossEntropyJs(
  logits: tf.Tensor2D,
  weightedTarget: Float32Array,
  c: Float32Array,
): CustomOpResult<tf.Scalar> {
  const [batch, numClasses] = logits.shape;
  const { loss, dLogits } = crossEntropyValues(
    logits.dataSync() as Float32Array,
    weightedTarget,
    c,
    batch,
    numClasses,
  );
  return {
    value: tf.scalar(loss),
    gradFunc: (dy) => [tf.tensor2d(dLogits(dy.dataSync()[0] as number), [batch, numClasses])],
  };
}

function crossEntropyOps(
  logits: tf.Tensor2D,
  weightedTarget: Float32Array,
  c: Float32Array,
  save: tf.GradSaveFunc,
): CustomOpResult<tf.Scalar> {
  const [batch, numClasses] = logits.shape;
  const shifted = tf.sub(logits, tf.max(logits, 1, true));
  const logProbs = tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), 1, true)));
  save([logProbs]);
  return {
    value: tf.neg(tf.sum<tf.Scalar>(tf.mul(logProbs, tf.tensor2d(weightedTarget, [batch, numClasses])))),
    gradFunc: (dy, [logProbsSaved]) => {
      const dLogits = tf.sub(
        tf.mul(tf.exp(logProbsSaved as tf.Tensor2D), tf.tensor2d(c, [batch, 1])),
        tf.tensor2d(weightedTarget, [batch, numClasses]),
      );
      return [tf.mul(dLogits, dy)];
    },
  };
}

/**
 * The per-element weights of {@link softmaxCrossEntropy}'s loss, `loss = −Σ weightedTarget ⊙
 * log softmax(logits)`, and each row's total weight `c` (so that `dLogits = c·softmax −
 * weightedTarget`).
 * @throws InvalidArgumentError as softmaxCrossEntropy does for labels and options
 * @internal
 */
export function crossEntropyTargets(
  labels: Int32Array,
  batch: number,
  numClasses: number,
  options: SoftmaxCrossEntropyOptions,
): { weightedTarget: Float32Array; c: Float32Array } {
  const { labelSmoothing = 0, classWeights, exampleWeights } = options;
  if (labels.length !== batch)
    throw new InvalidArgumentError(`labels has ${labels.length} entries, logits has ${batch} rows`, {
      field: 'labels',
    });
  if (!(labelSmoothing >= 0 && labelSmoothing < 1))
    throw new InvalidArgumentError(`labelSmoothing must be in [0, 1), got ${labelSmoothing}`, {
      field: 'labelSmoothing',
    });
  if (exampleWeights !== undefined && exampleWeights.length !== batch)
    throw new InvalidArgumentError(
      `exampleWeights has ${exampleWeights.length} entries, logits has ${batch} rows`,
      { field: 'exampleWeights' },
    );
  if (classWeights !== undefined && classWeights.length !== numClasses) {
    throw new InvalidArgumentError(
      `classWeights has ${classWeights.length} entries, expected numClasses = ${numClasses}`,
      { field: 'classWeights' },
    );
  }

  // weightedTarget[i, k] = c_i · target_ik, and c[i] = Σ_k weightedTarget[i, k].
  const weightedTarget = new Float32Array(batch * numClasses);
  const c = new Float32Array(batch);
  let weightSum = 0;
  for (let i = 0; i < batch; i++) {
    const label = labels[i] as number;
    if (!(Number.isInteger(label) && label >= 0 && label < numClasses))
      throw new InvalidArgumentError(`labels[${i}] = ${label} is outside [0, ${numClasses})`, {
        field: 'labels',
      });
    const w = classWeights === undefined ? 1 : (classWeights[label] as number);
    if (!(w >= 0 && Number.isFinite(w)))
      throw new InvalidArgumentError(`classWeights[${label}] = ${w} must be finite and non-negative`, {
        field: 'classWeights',
      });
    const v = exampleWeights === undefined ? 1 : (exampleWeights[i] as number);
    if (!(v >= 0 && Number.isFinite(v)))
      throw new InvalidArgumentError(`exampleWeights[${i}] = ${v} must be finite and non-negative`, {
        field: 'exampleWeights',
      });
    c[i] = w * v;
    weightSum += w * v;
  }
  if (!(weightSum > 0))
    throw new InvalidArgumentError('the class weights of this batch sum to 0', { field: 'classWeights' });
  const offTarget = labelSmoothing / numClasses;
  for (let i = 0; i < batch; i++) {
    const ci = (c[i] as number) / weightSum;
    c[i] = ci;
    for (let k = 0; k < numClasses; k++) weightedTarget[i * numClasses + k] = ci * offTarget;
    const at = i * numClasses + (labels[i] as number);
    weightedTarget[at] = (weightedTarget[at] as number) + ci * (1 - labelSmoothing);
  }

  return { weightedTarget, c };
}

/**
 * The loss (float64) and its gradient with respect to the logits `z` (`[batch × numClasses]`),
 * from {@link crossEntropyTargets}: what the `'js'` path computes, on arrays.
 * @internal
 */
export function crossEntropyValues(
  z: Float32Array,
  weightedTarget: Float32Array,
  c: Float32Array,
  batch: number,
  numClasses: number,
): { loss: number; dLogits: (scale: number) => Float32Array } {
  const probs = new Float32Array(batch * numClasses);
  let loss = 0;
  for (let i = 0; i < batch; i++) {
    const row = i * numClasses;
    let max = -Infinity;
    for (let k = 0; k < numClasses; k++) max = Math.max(max, z[row + k] as number);
    let sumExp = 0;
    for (let k = 0; k < numClasses; k++) {
      const e = Math.exp((z[row + k] as number) - max);
      probs[row + k] = e;
      sumExp += e;
    }
    const logSumExp = max + Math.log(sumExp);
    for (let k = 0; k < numClasses; k++) {
      probs[row + k] = (probs[row + k] as number) / sumExp;
      loss -= (weightedTarget[row + k] as number) * ((z[row + k] as number) - logSumExp);
    }
  }
  const dLogits = (scale: number): Float32Array => {
    const out = new Float32Array(batch * numClasses);
    for (let i = 0; i < batch; i++) {
      for (let k = 0; k < numClasses; k++) {
        const at = i * numClasses + k;
        out[at] = scale * ((probs[at] as number) * (c[i] as number) - (weightedTarget[at] as number));
      }
    }
    return out;
  };
  return { loss, dLogits };
}

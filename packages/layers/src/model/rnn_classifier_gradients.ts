import { resolvePath } from '../backend_path.js';
import { gatherRows, planRecurrentRun, reorderRows, scatterRows } from '../cells/run_plan.js';
import { simdProduct, simdProductTransposedB, simdTransposedProduct } from '../cells/products_js.js';
import { checkSequenceShape } from '../cells/sequence_shape.js';
import { simpleRnnSimdBackward, simpleRnnSimdForward } from '../cells/simple_rnn/simple_rnn_simd.js';
import {
  JS_MATMUL_MAX_MULTIPLY_ADDS,
  matMulInto,
  matMulTransposedA,
  matMulTransposedB,
} from '../kernels/mat_mul_js.js';
import { simdKernels } from '../kernels/simd_kernels.js';
import { checkIds } from '../ops/embedding.js';
import { crossEntropyTargets, crossEntropyValues } from '../ops/softmax_cross_entropy.js';
import type { SoftmaxCrossEntropyOptions } from '../ops/softmax_cross_entropy.js';
import type { IdBatch } from '@charrnn/core';
import type { CharClassifier } from './classifier.js';

/** The loss of a batch and the gradients of every trainable weight, in weight order. */
export interface LossAndGradients {
  /** The mean (weighted) cross-entropy, as `softmaxCrossEntropy` computes it (float64). */
  loss: number;
  /** `[dE, dWx, dWh, db, dWd, dbd]`, each shaped like its weight. */
  grads: Float32Array[];
}

/**
 * One training step's loss and gradients for the tutorial's model — embedding → one tanh RNN
 * layer (`'rnn'` or `'simple'`, one direction, no dropout) → dense → softmax cross-entropy —
 * without tfjs: no tensors, tape or kernel launches, only the arrays and kernel calls that the
 * `'js'` path's ops make (embedding lookup, `simpleRnnSimd`, `dense`'s JS product, the loss'
 * JS path, their gradients), in the same order, so the results are bit-identical to
 * `tf.variableGrads(() => softmaxCrossEntropy(model.logits(...)))`. At batch 1 (the tutorial's
 * recipe) a step is a few dozen kernel calls instead of hundreds of tfjs ops.
 *
 * Undefined where that path does not apply: another architecture, dropout, a backend off the
 * `'js'` path, no SIMD kernels, or a dense product large enough for `dense` to use `tf.matMul`.
 * @throws InvalidArgumentError as the tensor path does for ids, lengths, labels and loss options
 * @internal
 */
export function rnnClassifierGradients(
  model: CharClassifier,
  batch: IdBatch,
  labels: Int32Array,
  lossOptions: SoftmaxCrossEntropyOptions = {},
): LossAndGradients | undefined {
  const { config } = model;
  const { ids, lengths, batchSize: B, maxLen: T } = batch;
  const E = config.embedDim;
  const H = config.hiddenSize;
  const C = config.numClasses;
  const V = config.vocabSize;
  if (
    (config.cell !== 'rnn' && config.cell !== 'simple') ||
    (config.layers ?? 1) !== 1 ||
    config.bidirectional !== undefined ||
    (config.dropout ?? 0) > 0 ||
    (config.recurrentDropout ?? 0) > 0 ||
    lossOptions.path !== undefined ||
    resolvePath() !== 'js' ||
    B * H * C > JS_MATMUL_MAX_MULTIPLY_ADDS
  )
    return undefined;
  const simd = simdKernels();
  if (simd === undefined) return undefined;
  if (ids.length !== B * T) return undefined; // the tensor path throws its error
  checkIds(ids, V);
  checkSequenceShape({ lengths, batchSize: B, maxLen: T });
  const { weightedTarget, c } = crossEntropyTargets(labels, B, C, lossOptions);
  const [table, Wx, Wh, b, Wd, bd] = model.trainableWeights.map((w) => w.dataSync() as Float32Array) as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];

  // embeddingLookup, then simpleRnnJs's input side over the valid steps.
  const N = B * T;
  const plan = planRecurrentRun(lengths, T, H, undefined);
  const { order, valid, M } = plan;
  const x = new Float32Array(N * E);
  for (let n = 0; n < N; n++) {
    const from = (ids[n] as number) * E;
    x.set(table.subarray(from, from + E), n * E);
  }
  const xData = gatherRows(x, valid, E);
  const xW = M === 0 ? new Float32Array(0) : (simdProduct(xData, Wx, M, E, H) as Float32Array);

  // The recurrence, and its output: each row's state after its last step.
  const h = simpleRnnSimdForward(simd, xW, Wh, b, plan, B, T, H);
  const states = simd.view(h, (T + 1) * B * H);
  const last = new Float32Array(B * H);
  for (let i = 0; i < B; i++) {
    const from = (lengths[order[i] as number] as number) * B * H + i * H;
    last.set(states.subarray(from, from + H), (order[i] as number) * H);
  }

  // dense (its JS form) and the loss.
  const logits = new Float32Array(B * C);
  matMulInto(last, Wd, logits, B, H, C);
  for (let r = 0; r < B; r++)
    for (let j = 0; j < C; j++) logits[r * C + j] = (logits[r * C + j] as number) + (bd[j] as number);
  const { loss, dLogits } = crossEntropyValues(logits, weightedTarget, c, B, C);
  // The loss scalar is float32 in the tensor path; its gradient seed is 1.
  const dy = dLogits(1);

  // dense back.
  const dLast = new Float32Array(B * H);
  matMulTransposedB(dy, Wd, dLast, B, C, H);
  const dbd = new Float32Array(C);
  for (let r = 0; r < B; r++)
    for (let j = 0; j < C; j++) dbd[j] = (dbd[j] as number) + (dy[r * C + j] as number);
  const dWd = matMulTransposedA(last, dy, B, H, C);

  // The recurrence back, then its input side and the embedding's scatter-add.
  const { dA, dWh, db } = simpleRnnSimdBackward(
    simd,
    h,
    Wh,
    plan,
    B,
    T,
    H,
    false,
    dLast,
    reorderRows(dLast, order, H),
  );
  const dTable = new Float32Array(V * E);
  let dWx: Float32Array = new Float32Array(E * H);
  if (M > 0) {
    const dx = scatterRows(simdProductTransposedB(dA, Wx, M, H, E) as Float32Array, valid, N, E);
    dWx = simdTransposedProduct(xData, dA, M, E, H) as Float32Array;
    for (let n = 0; n < N; n++) {
      const to = (ids[n] as number) * E;
      const from = n * E;
      for (let e = 0; e < E; e++) dTable[to + e] = (dTable[to + e] as number) + (dx[from + e] as number);
    }
  }
  return { loss: Math.fround(loss), grads: [dTable, dWx, dWh, db, dWd, dbd] };
}

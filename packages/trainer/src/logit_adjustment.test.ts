import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { InvalidArgumentError, Rng } from '@charrnn/core';
import type { Example } from '@charrnn/data';
import { CharClassifier } from '@charrnn/layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from './evaluate.js';
import { applyLogitAdjustment, fitLogitAdjustment, logitAdjustmentShift } from './logit_adjustment.js';
import { LABELS, syntheticExamples } from './test-utils/synthetic_names.js';
import { train } from './train.js';

tf.env().set('IS_TEST', true);

const CONFIG = { cell: 'gru' as const, vocabSize: 28, embedDim: 8, hiddenSize: 8, numClasses: 2 };
// The label is in the last letter; every other name loses it, so that the model can only fall
// back on the prior for those. Training data with 1 name in 12 of class 1; validation data balanced.
const hideLabel = (examples: Example[]): Example[] =>
  examples.map((e, i) => (i % 2 === 0 ? { ids: e.ids.slice(0, -1), label: e.label } : e));
const all = hideLabel(syntheticExamples(1200, 5));
const TRAIN = [
  ...all.filter((e) => e.label === 0).slice(0, 330),
  ...all.filter((e) => e.label === 1).slice(0, 30),
];
const VAL = hideLabel(syntheticExamples(200, 6));
const lastWeight = (model: CharClassifier): Float32Array =>
  Float32Array.from((model.trainableWeights.at(-1) as tf.Variable).dataSync());

describe('fitLogitAdjustment', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('raises val macro-F1 of a model trained on skewed data, folds the shift into the output bias, and the model then scores as reported', async () => {
    const model = CharClassifier.create(CONFIG, new Rng(1));
    await train(model, TRAIN, {
      optimizer: 'adam',
      learningRate: 0.01,
      batchSize: 16,
      epochs: 2,
      sampler: 'shuffle',
      seed: 1,
      labels: LABELS,
    });
    const biasBefore = lastWeight(model);
    const fit = fitLogitAdjustment(model, TRAIN, VAL, LABELS, { maxAccuracyDrop: 1 });
    expect(fit.tau).toBeGreaterThan(0);
    expect(fit.after.macroF1).toBeGreaterThan(fit.before.macroF1 + 0.02);
    // shift = −τ·(log prior − mean log prior), priors with add-one smoothing: 331/362, 31/362.
    const lp = [Math.log(331 / 362), Math.log(31 / 362)];
    const mean = (lp[0]! + lp[1]!) / 2;
    expect(fit.shift[0]).toBeCloseTo(-fit.tau * (lp[0]! - mean), 5);
    expect(fit.shift[1]).toBeCloseTo(-fit.tau * (lp[1]! - mean), 5);
    const biasAfter = lastWeight(model);
    biasAfter.forEach((b, c) => expect(b).toBeCloseTo(biasBefore[c]! + fit.shift[c]!, 5));
    const report = evaluate(model, VAL, LABELS);
    expect(report.macroF1).toBeCloseTo(fit.after.macroF1, 6);
    expect(report.accuracy).toBeCloseTo(fit.after.accuracy, 6);
    model.dispose();
  });

  it('keeps validation accuracy within maxAccuracyDrop, and leaves the model alone when nothing qualifies', () => {
    const model = CharClassifier.create(CONFIG, new Rng(2));
    const bias = lastWeight(model);
    const fit = fitLogitAdjustment(model, TRAIN, VAL, LABELS, { maxAccuracyDrop: 0, taus: [0.5, 1, 2] });
    expect(fit.after.accuracy).toBeGreaterThanOrEqual(fit.before.accuracy);
    if (fit.tau === 0) expect(lastWeight(model)).toEqual(bias);
    const none = fitLogitAdjustment(model, TRAIN, VAL, LABELS, { taus: [] });
    expect(none.tau).toBe(0);
    expect(none.after).toBe(none.before);
    model.dispose();
  });

  it('rejects empty data, bad taus and mismatched labels', () => {
    const model = CharClassifier.create(CONFIG, new Rng(3));
    expect(() => fitLogitAdjustment(model, [], VAL, LABELS)).toThrow(InvalidArgumentError);
    expect(() => fitLogitAdjustment(model, TRAIN, [], LABELS)).toThrow('field val');
    expect(() => fitLogitAdjustment(model, TRAIN, VAL, LABELS, { taus: [-1] })).toThrow('every tau');
    expect(() => fitLogitAdjustment(model, TRAIN, VAL, ['a', 'b', 'c'])).toThrow(
      '3 labels given, the model has 2',
    );
    model.dispose();
  });

  it('applies a fixed tau: the same shift, folded into the bias', () => {
    const model = CharClassifier.create(CONFIG, new Rng(4));
    const bias = lastWeight(model);
    const shift = applyLogitAdjustment(model, TRAIN, 0.25);
    expect(shift).toEqual(logitAdjustmentShift(TRAIN, 2, 0.25));
    expect((shift[1] ?? 0) - (shift[0] ?? 0)).toBeCloseTo(0.25 * Math.log(331 / 31), 5);
    lastWeight(model).forEach((b, c) => expect(b).toBeCloseTo((bias[c] ?? 0) + (shift[c] ?? 0), 6));
    expect(() => logitAdjustmentShift(TRAIN, 2, Number.NaN)).toThrow(
      'field tau: must be a finite number ≥ 0, got NaN',
    );
    expect(() => logitAdjustmentShift([], 2, 1)).toThrow('field train');
    model.dispose();
  });
});

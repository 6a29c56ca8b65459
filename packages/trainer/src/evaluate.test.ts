import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '@charrnn/core';
import { CharClassifier } from '@charrnn/layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from './evaluate.js';
import { predict } from './predict.js';
import { LABELS, syntheticExamples } from './test-utils/synthetic_names.js';

tf.env().set('IS_TEST', true);

describe('predict and evaluate', () => {
  let model: CharClassifier;
  const examples = syntheticExamples(23, 5);
  beforeAll(async () => {
    await tf.setBackend('cpu');
    model = CharClassifier.create(
      { cell: 'rnn', vocabSize: 28, embedDim: 6, hiddenSize: 10, numClasses: 2 },
      new Rng(2),
    );
  });
  afterAll(() => model.dispose());

  it('returns each example its own probabilities, in input order, whatever the batching', () => {
    const { predicted, probabilities } = predict(model, examples, 4);
    examples.forEach((e, i) => {
      const alone = model.predictProba({
        ids: e.ids,
        lengths: Int32Array.of(e.ids.length),
        batchSize: 1,
        maxLen: e.ids.length,
      });
      expect(Math.abs((probabilities[2 * i] as number) - (alone[0] as number))).toBeLessThanOrEqual(1e-6);
      expect(predicted[i]).toBe((alone[1] as number) > (alone[0] as number) ? 1 : 0);
    });
    const oneBatch = predict(model, examples, 256);
    expect(oneBatch.predicted).toEqual(predicted);
  });

  it('reports accuracy against the true labels', () => {
    const { predicted } = predict(model, examples);
    const correct = examples.filter((e, i) => e.label === predicted[i]).length;
    const report = evaluate(model, examples, LABELS);
    expect(report.count).toBe(23);
    expect(report.accuracy).toBeCloseTo(correct / 23, 12);
    expect(report.labels).toEqual(LABELS);
  });

  it('leaks no tensors', () => {
    const before = tf.memory().numTensors;
    evaluate(model, examples, LABELS, 5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects labels that do not match the model', () => {
    expect(() => evaluate(model, examples, ['a', 'b', 'c'])).toThrow(
      'field labels: 3 labels given, the model has 2 classes',
    );
  });
});

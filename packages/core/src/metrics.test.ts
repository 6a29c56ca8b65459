import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors.js';
import { accuracy, balancedAccuracy, classificationReport, confusionMatrix, macroF1 } from './metrics.js';

// Worked by hand. 10 examples, 3 classes, support 4 / 3 / 3:
//   yTrue = 0 0 0 0 1 1 1 2 2 2
//   yPred = 0 0 1 2 1 1 0 2 2 1
// confusion [true][pred] = [[2,1,1],[1,2,0],[0,1,2]]; predicted (column sums) = 3, 4, 3
// precision = 2/3, 2/4, 2/3      recall = 2/4, 2/3, 2/3
// F1_0 = 2·(2/3)(1/2)/(2/3+1/2) = 4/7, F1_1 = 4/7, F1_2 = 2/3
// accuracy = 6/10; macro-F1 = (4/7+4/7+2/3)/3 = 38/63; balanced accuracy = (1/2+2/3+2/3)/3 = 11/18
const yTrue = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
const yPred = [0, 0, 1, 2, 1, 1, 0, 2, 2, 1];
const labels = ['Arabic', 'Greek', 'Scottish'];

describe('confusionMatrix', () => {
  it('counts [true][pred] pairs', () => {
    expect(confusionMatrix(yTrue, yPred, 3)).toEqual([
      [2, 1, 1],
      [1, 2, 0],
      [0, 1, 2],
    ]);
  });

  it('accepts typed arrays and empty input', () => {
    expect(confusionMatrix(Int32Array.from([1, 1]), Int32Array.from([1, 0]), 2)).toEqual([
      [0, 0],
      [1, 1],
    ]);
    expect(confusionMatrix([], [], 2)).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  it('rejects bad input with a typed error naming the position', () => {
    expect(() => confusionMatrix([0, 1], [0], 2)).toThrow(
      new InvalidArgumentError('yTrue and yPred differ in length: 2 vs 1'),
    );
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(
      'field yTrue[1]: yTrue[1] = 3 is not a class id in [0, 3)',
    );
    expect(() => confusionMatrix([0, 1], [-1, 1], 3)).toThrow(
      'field yPred[0]: yPred[0] = -1 is not a class id in [0, 3)',
    );
    expect(() => confusionMatrix([0.5], [0], 3)).toThrow(InvalidArgumentError);
    expect(() => confusionMatrix([0], [0], 0)).toThrow('numClasses must be a positive integer, got 0');
  });
});

describe('classificationReport', () => {
  const report = classificationReport(yTrue, yPred, labels);

  it('matches the hand-computed 3-class example', () => {
    expect(report.count).toBe(10);
    expect(report.labels).toEqual(labels);
    expect(report.accuracy).toBeCloseTo(0.6, 12);
    expect(report.macroF1).toBeCloseTo(38 / 63, 12);
    expect(report.balancedAccuracy).toBeCloseTo(11 / 18, 12);
    const expected = [
      { label: 'Arabic', precision: 2 / 3, recall: 1 / 2, f1: 4 / 7, support: 4 },
      { label: 'Greek', precision: 1 / 2, recall: 2 / 3, f1: 4 / 7, support: 3 },
      { label: 'Scottish', precision: 2 / 3, recall: 2 / 3, f1: 2 / 3, support: 3 },
    ];
    for (const [k, e] of expected.entries()) {
      const got = report.perClass[k];
      expect(got?.label).toBe(e.label);
      expect(got?.support).toBe(e.support);
      expect(got?.precision).toBeCloseTo(e.precision, 12);
      expect(got?.recall).toBeCloseTo(e.recall, 12);
      expect(got?.f1).toBeCloseTo(e.f1, 12);
    }
  });

  it('agrees with the standalone functions', () => {
    expect(accuracy(yTrue, yPred)).toBeCloseTo(0.6, 12);
    expect(macroF1(yTrue, yPred, 3)).toBeCloseTo(38 / 63, 12);
    expect(balancedAccuracy(yTrue, yPred, 3)).toBeCloseTo(11 / 18, 12);
  });

  it('excludes zero-support classes from macro averages; never-predicted precision is 0', () => {
    // confusion [[1,0,1],[0,2,0],[0,0,0]]: class 2 has no support but one prediction.
    // F1_0 = 2·1·(1/2)/(3/2) = 2/3, F1_1 = 1 -> macro-F1 = 5/6; balanced = (1/2 + 1)/2 = 3/4
    const r = classificationReport([0, 0, 1, 1], [0, 2, 1, 1], ['a', 'b', 'c']);
    expect(r.perClass[2]).toEqual({ label: 'c', precision: 0, recall: 0, f1: 0, support: 0 });
    expect(r.macroF1).toBeCloseTo(5 / 6, 12);
    expect(r.balancedAccuracy).toBeCloseTo(3 / 4, 12);
    expect(r.accuracy).toBe(3 / 4);
    // a class that is never predicted: precision 0 (not NaN)
    const s = classificationReport([0, 1], [0, 0], ['a', 'b']);
    expect(s.perClass[1]).toEqual({ label: 'b', precision: 0, recall: 0, f1: 0, support: 1 });
    expect(s.perClass[0]?.precision).toBe(0.5);
    expect(s.macroF1).toBeCloseTo((2 / 3 + 0) / 2, 12);
  });

  it('is perfect on perfect predictions', () => {
    const r = classificationReport([2, 0, 1], [2, 0, 1], labels);
    expect([r.accuracy, r.macroF1, r.balancedAccuracy]).toEqual([1, 1, 1]);
  });

  it('validates labels and input', () => {
    expect(() => classificationReport([], [], labels)).toThrow('metrics need at least one example, got 0');
    expect(() => classificationReport([0], [0], [])).toThrow('field labels: labels must not be empty');
    expect(() => classificationReport([0], [0], ['a', 'a'])).toThrow('field labels[1]: duplicate label "a"');
    expect(() => classificationReport([0, 1], [0], labels)).toThrow(
      'yTrue and yPred differ in length: 2 vs 1',
    );
    expect(() => classificationReport([0, 3], [0, 1], labels)).toThrow(InvalidArgumentError);
    expect(() => accuracy([], [])).toThrow(InvalidArgumentError);
  });
});

describe('macro averages over a chosen label set', () => {
  // Class 2 is only ever predicted (support 0): F1 0. Class 3 never occurs at all.
  const yTrue = [0, 0, 1, 1, 1];
  const yPred = [0, 2, 1, 1, 0];
  // Per class: 0: P 1/2, R 1/2, F1 1/2; 1: P 1, R 2/3, F1 4/5; 2: F1 0; 3: F1 0.

  it('averages over the gold classes by default', () => {
    expect(macroF1(yTrue, yPred, 4)).toBeCloseTo((0.5 + 0.8) / 2, 12);
    expect(macroF1(yTrue, yPred, 4, { macroLabels: 'gold' })).toBeCloseTo(0.65, 12);
    expect(classificationReport(yTrue, yPred, ['a', 'b', 'c', 'd']).macroF1).toBeCloseTo(0.65, 12);
  });

  it("averages over gold ∪ predicted as scikit-learn's f1_score(average='macro') does", () => {
    // f1_score([0,0,1,1,1], [0,2,1,1,0], average='macro', zero_division=0) = (1/2 + 4/5 + 0) / 3
    expect(macroF1(yTrue, yPred, 4, { macroLabels: 'gold-or-predicted' })).toBeCloseTo(1.3 / 3, 12);
    const report = classificationReport(yTrue, yPred, ['a', 'b', 'c', 'd'], {
      macroLabels: 'gold-or-predicted',
    });
    expect(report.macroF1).toBeCloseTo(1.3 / 3, 12);
    // Balanced accuracy stays over the gold classes (sklearn's balanced_accuracy_score).
    expect(report.balancedAccuracy).toBeCloseTo((0.5 + 2 / 3) / 2, 12);
  });

  it('averages over explicit class ids, support or not, and refuses bad ones', () => {
    expect(macroF1(yTrue, yPred, 4, { macroLabels: [0, 1, 2, 3] })).toBeCloseTo(1.3 / 4, 12);
    expect(macroF1(yTrue, yPred, 4, { macroLabels: [1] })).toBeCloseTo(0.8, 12);
    expect(() => macroF1(yTrue, yPred, 4, { macroLabels: [4] })).toThrow(
      /macroLabels\[0\] = 4 is not a class id/,
    );
    expect(() => macroF1(yTrue, yPred, 4, { macroLabels: [] })).toThrow(/must not be empty/);
  });
});

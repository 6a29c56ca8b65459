import { InvalidConfigError } from '@charrnn/core';
import { describe, expect, it } from 'vitest';
import { classWeightsFor } from './class_weights.js';

const examples = [...Array<number>(90).fill(0), ...Array<number>(10).fill(1)].map((label) => ({
  ids: new Int32Array([2]),
  label,
}));

describe('classWeightsFor', () => {
  it('balanced: each class weighs the same in total, mean weight per example 1', () => {
    const w = classWeightsFor(examples, 3, 'balanced');
    expect(90 * (w[0] ?? 0)).toBeCloseTo(10 * (w[1] ?? 0), 4);
    expect((90 * (w[0] ?? 0) + 10 * (w[1] ?? 0)) / 100).toBeCloseTo(1, 6);
    expect(w[2]).toBe(0);
  });

  it('sqrt: the square root of the balanced ratio', () => {
    const w = classWeightsFor(examples, 2, 'sqrt');
    expect((w[1] ?? 0) / (w[0] ?? 1)).toBeCloseTo(3, 5); // sqrt(90 / 10)
    expect((90 * (w[0] ?? 0) + 10 * (w[1] ?? 0)) / 100).toBeCloseTo(1, 6);
  });

  it('rejects labels outside the classes and unknown modes', () => {
    expect(() => classWeightsFor(examples, 1, 'balanced')).toThrow('label 1 is outside 0..0');
    expect(() => classWeightsFor(examples, 2, 'log' as 'sqrt')).toThrow(InvalidConfigError);
  });
});

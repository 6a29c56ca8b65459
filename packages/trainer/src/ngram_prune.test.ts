import { describe, expect, it } from 'vitest';
import { NgramHead } from '@charrnn/layers';
import { pruneNgramHead } from './ngram_prune.js';

/** Three classes; grams '1' (strong), '2' (constant row: no effect), '1.2' (weak). */
function head(): NgramHead {
  return new NgramHead(
    { minN: 1, maxN: 2, numClasses: 3, rnnScale: 0.5, grams: ['1', '2', '1.2'] },
    {
      kernel: Float32Array.from([3, -1, 0, 5, 5, 5, 0.2, 0, -0.1]),
      bias: Float32Array.from([0.1, 0.2, 0.3]),
    },
  );
}

function softmax(x: Float32Array): number[] {
  const m = Math.max(...x);
  const e = Array.from(x, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

describe('pruneNgramHead', () => {
  it('centres the rows: the probabilities are unchanged while every gram is kept', () => {
    const full = head();
    const pruned = pruneNgramHead(full, 3);
    expect(pruned.size).toBe(3);
    const ids = Int32Array.of(1, 2);
    const a = softmax(full.scores(ids, Int32Array.of(2), 1, 2));
    const b = softmax(pruned.scores(ids, Int32Array.of(2), 1, 2));
    a.forEach((v, i) => expect(b[i]).toBeCloseTo(v, 6));
    expect(Array.from(pruned.kernel.subarray(3, 6))).toEqual([0, 0, 0]);
  });

  it('keeps the strongest grams in their original order, with the bias and rnnScale', () => {
    const pruned = pruneNgramHead(head(), 2);
    expect(pruned.toJSON()).toEqual({ minN: 1, maxN: 2, numClasses: 3, rnnScale: 0.5, grams: ['1', '1.2'] });
    expect(pruned.rowOf('2')).toBe(-1);
    expect(Array.from(pruned.bias)).toEqual(Array.from(Float32Array.from([0.1, 0.2, 0.3])));
    const row = Array.from(pruned.kernel.subarray(0, 3));
    [7 / 3, -5 / 3, -2 / 3].forEach((v, i) => expect(row[i]).toBeCloseTo(v, 6));
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => pruneNgramHead(head(), 0)).toThrow('field maxGrams: must be a positive integer, got 0');
  });
});

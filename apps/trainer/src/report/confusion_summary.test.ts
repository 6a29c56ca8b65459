import { describe, expect, it } from 'vitest';
import { summarizeConfusion } from './confusion_summary.js';

describe('summarizeConfusion', () => {
  it('keeps a small matrix as it is', () => {
    const view = summarizeConfusion(
      ['a', 'b'],
      [
        [3, 1],
        [0, 2],
      ],
    );
    expect(view).toEqual({
      labels: ['a', 'b'],
      confusion: [
        [3, 1],
        [0, 2],
      ],
      total: 2,
      folded: 0,
    });
  });

  it('keeps the labels with the most errors and folds the rest into one row and column', () => {
    // 5 labels, show 3: c and e are confused with each other, a has one error.
    const confusion = [
      [5, 0, 1, 0, 0],
      [0, 4, 0, 0, 0],
      [0, 0, 2, 0, 3],
      [0, 0, 0, 6, 0],
      [0, 0, 4, 0, 1],
    ];
    const view = summarizeConfusion(['a', 'b', 'c', 'd', 'e'], confusion, 3);
    expect(view.labels).toEqual(['c', 'e', '(3 other labels)']);
    expect(view.confusion).toEqual([
      [2, 3, 0],
      [4, 1, 0],
      [1, 0, 15],
    ]);
    expect(view.folded).toBe(3);
    const sum = (m: number[][]): number => m.flat().reduce((a, b) => a + b, 0);
    expect(sum(view.confusion)).toBe(sum(confusion));
  });

  it('summarizes 1,000 labels in a 40×40 view without overflowing the stack', () => {
    const n = 1000;
    const labels = Array.from({ length: n }, (_, i) => `L${i}`);
    const confusion = labels.map((_, i) =>
      labels.map((__, j) => (i === j ? 5 : j === (i + 1) % n ? i % 3 : 0)),
    );
    const view = summarizeConfusion(labels, confusion);
    expect(view.labels).toHaveLength(40);
    expect(view.confusion.every((row) => row.length === 40)).toBe(true);
    expect(view.confusion.flat().reduce((a, b) => a + b, 0)).toBe(
      confusion.flat().reduce((a, b) => a + b, 0),
    );
  });
});

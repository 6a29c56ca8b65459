import { InvalidArgumentError } from '@charrnn/core';
import { describe, expect, it } from 'vitest';
import { collate } from './collate.js';

const examples = [
  { ids: Int32Array.from([5, 6, 7]), label: 2 },
  { ids: Int32Array.from([8]), label: 0 },
  { ids: Int32Array.from([9, 10, 11, 12]), label: 1 },
];

describe('collate', () => {
  it('right-pads with 0 to the longest selected row', () => {
    const batch = collate(examples, [1, 0]);
    expect(batch.batchSize).toBe(2);
    expect(batch.maxLen).toBe(3);
    expect([...batch.ids]).toEqual([8, 0, 0, 5, 6, 7]);
    expect([...batch.lengths]).toEqual([1, 3]);
    expect([...batch.labels]).toEqual([0, 2]);
  });

  it('accepts repeated indices and typed arrays', () => {
    const batch = collate(examples, Int32Array.from([2, 1, 2]));
    expect(batch.maxLen).toBe(4);
    expect([...batch.ids]).toEqual([9, 10, 11, 12, 8, 0, 0, 0, 9, 10, 11, 12]);
    expect([...batch.lengths]).toEqual([4, 1, 4]);
    expect([...batch.labels]).toEqual([1, 0, 1]);
  });

  it('rejects empty and out-of-range indices', () => {
    expect(() => collate(examples, [])).toThrow(InvalidArgumentError);
    expect(() => collate(examples, [0, 3])).toThrow(
      'field indices[1]: index 3 is out of range for 3 examples',
    );
    expect(() => collate(examples, [0.5])).toThrow(
      'field indices[0]: index 0.5 is out of range for 3 examples',
    );
  });
});

import { InvalidArgumentError, Rng } from '@charrnn/core';
import { describe, expect, it } from 'vitest';
import { lengthBucketedBatches } from './length_bucketed_batches.js';
import { makeExamples } from './test-utils/examples.js';

// 1000 examples with lengths cycling 1..20.
const examples = makeExamples(
  Array.from({ length: 1000 }, (_, i) => i % 3),
  Array.from({ length: 20 }, (_, i) => i + 1),
);

function padding(batches: Int32Array[]): number {
  let pad = 0;
  for (const batch of batches) {
    const lengths = [...batch].map((i) => examples[i]?.ids.length ?? 0);
    const max = Math.max(...lengths);
    pad += lengths.reduce((p, l) => p + max - l, 0);
  }
  return pad;
}

describe('lengthBucketedBatches', () => {
  it('covers every example exactly once', () => {
    const batches = lengthBucketedBatches(examples, 32, new Rng(1));
    const all = batches.flatMap((b) => [...b]);
    expect(all).toHaveLength(1000);
    expect(new Set(all).size).toBe(1000);
    // 1000 = 512 + 488: chunk 1 has 16 batches of 32, chunk 2 has 15 of 32 and one of 8.
    expect(batches.map((b) => b.length).sort((a, b) => a - b)).toEqual([8, ...Array<number>(31).fill(32)]);
  });

  it('pads far less than plain shuffled batches', () => {
    const bucketed = padding(lengthBucketedBatches(examples, 32, new Rng(2)));
    const plain = padding(lengthBucketedBatches(examples, 32, new Rng(2), { chunkBatches: 1 }));
    expect(bucketed).toBeLessThan(plain / 5);
  });

  it('is deterministic by seed and shuffles batch order', () => {
    const a = lengthBucketedBatches(examples, 32, new Rng(3));
    expect(lengthBucketedBatches(examples, 32, new Rng(3))).toEqual(a);
    expect(lengthBucketedBatches(examples, 32, new Rng(4))).not.toEqual(a);
    const firstLengths = a.map((b) => examples[b[0] ?? 0]?.ids.length ?? 0);
    expect(firstLengths).not.toEqual([...firstLengths].sort((x, y) => x - y));
  });

  it('rejects bad sizes', () => {
    expect(() => lengthBucketedBatches(examples, 0, new Rng(1))).toThrow(InvalidArgumentError);
    expect(() => lengthBucketedBatches(examples, 4, new Rng(1), { chunkBatches: 0 })).toThrow(
      'field chunkBatches',
    );
  });
});

import { InvalidArgumentError, Rng } from '@charrnn/core';
import { describe, expect, it } from 'vitest';
import { bucketSampler } from './bucket_sampler.js';
import { makeExamples } from './test-utils/examples.js';

// 1000 examples with lengths cycling 1..20.
const examples = makeExamples(
  Array.from({ length: 1000 }, (_, i) => i % 3),
  Array.from({ length: 20 }, (_, i) => i + 1),
);

function spread(batch: Int32Array): number {
  const lengths = [...batch].map((i) => examples[i]?.ids.length ?? 0);
  return Math.max(...lengths) - Math.min(...lengths);
}

describe('bucketSampler', () => {
  it('gives every example once per epoch in ceil(n / batch) batches of similar lengths', () => {
    const sampler = bucketSampler(examples, new Rng(4));
    for (let epoch = 0; epoch < 3; epoch++) {
      const batches = Array.from({ length: Math.ceil(1000 / 32) }, () => sampler.nextBatch(32));
      const all = batches.flatMap((b) => [...b]);
      expect(all).toHaveLength(1000);
      expect(new Set(all).size).toBe(1000);
      expect(sampler.epoch).toBe(epoch + 1);
      // A shuffled batch of 32 over lengths 1..20 spans ~18; bucketed ones span ~1.
      const mean = batches.reduce((s, b) => s + spread(b), 0) / batches.length;
      expect(mean).toBeLessThan(3);
    }
  });

  it('is deterministic by seed and differs between epochs', () => {
    const a = bucketSampler(examples, new Rng(9));
    const b = bucketSampler(examples, new Rng(9));
    const first = a.nextBatch(64);
    expect(b.nextBatch(64)).toEqual(first);
    for (let i = 1; i < 16; i++) a.nextBatch(64);
    expect(a.epoch).toBe(1);
    expect([...a.nextBatch(64)]).not.toEqual([...first]);
  });

  it('rejects empty input and a changed batch size', () => {
    expect(() => bucketSampler([], new Rng(1))).toThrow(InvalidArgumentError);
    const sampler = bucketSampler(examples, new Rng(1));
    sampler.nextBatch(8);
    expect(() => sampler.nextBatch(9)).toThrow("batch size 9 differs from the first call's 8");
  });
});

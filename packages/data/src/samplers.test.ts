import { InvalidArgumentError, Rng } from '@charrnn/core';
import { describe, expect, it } from 'vitest';
import { balancedSampler } from './balanced_sampler.js';
import { shuffleSampler } from './shuffle_sampler.js';
import { skewed } from './test-utils/examples.js';
import { tutorialSampler } from './tutorial_sampler.js';

// 4 labels with 1000, 100, 10 and 1 examples; label 4 has none.
const examples = skewed([1000, 100, 10, 1]);

function labelFrequencies(indices: Int32Array, labels = 4): number[] {
  const counts = new Array<number>(labels).fill(0);
  for (const i of indices) {
    const label = examples[i]?.label ?? -1;
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts.map((c) => c / indices.length);
}

describe('tutorialSampler', () => {
  it('draws labels uniformly on a skewed corpus, then names uniformly within a label', () => {
    const sampler = tutorialSampler(examples, new Rng(1));
    const draws = sampler.nextBatch(40_000);
    // Each label 1/4; binomial standard deviation sqrt(0.25 * 0.75 / 40000) ≈ 0.0022, tolerance ~5 sd.
    for (const f of labelFrequencies(draws)) expect(Math.abs(f - 0.25)).toBeLessThan(0.011);
    // Within label 1 (indices 1000..1099), every example is about equally likely: 10000 draws over 100.
    const within = new Array<number>(100).fill(0);
    for (const i of draws) if (i >= 1000 && i < 1100) within[i - 1000] = (within[i - 1000] ?? 0) + 1;
    expect(Math.min(...within)).toBeGreaterThan(60);
    expect(Math.max(...within)).toBeLessThan(140);
    expect(sampler.epochSize).toBe(1111);
    expect(sampler.epoch).toBe(36); // 40000 / 1111 = 36.003
  });

  it('is deterministic by seed', () => {
    const a = tutorialSampler(examples, new Rng(9)).nextBatch(50);
    expect(tutorialSampler(examples, new Rng(9)).nextBatch(50)).toEqual(a);
    expect(tutorialSampler(examples, new Rng(10)).nextBatch(50)).not.toEqual(a);
  });

  it('rejects empty input and bad batch sizes', () => {
    expect(() => tutorialSampler([], new Rng(1))).toThrow(InvalidArgumentError);
    expect(() => tutorialSampler(examples, new Rng(1)).nextBatch(0)).toThrow(
      'field batchSize: batch size must be a positive integer, got 0',
    );
  });
});

describe('shuffleSampler', () => {
  it('visits each example exactly once per epoch, ending each epoch with the remainder', () => {
    const small = skewed([3, 4]); // 7 examples
    const sampler = shuffleSampler(small, new Rng(3));
    expect(sampler.epoch).toBe(0);
    for (let epoch = 0; epoch < 3; epoch++) {
      const batches = [sampler.nextBatch(3), sampler.nextBatch(3), sampler.nextBatch(3)];
      expect(batches.map((b) => b.length)).toEqual([3, 3, 1]);
      expect(batches.flatMap((b) => [...b]).sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(sampler.epoch).toBe(epoch + 1);
    }
  });

  it('visits each example once per epoch on a larger set, in a new order each epoch', () => {
    const sampler = shuffleSampler(examples, new Rng(4));
    const epochs: number[][] = [];
    for (let e = 0; e < 2; e++) {
      const seen: number[] = [];
      while (sampler.epoch === e) seen.push(...sampler.nextBatch(64));
      expect(new Set(seen).size).toBe(examples.length);
      expect(seen).toHaveLength(examples.length);
      epochs.push(seen);
    }
    expect(epochs[1]).not.toEqual(epochs[0]);
  });

  it('is deterministic by seed', () => {
    const run = (seed: number): number[] => {
      const s = shuffleSampler(examples, new Rng(seed));
      return [...s.nextBatch(20), ...s.nextBatch(20)];
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });
});

describe('balancedSampler', () => {
  it('puts every label exactly m times in a batch of m * labels', () => {
    const sampler = balancedSampler(examples, new Rng(2));
    for (let k = 0; k < 5; k++) {
      const batch = sampler.nextBatch(12);
      expect(labelFrequencies(batch).map((f) => f * 12)).toEqual([3, 3, 3, 3]);
    }
    expect(sampler.epoch).toBe(0);
  });

  it('cycles through a label’s examples without replacement', () => {
    const sampler = balancedSampler(examples, new Rng(3));
    const draws = sampler.nextBatch(400); // 100 draws per label
    const label1 = [...draws].filter((i) => i >= 1000 && i < 1100);
    expect(new Set(label1).size).toBe(100);
    const label2 = [...draws].filter((i) => i >= 1100 && i < 1110);
    expect(label2).toHaveLength(100);
    for (let i = 1100; i < 1110; i++) expect(label2.filter((j) => j === i)).toHaveLength(10);
  });

  it('is deterministic by seed', () => {
    expect(balancedSampler(examples, new Rng(8)).nextBatch(30)).toEqual(
      balancedSampler(examples, new Rng(8)).nextBatch(30),
    );
    expect(balancedSampler(examples, new Rng(8)).nextBatch(30)).not.toEqual(
      balancedSampler(examples, new Rng(9)).nextBatch(30),
    );
  });
});

import { InvalidArgumentError, Rng } from '@charrnn/core';
import { describe, expect, it } from 'vitest';
import { labelDraws } from './label_draws.js';

/** 900 names of label 0, none of label 1, 100 of label 2, interleaved. */
const LABELS = Array.from({ length: 1000 }, (_, i) => (i % 10 === 3 ? 2 : 0));
const DRAWS = 40_000;

/** Share of each label among `n` draws, and how often each name was drawn. */
function frequencies(
  alpha: number,
  seed: number,
  n = DRAWS,
): { share: Map<number, number>; perName: number[] } {
  const d = labelDraws(LABELS, alpha, new Rng(seed));
  const perName = LABELS.map(() => 0);
  const share = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const index = d.draw();
    perName[index] = (perName[index] as number) + 1;
    const label = LABELS[index] as number;
    share.set(label, (share.get(label) ?? 0) + 1 / n);
  }
  return { share, perName };
}

describe('labelDraws', () => {
  it.each([
    [1, 0.9, 0.1],
    [0.5, 0.75, 0.25],
    [0, 0.5, 0.5],
  ])('α = %s draws labels ∝ n^α (%s, %s)', (alpha, p0, p2) => {
    const d = labelDraws(LABELS, alpha, new Rng(1));
    expect(d.labels).toEqual([0, 2]);
    expect(d.probabilities[0]).toBeCloseTo(p0, 12);
    expect(d.probabilities[1]).toBeCloseTo(p2, 12);
    // 40,000 draws: the standard error of a share is at most 0.0025.
    const { share } = frequencies(alpha, 1);
    expect(Math.abs((share.get(0) ?? 0) - p0)).toBeLessThan(0.01);
    expect(Math.abs((share.get(2) ?? 0) - p2)).toBeLessThan(0.01);
    expect(share.has(1)).toBe(false);
  });

  it('draws the names of a label uniformly', () => {
    const { perName } = frequencies(0.5, 2);
    // Label 2: 10,000 expected draws over 100 names, 100 each (standard deviation about 10).
    const rare = perName.filter((_, i) => LABELS[i] === 2);
    expect(Math.min(...rare)).toBeGreaterThan(60);
    expect(Math.max(...rare)).toBeLessThan(140);
    const common = perName.filter((_, i) => LABELS[i] === 0);
    expect(common.reduce((s, c) => s + c, 0) / common.length).toBeCloseTo(30000 / 900, 0);
  });

  it('α = 0 is the tutorial draw: a label by rng.int(K), then a name by rng.int(n)', () => {
    const d = labelDraws(LABELS, 0, new Rng(7));
    const rng = new Rng(7);
    const byLabel = [
      LABELS.flatMap((l, i) => (l === 0 ? [i] : [])),
      LABELS.flatMap((l, i) => (l === 2 ? [i] : [])),
    ];
    for (let i = 0; i < 200; i++) {
      const list = byLabel[rng.int(2)] as number[];
      expect(d.draw()).toBe(list[rng.int(list.length)]);
    }
  });

  it('is deterministic per seed and replays: s draws then the rest equal one run', () => {
    const run = (seed: number): number[] => {
      const d = labelDraws(LABELS, 0.3, new Rng(seed));
      return Array.from({ length: 500 }, () => d.draw());
    };
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
    // Each draw takes two values of the generator: a restored generator continues the sequence.
    const rng = new Rng(3);
    const d = labelDraws(LABELS, 0.3, rng);
    for (let i = 0; i < 200; i++) d.draw();
    const resumed = labelDraws(LABELS, 0.3, Rng.fromState(rng.getState()));
    expect(Array.from({ length: 300 }, () => resumed.draw())).toEqual(run(3).slice(200));
  });

  it('refuses α outside [0, 1], no names and negative label ids', () => {
    expect(() => labelDraws(LABELS, 1.5, new Rng(1))).toThrow(/label exponent must be in \[0, 1\], got 1.5/);
    expect(() => labelDraws(LABELS, Number.NaN, new Rng(1))).toThrow(InvalidArgumentError);
    expect(() => labelDraws([], 0.5, new Rng(1))).toThrow(/no training names/);
    expect(() => labelDraws([0, -1], 0.5, new Rng(1))).toThrow(/name 1 has label id -1/);
  });
});

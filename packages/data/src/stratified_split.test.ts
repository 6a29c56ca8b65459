import { InvalidArgumentError } from '@charrnn/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LabeledName } from './corpus.js';
import { nameKey } from './name_key.js';
import { splitCounts, stratifiedSplit, type Split } from './stratified_split.js';

const names = (label: string, n: number): LabeledName[] =>
  Array.from({ length: n }, (_, i) => ({ name: `${label}name${i}`, label }));

// A: 10 singletons + 'Shared' = 11; B: 7 singletons + 'Shared' = 8; C: 20 singletons + 'Émile'/'emile' = 22.
const items: LabeledName[] = [
  ...names('A', 10),
  { name: 'Shared', label: 'A' },
  ...names('B', 7),
  { name: 'Shared', label: 'B' },
  ...names('C', 20),
  { name: 'Émile', label: 'C' },
  { name: 'emile', label: 'C' },
];

function counts(split: Split): Record<string, [number, number, number]> {
  const out: Record<string, [number, number, number]> = {};
  (['train', 'val', 'test'] as const).forEach((side, s) => {
    for (const item of split[side]) {
      const row = (out[item.label] ??= [0, 0, 0]);
      row[s] = (row[s] ?? 0) + 1;
    }
  });
  return out;
}

function sideOfKeys(split: Split): Map<string, Set<string>> {
  const sides = new Map<string, Set<string>>();
  for (const side of ['train', 'val', 'test'] as const) {
    for (const item of split[side]) {
      const key = nameKey(item.name);
      sides.set(key, (sides.get(key) ?? new Set()).add(side));
    }
  }
  return sides;
}

describe('splitCounts', () => {
  it('rounds by largest remainder', () => {
    expect(splitCounts(7, { val: 0.1, test: 0.1 })).toEqual({ train: 5, val: 1, test: 1 }); // 5.6 0.7 0.7
    expect(splitCounts(10, { val: 0.1, test: 0.1 })).toEqual({ train: 8, val: 1, test: 1 });
    expect(splitCounts(11, { val: 0.1, test: 0.1 })).toEqual({ train: 9, val: 1, test: 1 }); // 8.8 1.1 1.1
    expect(splitCounts(8, { val: 0.1, test: 0.1 })).toEqual({ train: 6, val: 1, test: 1 }); // 6.4 0.8 0.8
    expect(splitCounts(22, { val: 0.1, test: 0.1 })).toEqual({ train: 18, val: 2, test: 2 }); // 17.6 2.2 2.2
    expect(splitCounts(3, { val: 0.5, test: 0.5 })).toEqual({ train: 0, val: 2, test: 1 }); // ties: val before test
    expect(splitCounts(1, { val: 0.1, test: 0.1 })).toEqual({ train: 1, val: 0, test: 0 });
    expect(splitCounts(0, { val: 0.1, test: 0.1 })).toEqual({ train: 0, val: 0, test: 0 });
    expect(splitCounts(10, { val: 0.7, test: 0 })).toEqual({ train: 3, val: 7, test: 0 }); // 10 * 0.7 = 7.000000000000001
  });

  it('always sums to n with each side within 1 of its quota', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5000 }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        (n, val, test) => {
          const c = splitCounts(n, { val, test });
          expect(c.train + c.val + c.test).toBe(n);
          expect(Math.abs(c.val - n * val)).toBeLessThan(1 + 1e-9);
          expect(Math.abs(c.test - n * test)).toBeLessThan(1 + 1e-9);
        },
      ),
    );
  });

  it('rejects bad ratios', () => {
    expect(() => splitCounts(5, { val: 0.6, test: 0.6 })).toThrow(InvalidArgumentError);
    expect(() => splitCounts(5, { val: -0.1, test: 0.1 })).toThrow(
      'field val: must be a number in [0, 1], got -0.1',
    );
    expect(() => splitCounts(5, { val: 0.1, test: Number.NaN })).toThrow(
      'field test: must be a number in [0, 1], got NaN',
    );
  });
});

describe('stratifiedSplit', () => {
  it('hits every label’s exact counts and never puts a name on two sides', () => {
    for (const seed of [1, 2, 3, 42, 1234]) {
      const split = stratifiedSplit(items, { val: 0.1, test: 0.1, seed });
      expect(counts(split)).toEqual({ A: [9, 1, 1], B: [6, 1, 1], C: [18, 2, 2] });
      for (const [key, sides] of sideOfKeys(split)) expect([key, sides.size]).toEqual([key, 1]);
      // 'Shared' (A and B) and 'Émile'/'emile' (one key) stay together.
      expect(split.train.length + split.val.length + split.test.length).toBe(items.length);
    }
  });

  it('keeps the input order within each side', () => {
    const split = stratifiedSplit(items, { val: 0.1, test: 0.1, seed: 5 });
    for (const side of [split.train, split.val, split.test]) {
      const positions = side.map((item) => items.indexOf(item));
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    }
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const a = stratifiedSplit(items, { val: 0.1, test: 0.1, seed: 7 });
    const b = stratifiedSplit(items, { val: 0.1, test: 0.1, seed: 7 });
    expect(b).toEqual(a);
    const seen = new Set<string>();
    for (let seed = 0; seed < 10; seed++) {
      const split = stratifiedSplit(items, { val: 0.1, test: 0.1, seed });
      seen.add(JSON.stringify([split.val, split.test]));
    }
    expect(seen.size).toBeGreaterThan(5);
  });

  it('moves a group that fits nowhere to the side it overfills least', () => {
    // 'Ana' and 'ana' share a key; targets are train 0, val 1, test 1: no side has room for 2.
    const split = stratifiedSplit(
      [
        { name: 'Ana', label: 'X' },
        { name: 'ana', label: 'X' },
      ],
      { val: 0.5, test: 0.5, seed: 1 },
    );
    expect(split.train).toEqual([]);
    expect(split.val.map((i) => i.name)).toEqual(['Ana', 'ana']);
    expect(split.test).toEqual([]);
  });

  it('groups with a custom key', () => {
    const two = [{ name: 'Abel', label: 'A' }, { name: 'ABEL!', label: 'A' }, ...names('A', 18)];
    const split = stratifiedSplit(two, {
      val: 0.1,
      test: 0.1,
      seed: 3,
      key: (n) => n.replace(/[^a-z]/gi, '').toLowerCase(),
    });
    const sideOf = (name: string): string =>
      (['train', 'val', 'test'] as const).find((s) => split[s].some((i) => i.name === name)) ?? 'none';
    expect(sideOf('ABEL!')).toBe(sideOf('Abel'));
  });

  it('handles an empty input and val = test = 0', () => {
    expect(stratifiedSplit([], { val: 0.1, test: 0.1, seed: 1 })).toEqual({ train: [], val: [], test: [] });
    const split = stratifiedSplit(items, { val: 0, test: 0, seed: 1 });
    expect(split.train).toEqual(items);
  });
});

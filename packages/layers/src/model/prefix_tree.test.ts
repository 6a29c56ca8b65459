import { describe, expect, it } from 'vitest';
import { prefixTree } from './prefix_tree.js';
import type { PrefixTree } from './prefix_tree.js';

function batchOf(rows: number[][]): { ids: Int32Array; lengths: Int32Array; maxLen: number } {
  const maxLen = Math.max(1, ...rows.map((r) => r.length));
  const ids = new Int32Array(rows.length * maxLen);
  rows.forEach((r, i) => ids.set(r, i * maxLen));
  return { ids, lengths: Int32Array.from(rows.map((r) => r.length)), maxLen };
}

/** The token sequence a node stands for, read up its parent links. */
function pathOf(tree: PrefixTree, node: number): number[] {
  let level = 0;
  while ((tree.start[level + 1] as number) <= node) level++;
  const tokens: number[] = [];
  for (let d = level, n = node; d >= 0; d--) {
    tokens.unshift(tree.token[n] as number);
    if (d > 0) n = (tree.start[d - 1] as number) + (tree.parent[n] as number);
  }
  return tokens;
}

/** Checks every property of the tree of `rows` against a direct count of their prefixes. */
function checkTree(rows: number[][]): PrefixTree {
  const { ids, lengths, maxLen } = batchOf(rows);
  const tree = prefixTree(ids, lengths, rows.length, maxLen);
  const prefixes = new Set<string>();
  const extended = new Set<string>();
  for (const row of rows)
    for (let k = 1; k <= row.length; k++) {
      prefixes.add(row.slice(0, k).join('.'));
      if (k < row.length) extended.add(row.slice(0, k).join('.'));
    }
  expect(tree.size).toBe(prefixes.size);
  expect(tree.depth).toBe(Math.max(0, ...rows.map((r) => r.length)));
  const seen = new Set<string>();
  for (let d = 0; d < tree.depth; d++) {
    const first = tree.start[d] as number;
    const last = tree.start[d + 1] as number;
    for (let n = first; n < last; n++) {
      const path = pathOf(tree, n);
      expect(path.length).toBe(d + 1);
      const key = path.join('.');
      expect(prefixes.has(key)).toBe(true);
      seen.add(key);
      // Nodes with children lead their level.
      expect(extended.has(key)).toBe(n - first < (tree.internal[d] as number));
    }
  }
  expect(seen.size).toBe(tree.size);
  rows.forEach((row, r) => {
    if (row.length === 0) expect(tree.leaf[r]).toBe(tree.size);
    else expect(pathOf(tree, tree.leaf[r] as number)).toEqual(row);
  });
  return tree;
}

describe('prefixTree', () => {
  it('has one node per distinct prefix, nodes with children first, each row at its leaf', () => {
    const tree = checkTree([
      [3, 4, 5, 6],
      [3, 4, 5],
      [3, 4, 5, 6, 7],
      [3],
      [],
      [3, 4, 5, 6],
      [2, 4],
      [3, 9],
      [2],
    ]);
    // 3 · 3.4 3.9 · … : level 0 holds 3 and 2, both with children.
    expect(Array.from(tree.start)).toEqual([0, 2, 5, 6, 7, 8]);
    expect(Array.from(tree.internal)).toEqual([2, 1, 1, 1, 0]);
  });

  it('holds for seeded random batches in any order, with repeats', () => {
    let seed = 12345;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let trial = 0; trial < 40; trial++) {
      const vocab = 2 + Math.floor(next() * 5);
      const rows = Array.from({ length: 1 + Math.floor(next() * 60) }, () =>
        Array.from({ length: Math.floor(next() * 9) }, () => Math.floor(next() * vocab)),
      );
      checkTree(rows);
    }
  });

  it('is empty for no rows or only empty rows', () => {
    expect(checkTree([]).size).toBe(0);
    const tree = checkTree([[], []]);
    expect(Array.from(tree.leaf)).toEqual([0, 0]);
  });
});

import { InvalidArgumentError, Rng } from '@charrnn/core';
import type { LabeledName } from './corpus.js';
import { nameKey } from './name_key.js';

/** Fractions of each label that go to validation and test; the rest is training. */
export interface SplitRatios {
  /** Fraction for validation, in [0, 1]. */
  val: number;
  /** Fraction for test, in [0, 1]; `val + test <= 1`. */
  test: number;
}

/** Options of {@link stratifiedSplit}. */
export interface SplitOptions extends SplitRatios {
  /** Seed of the split; the same items and seed always give the same split. */
  seed: number;
  /**
   * Maps a name to its group key: names with equal keys always land on the same side.
   * Default {@link nameKey} (accents and case ignored). Pass `(n) => tokenizer.normalize(n)` to
   * group exactly what a tokenizer cannot tell apart.
   */
  key?: (name: string) => string;
}

/** The three sides of a split, each in the input's order. */
export interface Split {
  train: LabeledName[];
  val: LabeledName[];
  test: LabeledName[];
}

/** Per-side counts for one label. */
export interface SplitCounts {
  train: number;
  val: number;
  test: number;
}

const SIDES = ['train', 'val', 'test'] as const;
type Side = (typeof SIDES)[number];

function checkRatios(ratios: SplitRatios): void {
  for (const field of ['val', 'test'] as const) {
    const value = ratios[field];
    if (!Number.isFinite(value) || value < 0 || value > 1) {
      throw new InvalidArgumentError(`must be a number in [0, 1], got ${value}`, { field });
    }
  }
  if (ratios.val + ratios.test > 1 + 1e-12) {
    throw new InvalidArgumentError(`val + test must be at most 1, got ${ratios.val + ratios.test}`, {
      field: 'val',
    });
  }
}

/**
 * How {@link stratifiedSplit} divides `n` items of one label: largest-remainder rounding of the
 * exact quotas `n * (1 - val - test)`, `n * val`, `n * test`. Each side gets the floor of its
 * quota; the items left over go one each to the sides with the largest fractional parts (ties:
 * train, then val, then test). The counts always sum to `n`.
 *
 * @example
 * ```ts
 * splitCounts(7, { val: 0.1, test: 0.1 }); // quotas 5.6, 0.7, 0.7 -> { train: 5, val: 1, test: 1 }
 * splitCounts(10, { val: 0.1, test: 0.1 }); // { train: 8, val: 1, test: 1 }
 * ```
 */
export function splitCounts(n: number, ratios: SplitRatios): SplitCounts {
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`n must be a non-negative integer, got ${n}`);
  checkRatios(ratios);
  // Rounded to 1e-9 so that e.g. 10 * 0.7 = 7.000000000000001 floors to 7, not 6 or 7.
  const quota = (fraction: number): number => Math.round(n * fraction * 1e9) / 1e9;
  const quotas = [quota(Math.max(0, 1 - ratios.val - ratios.test)), quota(ratios.val), quota(ratios.test)];
  const counts = quotas.map(Math.floor);
  let left = n - counts.reduce((a, b) => a + b, 0);
  const order = [0, 1, 2].sort((a, b) => {
    const fa = (quotas[a] ?? 0) - (counts[a] ?? 0);
    const fb = (quotas[b] ?? 0) - (counts[b] ?? 0);
    return fb - fa || a - b;
  });
  for (let k = 0; left > 0; k = (k + 1) % 3, left--) {
    const side = order[k] ?? 0;
    counts[side] = (counts[side] ?? 0) + 1;
  }
  return { train: counts[0] ?? 0, val: counts[1] ?? 0, test: counts[2] ?? 0 };
}

/**
 * Deterministic, stratified, leakage-free split into train / validation / test.
 *
 * - **Leakage-free**: items are grouped by `key(name)` (default {@link nameKey}); a group goes to
 *   one side as a whole, so a name (or an accent/case variant of it) never sits on two sides, even
 *   when it occurs under several labels.
 * - **Stratified**: each label's items are divided by {@link splitCounts} (largest remainder).
 *   Single-item groups are dealt out exactly to those targets. Groups of several items (a name
 *   under several labels, or variants of one name) are placed first, at random among the sides
 *   where every one of their labels still has room (weighted by that room); when no side has room
 *   the group goes to the side it overfills least (train first on ties), so a label can then miss
 *   its targets by at most that group's size.
 * - **Deterministic**: driven by `Rng(seed)`; the same items in the same order and the same seed
 *   give the same split. Each side keeps the input order.
 *
 * @example
 * ```ts
 * const { train, val, test } = stratifiedSplit(corpus.items, { val: 0.1, test: 0.1, seed: 42 });
 * ```
 */
export function stratifiedSplit(items: readonly LabeledName[], options: SplitOptions): Split {
  checkRatios(options);
  const key = options.key ?? nameKey;
  const rng = new Rng(options.seed);

  const groupOf = new Map<string, number[]>();
  const perLabel = new Map<string, number>();
  items.forEach((item, index) => {
    const k = key(item.name);
    const group = groupOf.get(k);
    if (group === undefined) groupOf.set(k, [index]);
    else group.push(index);
    perLabel.set(item.label, (perLabel.get(item.label) ?? 0) + 1);
  });

  const room = new Map<string, Record<Side, number>>();
  for (const [label, n] of perLabel) room.set(label, { ...splitCounts(n, options) });

  const side = new Array<Side>(items.length).fill('train');
  const groups = rng.shuffle([...groupOf.values()]);

  // Several-item groups first, largest first (stable sort keeps the shuffled order among equals).
  const multi = groups.filter((g) => g.length > 1).sort((a, b) => b.length - a.length);
  for (const group of multi) {
    const need = new Map<string, number>();
    for (const index of group) {
      const label = (items[index] as LabeledName).label;
      need.set(label, (need.get(label) ?? 0) + 1);
    }
    const roomOf = (label: string): Record<Side, number> => room.get(label) as Record<Side, number>;
    const fits = SIDES.filter((s) => [...need].every(([label, c]) => roomOf(label)[s] >= c));
    let chosen: Side;
    if (fits.length > 0) {
      const weights = fits.map((s) => [...need.keys()].reduce((w, label) => w + roomOf(label)[s], 0));
      let r = rng.next() * weights.reduce((a, b) => a + b, 0);
      chosen = fits[fits.length - 1] as Side;
      for (let i = 0; i < fits.length; i++) {
        r -= weights[i] ?? 0;
        if (r < 0) {
          chosen = fits[i] as Side;
          break;
        }
      }
    } else {
      const overflow = (s: Side): number =>
        [...need].reduce((o, [label, c]) => o + Math.max(0, c - Math.max(0, roomOf(label)[s])), 0);
      chosen = SIDES.reduce((best, s) => (overflow(s) < overflow(best) ? s : best), 'train' as Side);
    }
    for (const [label, c] of need) roomOf(label)[chosen] -= c;
    for (const index of group) side[index] = chosen;
  }

  // Single-item groups, per label in shuffled order: test first, then val, the rest train.
  const singles = new Map<string, number[]>();
  for (const group of groups) {
    if (group.length !== 1) continue;
    const index = group[0] as number;
    const label = (items[index] as LabeledName).label;
    const list = singles.get(label);
    if (list === undefined) singles.set(label, [index]);
    else list.push(index);
  }
  for (const [label, list] of singles) {
    const r = room.get(label) as Record<Side, number>;
    const nTest = Math.min(Math.max(0, r.test), list.length);
    const nVal = Math.min(Math.max(0, r.val), list.length - nTest);
    list.forEach((index, i) => {
      side[index] = i < nTest ? 'test' : i < nTest + nVal ? 'val' : 'train';
    });
  }

  const split: Split = { train: [], val: [], test: [] };
  items.forEach((item, index) => split[side[index] as Side].push(item));
  return split;
}

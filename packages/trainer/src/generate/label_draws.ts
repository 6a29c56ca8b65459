import { InvalidArgumentError } from '@charrnn/core';
import type { Rng } from '@charrnn/core';

/** Training names drawn with replacement, a label first and then one of its names. @internal */
export interface LabelDraws {
  /** The index (into the names given) of the next training name. */
  draw(): number;
  /** Label ids that have names, ascending: the labels that can be drawn. */
  readonly labels: readonly number[];
  /** Probability of drawing each of {@link LabelDraws.labels}. */
  readonly probabilities: readonly number[];
}

/**
 * Draws training names with replacement: a label `l` with probability `n_l^α / Σ_k n_k^α`
 * (`n_l` its training names), then one of its names uniformly. `α = 1` draws names as often as
 * the data has them (label shares as in the data); `α = 0` draws every label equally (the PyTorch
 * tutorial's `randomTrainingExample()`: one `rng.int(K)` for the label, so the tutorial's runs
 * are unchanged); in between, rare labels are drawn more than their share without flattening the
 * distribution (the "temperature" sampling of multilingual language models, e.g. XLM's α = 0.5).
 * Each draw takes one label and one name from `rng` (two values), so a run resumed after `s`
 * draws replays them by drawing `s` times.
 *
 * @param nameLabels the label id of each training name (ids ≥ 0)
 * @param alpha the exponent α in [0, 1]
 * @throws InvalidArgumentError for no names, a negative label id or α outside [0, 1]
 * @internal
 */
export function labelDraws(nameLabels: ArrayLike<number>, alpha: number, rng: Rng): LabelDraws {
  if (!(alpha >= 0 && alpha <= 1))
    throw new InvalidArgumentError(`the label exponent must be in [0, 1], got ${alpha}`, {
      field: 'labelAlpha',
    });
  if (nameLabels.length === 0) throw new InvalidArgumentError('no training names', { field: 'train' });
  const index = new Map<number, number[]>();
  for (let i = 0; i < nameLabels.length; i++) {
    const label = nameLabels[i] as number;
    if (!(Number.isInteger(label) && label >= 0))
      throw new InvalidArgumentError(`name ${i} has label id ${label}`, { field: 'train' });
    const list = index.get(label);
    if (list === undefined) index.set(label, [i]);
    else list.push(i);
  }
  const labels = [...index.keys()].sort((a, b) => a - b);
  const byLabel = labels.map((l) => index.get(l) as number[]);
  const weights = byLabel.map((list) => (alpha === 0 ? 1 : Math.pow(list.length, alpha)));
  const total = weights.reduce((s, w) => s + w, 0);
  const probabilities = weights.map((w) => w / total);
  // Upper ends of each label's interval of [0, 1); the last is 1 whatever the rounding.
  const bounds = probabilities.map((_, i) => probabilities.slice(0, i + 1).reduce((s, p) => s + p, 0));
  bounds[bounds.length - 1] = 1;
  const drawLabel = (): number => {
    if (alpha === 0) return rng.int(byLabel.length);
    const u = rng.next();
    let lo = 0;
    let hi = bounds.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (u < (bounds[mid] as number)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  return {
    labels,
    probabilities,
    draw: () => {
      const list = byLabel[drawLabel()] as number[];
      return list[rng.int(list.length)] as number;
    },
  };
}

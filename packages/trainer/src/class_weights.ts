import { InvalidConfigError } from '@charrnn/core';
import type { Example } from '@charrnn/data';

/**
 * Per-class loss weights from the label counts of `examples`, for `TrainOptions.classWeights`:
 *
 * - `'balanced'`: `n / (K · count_c)` (scikit-learn's "balanced"), so every class weighs the same
 *   in total;
 * - `'sqrt'`: the square root of that, a milder correction.
 *
 * Both are scaled so that the average weight per example is 1 (the loss keeps its scale, and the
 * learning rate its meaning). A class with no examples gets weight 0.
 */
export function classWeightsFor(
  examples: readonly Example[],
  numClasses: number,
  mode: 'balanced' | 'sqrt',
): Float32Array {
  if (!(Number.isSafeInteger(numClasses) && numClasses > 0))
    throw new InvalidConfigError(`numClasses must be a positive integer, got ${numClasses}`, {
      field: 'numClasses',
    });
  if (mode !== 'balanced' && mode !== 'sqrt')
    throw new InvalidConfigError(`unknown class weighting ${JSON.stringify(mode)} (balanced, sqrt)`, {
      field: 'classWeights',
    });
  const counts = new Float64Array(numClasses);
  for (const { label } of examples) {
    if (!(Number.isInteger(label) && label >= 0 && label < numClasses))
      throw new InvalidConfigError(`label ${label} is outside 0..${numClasses - 1}`, { field: 'examples' });
    counts[label] = (counts[label] ?? 0) + 1;
  }
  const present = counts.filter((c) => c > 0).length;
  const raw = Array.from(counts, (c) => {
    if (c === 0) return 0;
    const balanced = examples.length / (present * c);
    return mode === 'balanced' ? balanced : Math.sqrt(balanced);
  });
  // Mean weight per example: Σ count_c · w_c / n.
  const mean = raw.reduce((s, w, c) => s + w * (counts[c] ?? 0), 0) / Math.max(1, examples.length);
  return Float32Array.from(raw, (w) => (mean > 0 ? w / mean : 0));
}

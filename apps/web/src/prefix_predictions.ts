import type { CharClassifier } from '@charrnn/layers';

/**
 * The model's probabilities after each character of a name: row `t` is the prediction for the
 * first `t + 1` tokens, as if the name stopped there. One batched call of the model's own
 * `predictProba` (n-gram head included), so the page shows exactly what the model computes.
 */
export function prefixProbabilities(model: CharClassifier, ids: Int32Array): Float32Array[] {
  const T = ids.length;
  if (T === 0) return [];
  const batch = new Int32Array(T * T);
  for (let b = 0; b < T; b++) batch.set(ids.subarray(0, b + 1), b * T);
  const lengths = Int32Array.from({ length: T }, (_, b) => b + 1);
  const probabilities = model.predictProba({ ids: batch, lengths, batchSize: T, maxLen: T });
  const C = model.config.numClasses;
  return Array.from({ length: T }, (_, b) => probabilities.slice(b * C, (b + 1) * C));
}

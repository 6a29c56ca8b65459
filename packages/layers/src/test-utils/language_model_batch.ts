// Test-only helpers. Never imported by package code.
import { Rng } from '@charrnn/core';
import type { LanguageModelBatch } from '../model/language_model.js';

/**
 * Three sequences of lengths 5, 2, 4 over ids `1 … vocabSize − 1` (drawn from `seed`), with
 * `padWith` after each end and targets 0 there; labels `[0, C − 1, 1 mod C]` when the model has
 * `numLabels = C > 0`. The batch of the language models' and the tutorial generator's tests.
 */
export function languageModelTestBatch(
  config: { vocabSize: number; numLabels?: number },
  seed = 3,
  padWith = 0,
): { batch: LanguageModelBatch; targets: Int32Array } {
  const V = config.vocabSize;
  const lengths = Int32Array.from([5, 2, 4]);
  const T = 5;
  const rng = new Rng(seed);
  const ids = new Int32Array(3 * T);
  const targets = new Int32Array(3 * T);
  for (let r = 0; r < 3; r++)
    for (let t = 0; t < T; t++) {
      const valid = t < (lengths[r] as number);
      ids[r * T + t] = valid ? 1 + rng.int(V - 1) : padWith;
      targets[r * T + t] = valid ? 1 + rng.int(V - 1) : 0;
    }
  const C = config.numLabels ?? 0;
  return {
    batch: {
      ids,
      lengths,
      batchSize: 3,
      maxLen: T,
      ...(C > 0 ? { labels: Int32Array.from([0, C - 1, 1 % C]) } : {}),
    },
    targets,
  };
}

import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@charrnn/core';
import { CharClassifier, NgramHead, type ClassifierConfig } from '@charrnn/layers';
import type { Tokenizer } from '@charrnn/tokenizer';

/** The n-gram head {@link randomModel} adds: n-grams of 1 to `maxN` tokens of `names`, the first `maxGrams`. */
export interface RandomNgram {
  names: readonly string[];
  maxN: number;
  maxGrams: number;
}

/**
 * A classifier with random weights (biases too, so every term of an export is exercised) and,
 * when `ngram` is given, an n-gram head with random weights on the grams of its names.
 */
export function randomModel(
  config: ClassifierConfig,
  tokenizer: Tokenizer,
  ngram: RandomNgram | null,
  seed: number,
): CharClassifier {
  const model = CharClassifier.create(config, new Rng(seed));
  const rng = new Rng(seed + 1);
  for (const w of model.trainableWeights)
    w.assign(
      tf.tensor(
        Float32Array.from({ length: w.size }, () => rng.next() - 0.5),
        w.shape,
      ),
    );
  if (ngram !== null) {
    const { names, maxN, maxGrams } = ngram;
    const grams = [...new Set(names.flatMap((n) => NgramHead.gramsOf(tokenizer.encode(n), 1, maxN)))].slice(
      0,
      maxGrams,
    );
    const C = config.numClasses;
    model.setNgramHead(
      new NgramHead(
        { minN: 1, maxN, numClasses: C, rnnScale: 0.5, grams },
        {
          kernel: Float32Array.from({ length: grams.length * C }, () => rng.next() - 0.5),
          bias: Float32Array.from({ length: C }, () => rng.next() - 0.5),
        },
      ),
    );
  }
  return model;
}

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { InvalidArgumentError, Rng } from '@charrnn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CharClassifier } from './classifier.js';
import type { ClassifierConfig } from './classifier_config.js';
import { BACKENDS, maxAbsDiff, useBackend } from '../test-utils/tf_test_setup.js';

const BASE = { vocabSize: 12, embedDim: 5, hiddenSize: 6, numClasses: 4 };
const CONFIGS: { name: string; config: ClassifierConfig }[] = [
  { name: 'tutorial rnn', config: { ...BASE, cell: 'rnn' } },
  { name: 'simple, bidirectional concat', config: { ...BASE, cell: 'simple', bidirectional: 'concat' } },
  {
    name: 'lstm, 2 layers, bidirectional concat',
    config: { ...BASE, cell: 'lstm', layers: 2, bidirectional: 'concat' },
  },
  { name: 'gru, 2 layers', config: { ...BASE, cell: 'gru', layers: 2 } },
  {
    name: 'gru resetAfter, 2 layers, bidirectional sum',
    config: { ...BASE, cell: 'gru', resetAfter: true, layers: 2, bidirectional: 'sum' },
  },
  {
    name: 'gru, bidirectional concat, dropout (inference ignores it)',
    config: { ...BASE, cell: 'gru', bidirectional: 'concat', dropout: 0.3, recurrentDropout: 0.1 },
  },
];

// Three names of lengths 4, 1 and 7, right-padded.
const LENGTHS = Int32Array.from([4, 1, 7]);
const MAX_LEN = 7;
const IDS = new Int32Array(3 * MAX_LEN);
LENGTHS.forEach((n, r) => {
  for (let t = 0; t < n; t++) IDS[r * MAX_LEN + t] = 2 + ((r * 5 + t * 3) % 10);
});

/** A member with every weight random (biases included, so that their placement is tested). */
function member(config: ClassifierConfig, seed: number): CharClassifier {
  const model = CharClassifier.create(config, new Rng(seed));
  const rng = new Rng(seed + 100);
  for (const w of model.trainableWeights)
    w.assign(
      tf.tensor(
        Float32Array.from({ length: w.size }, () => rng.next() - 0.5),
        w.shape,
      ),
    );
  return model;
}

const logitsOf = (model: CharClassifier): Float32Array =>
  tf.tidy(() => model.logits(IDS, LENGTHS, 3, MAX_LEN).dataSync() as Float32Array);

describe.each(BACKENDS)('CharClassifier.average on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it.each(CONFIGS)('$name: logits are the mean of the members’ logits', ({ config }) => {
    const members = [member(config, 1), member(config, 2), member(config, 3)];
    const before = tf.memory().numTensors;
    const average = CharClassifier.average(members);
    expect(average.config).toMatchObject({ embedDim: 15, hiddenSize: 18, cell: config.cell });
    const expected = new Float32Array(3 * 4);
    for (const m of members) logitsOf(m).forEach((v, i) => (expected[i] = (expected[i] as number) + v / 3));
    expect(maxAbsDiff(logitsOf(average), expected)).toBeLessThan(1e-5);
    // Through the tfjs-layers artifacts and back: still the same model.
    const copy = CharClassifier.fromArtifacts(average.toArtifacts());
    expect(maxAbsDiff(logitsOf(copy), expected)).toBeLessThan(1e-5);
    copy.dispose();
    average.dispose();
    expect(tf.memory().numTensors).toBe(before);
    for (const m of members) m.dispose();
  });
});

describe('CharClassifier.average errors', () => {
  it('refuses an empty list and members of different architectures', () => {
    expect(() => CharClassifier.average([])).toThrow(InvalidArgumentError);
    const a = member({ ...BASE, cell: 'gru' }, 1);
    const b = member({ ...BASE, cell: 'gru', hiddenSize: 7 }, 2);
    expect(() => CharClassifier.average([a, b])).toThrow(
      'field models[1].config.hiddenSize: model 1 has hiddenSize 7, model 0 has 6',
    );
    a.dispose();
    b.dispose();
  });
});

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '@charrnn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CharClassifier } from './classifier.js';

tf.env().set('IS_TEST', true);

describe('CharClassifier lifecycle', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('create → dispose and fromArtifacts → dispose leave no tensor behind', () => {
    const before = tf.memory().numTensors;
    const bytesBefore = tf.memory().numBytes;
    const model = CharClassifier.create(
      { cell: 'rnn', vocabSize: 10, embedDim: 4, hiddenSize: 5, numClasses: 3 },
      new Rng(1),
    );
    expect(tf.memory().numTensors - before).toBe(model.trainableWeights.length);
    const copy = CharClassifier.fromArtifacts(model.toArtifacts());
    model.dispose();
    copy.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.memory().numBytes).toBe(bytesBefore);
  });
});

// Long-run memory: tensors, backend bytes and the JS heap stay flat over many predictions and
// training steps, on cpu and wasm. Small counts here; `pnpm bench:memory` runs 10,000 predictions
// and 2,000 steps and prints the same figures.
import v8 from 'node:v8';
import vm from 'node:vm';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { Rng } from '@charrnn/core';
import { CharClassifier, type ClassifierConfig } from '@charrnn/layers';
import { Tokenizer } from '@charrnn/tokenizer';
import { beforeAll, describe, expect, it } from 'vitest';
import { classifyNames } from './classify_names.js';
import { LABELS, syntheticExamples } from './test-utils/synthetic_names.js';
import { train } from './train.js';

tf.env().set('IS_TEST', true);
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Heap in use after a full collection. */
function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Bytes of JS heap a leak would add per operation before these tests notice it. */
const LEAK_BYTES_PER_OP = 2048;

const CONFIG: ClassifierConfig = {
  cell: 'gru',
  vocabSize: Tokenizer.tutorial().vocabSize,
  embedDim: 16,
  hiddenSize: 24,
  numClasses: 2,
  bidirectional: 'concat',
  dropout: 0.2,
  recurrentDropout: 0.1,
};

describe.each(['cpu', 'wasm'])('memory on the %s backend', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  it('1,000 single-name predictions leave tensors, backend bytes and heap flat', () => {
    const model = CharClassifier.create(CONFIG, new Rng(1));
    const bundle = { model, tokenizer: Tokenizer.tutorial(), labels: LABELS };
    const names = ['Nguyen', 'Satoshi', 'Ó Ceallaigh', 'Schmidt-Müller', 'Żółć', 'A', 'x'.repeat(40)];
    for (let i = 0; i < 200; i++) classifyNames(bundle, [names[i % names.length] as string], 2); // warm up
    const tensors = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    const heap = heapAfterGc();
    for (let i = 0; i < 1000; i++) classifyNames(bundle, [names[i % names.length] as string], 2);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.memory().numBytes).toBe(bytes);
    expect(heapAfterGc() - heap).toBeLessThan(1000 * LEAK_BYTES_PER_OP);
    model.dispose();
  });

  it('300 training steps with dropout and per-epoch validation leave tensors, backend bytes and heap flat', async () => {
    const model = CharClassifier.create(CONFIG, new Rng(2));
    const examples = syntheticExamples(640, 3);
    const val = syntheticExamples(64, 4);
    const options = {
      optimizer: 'adam' as const,
      learningRate: 0.003,
      batchSize: 16,
      sampler: 'bucket' as const,
      seed: 1,
      labels: LABELS,
      clipNorm: 5,
      val,
    };
    await train(model, examples, { ...options, iterations: 100, evalEvery: 40 }); // warm up, slots made
    const tensors = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    const heap = heapAfterGc();
    const counts: number[] = [];
    await train(model, examples, {
      ...options,
      iterations: 300,
      evalEvery: 40,
      logEvery: 50,
      onEvent: (e) => {
        if (e.type === 'step') counts.push(tf.memory().numTensors);
      },
    });
    expect(new Set(counts).size).toBe(1); // flat during the run
    expect(tf.memory().numTensors).toBe(tensors); // and back to the start after it
    expect(tf.memory().numBytes).toBe(bytes);
    expect(heapAfterGc() - heap).toBeLessThan(300 * LEAK_BYTES_PER_OP);
    model.dispose();
  });
});

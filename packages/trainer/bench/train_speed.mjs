/* global AbortController, setTimeout, clearTimeout */
// Throughput of `train()` (names per second of training steps: sampling, forward, hand-written
// backward, clipping, update) on the tutorial task: Embedding → RNN(tanh) → Dense, embed 128,
// hidden 128, SGD lr 0.01 momentum 0.9, clip 1, the tutorial sampler.
//
//   pnpm turbo run build --filter=@charrnn/trainer... && node packages/trainer/bench/train_speed.mjs [seconds per row]
//
// Reads the tutorial names from $CHARRNN_NAMES_DIR (default ../../../../shared/datasets/names
// relative to this file) and skips with a message when they are absent.
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { Rng } from '@charrnn/core';
import { encodeExamples } from '@charrnn/data';
import { loadLabelDirectory } from '@charrnn/data/node';
import { CharClassifier } from '@charrnn/layers';
import { Tokenizer } from '@charrnn/tokenizer';
import { train } from '../dist/index.js';

tf.env().set('PROD', true);
const seconds = Number(process.argv[2] ?? 5);
const namesDir =
  process.env.CHARRNN_NAMES_DIR ??
  fileURLToPath(new URL('../../../../shared/datasets/names', import.meta.url));
if (!existsSync(namesDir)) {
  console.log(`skipped: no tutorial names at ${namesDir} (set CHARRNN_NAMES_DIR)`);
  process.exit(0);
}
const { corpus } = await loadLabelDirectory(namesDir);
const tokenizer = Tokenizer.tutorial();
const examples = encodeExamples(corpus.items, tokenizer, corpus.labels);
const config = {
  cell: 'rnn',
  vocabSize: tokenizer.vocabSize,
  embedDim: 128,
  hiddenSize: 128,
  numClasses: corpus.labels.length,
};
const meanLength = examples.reduce((n, e) => n + e.ids.length, 0) / examples.length;
console.log(
  `${examples.length} names, ${corpus.labels.length} labels, mean length ${meanLength.toFixed(2)}; ${seconds} s per row`,
);

async function measure(backend, batchSize) {
  await tf.setBackend(backend);
  await tf.ready();
  const model = CharClassifier.create(config, new Rng(1));
  const options = {
    optimizer: 'sgd',
    learningRate: 0.01,
    momentum: 0.9,
    clipNorm: 1,
    batchSize,
    sampler: 'tutorial',
    seed: 1,
    labels: corpus.labels,
  };
  await train(model, examples, { ...options, iterations: Math.max(5, Math.round(200 / batchSize)) }); // warm-up
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), seconds * 1000);
  const result = await train(model, examples, {
    ...options,
    iterations: 1e9,
    logEvery: 1e9,
    signal: controller.signal,
  });
  clearTimeout(timer);
  model.dispose();
  return {
    backend,
    batchSize,
    steps: result.steps,
    namesPerSecond: Math.round(result.namesPerSecond),
    msPerStep: +((result.trainSeconds * 1000) / result.steps).toFixed(3),
  };
}

const rows = [];
const backends = (process.env.BENCH_BACKENDS ?? 'wasm,cpu').split(',');
const batchSizes = (process.env.BENCH_BATCH_SIZES ?? '1,64').split(',').map(Number);
for (const backend of backends)
  for (const batchSize of batchSizes) rows.push(await measure(backend, batchSize));
console.table(rows);

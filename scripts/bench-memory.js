#!/usr/bin/env node
// Long-run memory benchmark (issue 7): 10,000 single-name predictions and 2,000 training steps
// (BiGRU 64 with dropout, validation every 200 steps) on cpu and wasm; prints tfjs tensors, backend
// bytes and the JS heap (after a full GC) before and after; then (issue 18) `charrnn predict
// --input` streamed over 2,000,000 names with its peak RSS and names/s (scripts/bench-predict-stream.js);
// writes bench-results/memory.json.
// Needs the packages built (`pnpm build`); run with `pnpm bench:memory`.
// Env: BENCH_BACKENDS=wasm,cpu  BENCH_PREDICTIONS=10000  BENCH_STEPS=2000  BENCH_PREDICT_NAMES=2000000
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { benchPredictStream } from './bench-predict-stream.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = (name, entry = 'index.js') =>
  import(pathToFileURL(path.join(root, 'packages', name, 'dist', entry)).href);
const { Rng } = await pkg('core');
const { fileSystemHandler } = await pkg('core', 'node.js');
const { Tokenizer } = await pkg('tokenizer');
const { defaultCorpus, encodeExamples, stratifiedSplit } = await pkg('data');
const { CharClassifier } = await pkg('layers');
const { classifyNames, saveClassifierBundle, train } = await pkg('trainer');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
tf.env().set('PROD', true);

const int = (name, fallback) => Number(process.env[name] ?? fallback);
const PREDICTIONS = int('BENCH_PREDICTIONS', 10_000);
const STEPS = int('BENCH_STEPS', 2_000);
const backends = (process.env.BENCH_BACKENDS ?? 'wasm,cpu').split(',');

const snapshot = () => {
  gc();
  gc();
  const m = tf.memory();
  return { tensors: m.numTensors, backend_bytes: m.numBytes, heap_bytes: process.memoryUsage().heapUsed };
};
const mb = (b) => (b / 2 ** 20).toFixed(2);
const delta = (a, b) => ({
  tensors: b.tensors - a.tensors,
  backend_bytes: b.backend_bytes - a.backend_bytes,
  heap_bytes: b.heap_bytes - a.heap_bytes,
});

const corpus = defaultCorpus();
const tokenizer = Tokenizer.tutorial();
const split = stratifiedSplit(corpus.items, { val: 0.05, test: 0, seed: 1 });
const trainExamples = encodeExamples(split.train, tokenizer, corpus.labels);
const valExamples = encodeExamples(split.val, tokenizer, corpus.labels);
const names = corpus.items.slice(0, 1000).map((i) => i.name);
const config = {
  cell: 'gru',
  vocabSize: tokenizer.vocabSize,
  embedDim: 32,
  hiddenSize: 64,
  numClasses: corpus.labels.length,
  bidirectional: 'concat',
  dropout: 0.3,
  recurrentDropout: 0.1,
};

const results = [];
for (const backend of backends) {
  await tf.setBackend(backend);
  await tf.ready();
  const model = CharClassifier.create(config, new Rng(1));
  const bundle = { model, tokenizer, labels: corpus.labels };
  for (let i = 0; i < 100; i++) classifyNames(bundle, [names[i % names.length]], 3);
  const p0 = snapshot();
  let t = performance.now();
  for (let i = 0; i < PREDICTIONS; i++) classifyNames(bundle, [names[i % names.length]], 3);
  const predictMs = performance.now() - t;
  const p1 = snapshot();

  const options = {
    optimizer: 'adam',
    learningRate: 0.003,
    batchSize: 64,
    sampler: 'bucket',
    seed: 1,
    labels: corpus.labels,
    clipNorm: 5,
    val: valExamples,
    evalEvery: 200,
    logEvery: 200,
  };
  await train(model, trainExamples, { ...options, iterations: 20 });
  const t0 = snapshot();
  const during = [];
  t = performance.now();
  await train(model, trainExamples, {
    ...options,
    iterations: STEPS,
    onEvent: (e) => {
      if (e.type === 'step') during.push(tf.memory().numTensors);
    },
  });
  const trainMs = performance.now() - t;
  const t1 = snapshot();
  model.dispose();
  const result = {
    backend,
    predictions: PREDICTIONS,
    predict_ms_per_name: predictMs / PREDICTIONS,
    predict_before: p0,
    predict_after: p1,
    predict_delta: delta(p0, p1),
    train_steps: STEPS,
    train_seconds: trainMs / 1000,
    train_before: t0,
    train_after: t1,
    train_delta: delta(t0, t1),
    tensors_during_training: {
      min: during.reduce((a, b) => Math.min(a, b), Infinity),
      max: during.reduce((a, b) => Math.max(a, b), -Infinity),
    },
  };
  results.push(result);
  console.log(
    `${backend}: ${PREDICTIONS} predictions (${result.predict_ms_per_name.toFixed(3)} ms each): tensors ${p0.tensors} → ${p1.tensors}, ` +
      `backend ${mb(p0.backend_bytes)} → ${mb(p1.backend_bytes)} MiB, heap ${mb(p0.heap_bytes)} → ${mb(p1.heap_bytes)} MiB`,
  );
  console.log(
    `${backend}: ${STEPS} training steps (${result.train_seconds.toFixed(1)} s): tensors ${t0.tensors} → ${t1.tensors} ` +
      `(${result.tensors_during_training.min}..${result.tensors_during_training.max} during), ` +
      `backend ${mb(t0.backend_bytes)} → ${mb(t1.backend_bytes)} MiB, heap ${mb(t0.heap_bytes)} → ${mb(t1.heap_bytes)} MiB`,
  );
}
// Streamed `charrnn predict --input` on 2,000,000 names: an untrained model of the same shape
// (the time and memory of a prediction do not depend on the weights' values).
await tf.setBackend('cpu');
const predictStream = await benchPredictStream(
  root,
  async (dir) => {
    const model = CharClassifier.create(config, new Rng(1));
    await saveClassifierBundle(model, tokenizer, corpus.labels, fileSystemHandler(dir));
    model.dispose();
  },
  corpus.items.map((i) => i.name),
);
mkdirSync(path.join(root, 'bench-results'), { recursive: true });
writeFileSync(
  path.join(root, 'bench-results', 'memory.json'),
  `${JSON.stringify({ date: new Date().toISOString(), results, predict_stream: predictStream }, null, 2)}\n`,
);
console.log('wrote bench-results/memory.json');

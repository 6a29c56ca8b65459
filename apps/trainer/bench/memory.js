#!/usr/bin/env node
// Memory soak (issue 7): numTensors and heap over many predictions and training steps, on the
// cpu and wasm backends. Usage: node apps/trainer/bench/memory.js [predictions=10000] [steps=2000]
// Prints one JSON line per backend and exits non-zero if tensors leak or the heap keeps growing.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { Rng } from '@charrnn/core';
import { defaultCorpus, encodeExamples } from '@charrnn/data';
import { CharClassifier } from '@charrnn/layers';
import { Tokenizer } from '@charrnn/tokenizer';
import { train } from '@charrnn/trainer';

tf.env().set('PROD', true);
const predictions = Number(process.argv[2] ?? 10_000);
const steps = Number(process.argv[3] ?? 2_000);
const mib = (bytes) => +(bytes / 2 ** 20).toFixed(1);
const heap = () => {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
};

const tokenizer = Tokenizer.tutorial();
const corpus = defaultCorpus();
const examples = encodeExamples(corpus.items, tokenizer, corpus.labels);
const names = corpus.items.map((item) => item.name);
let failed = false;

for (const backend of ['wasm', 'cpu']) {
  await tf.setBackend(backend);
  await tf.ready();
  const atStart = tf.memory().numTensors;
  const model = CharClassifier.create(
    {
      cell: 'rnn',
      vocabSize: tokenizer.vocabSize,
      embedDim: 32,
      hiddenSize: 64,
      numClasses: corpus.labels.length,
    },
    new Rng(1),
  );
  const tensors0 = tf.memory().numTensors;
  // Warm up so that lazily created kernels and caches do not count as growth.
  for (let i = 0; i < 200; i++) model.predictProba(tokenizer.encodeBatch([names[i % names.length]]));
  const heapPredict0 = heap();
  for (let i = 0; i < predictions; i++) model.predictProba(tokenizer.encodeBatch([names[i % names.length]]));
  const heapPredict1 = heap();
  const tensorsAfterPredict = tf.memory().numTensors;

  const stepTensors = [];
  await train(model, examples.slice(0, 2000), {
    optimizer: 'adam',
    learningRate: 0.003,
    batchSize: 16,
    iterations: 50,
    sampler: 'shuffle',
    seed: 1,
    labels: corpus.labels,
  });
  const heapTrain0 = heap();
  const tensorsTrain0 = tf.memory().numTensors;
  await train(model, examples, {
    optimizer: 'adam',
    learningRate: 0.003,
    batchSize: 16,
    iterations: steps,
    sampler: 'shuffle',
    seed: 2,
    labels: corpus.labels,
    clipNorm: 5,
    logEvery: Math.max(1, Math.floor(steps / 20)),
    onEvent: (e) => {
      if (e.type === 'step') stepTensors.push(tf.memory().numTensors);
    },
  });
  const heapTrain1 = heap();
  const result = {
    backend,
    tensors_at_start: atStart,
    predictions,
    tensors_before: tensors0,
    tensors_after_predictions: tensorsAfterPredict,
    heap_growth_predict_mib: mib(heapPredict1 - heapPredict0),
    training_steps: steps,
    tensors_during_training: [Math.min(...stepTensors), Math.max(...stepTensors)],
    tensors_after_training: tf.memory().numTensors,
    heap_growth_train_mib: mib(heapTrain1 - heapTrain0),
  };
  const leak =
    tensorsAfterPredict !== tensors0 ||
    result.tensors_after_training !== tensorsTrain0 ||
    Math.max(...stepTensors) !== Math.min(...stepTensors) ||
    result.heap_growth_predict_mib > 32 ||
    result.heap_growth_train_mib > 32;
  result.ok = !leak;
  failed ||= leak;
  console.log(JSON.stringify(result));
  model.dispose();
}
process.exit(failed ? 1 : 0);

#!/usr/bin/env node
// pnpm bench:profile — where batch prediction's time goes (issue 19's closing note): the bench
// model (embed 64 → LSTM 128 → dense 18, trained a few steps) predicts the names-split test set
// (or the embedded corpus) in batches of 64 on wasm, over and over, under V8's sampling profiler
// (node:inspector, in this process); the self time is summed per kernel (the kernels module names
// its functions after its exports) and per JS function, and printed as shares. Also prints the
// prefix tree's sizes: characters, tree nodes (gate steps) and parents (h·U rows).
// Env: PROFILE_SECONDS (default 8), PROFILE_BATCH (default 64).
import { existsSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = (name, entry = 'index.js') =>
  import(pathToFileURL(path.join(root, 'packages', name, 'dist', entry)).href);
const requireFromLayers = createRequire(path.join(root, 'packages', 'layers', 'package.json'));
const load = (name) => import(pathToFileURL(requireFromLayers.resolve(name)).href);
const tf = await load('@tensorflow/tfjs-core');
await load('@tensorflow/tfjs-backend-wasm');
const { Rng } = await pkg('core');
const { Tokenizer } = await pkg('tokenizer');
const { defaultCorpus, encodeExamples } = await pkg('data');
const { loadCorpus } = await pkg('data', 'node.js');
const { CharClassifier, simdKernelVariant } = await pkg('layers');
const { train } = await pkg('trainer');
const { predict } = await pkg('trainer', 'internal.js');

tf.env().set('PROD', true);
await tf.setBackend('wasm');
await tf.ready();

const seconds = Number(process.env.PROFILE_SECONDS ?? 8);
const batch = Number(process.env.PROFILE_BATCH ?? 64);
const split = process.env.CHARRNN_SPLIT_DIR ?? path.resolve(root, '../shared/datasets/names-split');
const testFile = path.join(split, 'test.tsv');
const items = existsSync(testFile)
  ? (await loadCorpus(testFile)).corpus.items
  : defaultCorpus().items.slice(0, 2000);
const labels = [...new Set(items.map((i) => i.label))].sort();
const tokenizer = Tokenizer.tutorial();
const examples = encodeExamples(items, tokenizer, labels);
const model = CharClassifier.create(
  { cell: 'lstm', vocabSize: tokenizer.vocabSize, embedDim: 64, hiddenSize: 128, numClasses: labels.length },
  new Rng(1),
);
await train(model, examples, {
  optimizer: 'adam',
  learningRate: 3e-3,
  batchSize: 64,
  sampler: 'shuffle',
  labels,
  seed: 1,
  iterations: 20,
  logEvery: 1000,
});

// The prefix tree's sizes over the batches predict() makes (token order, `batch` names each).
const { compareTokens, prefixTree } = await pkg('layers', 'internal.js');
{
  const order = [...examples.keys()].sort((a, b) => {
    const p = examples[a].ids;
    const q = examples[b].ids;
    return compareTokens(p, 0, p.length, q, 0, q.length) || a - b;
  });
  let characters = 0;
  let nodes = 0;
  let parents = 0;
  for (let start = 0; start < order.length; start += batch) {
    const rows = order.slice(start, start + batch);
    const maxLen = Math.max(...rows.map((i) => examples[i].ids.length));
    const ids = new Int32Array(rows.length * maxLen);
    const lengths = new Int32Array(rows.length);
    rows.forEach((i, r) => {
      ids.set(examples[i].ids, r * maxLen);
      lengths[r] = examples[i].ids.length;
      characters += lengths[r];
    });
    const tree = prefixTree(ids, lengths, rows.length, maxLen);
    nodes += tree.size;
    for (let d = 0; d < tree.depth - 1; d++) parents += tree.internal[d];
  }
  console.log(
    `${examples.length} names in batches of ${batch}: ${characters} characters, ${nodes} prefix-tree nodes ` +
      `(${(characters / nodes).toFixed(2)}× fewer gate steps), ${parents} parents (${(characters / parents).toFixed(2)}× fewer h·U rows)`,
  );
}

for (let i = 0; i < 20; i++) predict(model, examples, batch);
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
await session.post('Profiler.start');
const start = performance.now();
let rounds = 0;
while (performance.now() - start < seconds * 1000) {
  predict(model, examples, batch);
  rounds++;
}
const elapsed = (performance.now() - start) / 1000;
const { profile } = await session.post('Profiler.stop');
session.disconnect();

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
let total = 0;
profile.samples.forEach((id, i) => {
  const frame = byId.get(id).callFrame;
  const dt = profile.timeDeltas[i] ?? 0;
  const file = frame.url.split('/').at(-1) ?? '';
  const wasm = frame.url.startsWith('wasm://');
  const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
  const key = wasm ? `kernel ${name.replace(/^\$/, '')}` : `${name} ${file}`.trim();
  self.set(key, (self.get(key) ?? 0) + dt);
  total += dt;
});
console.log(
  `wasm, ${simdKernelVariant()} kernels: ${rounds} rounds, ${Math.round((rounds * examples.length) / elapsed)} names/s under the profiler; self time:`,
);
const rows = [...self.entries()]
  .sort((a, b) => b[1] - a[1])
  .slice(0, 16)
  .map(([where, us]) => ({ where, share: `${((100 * us) / total).toFixed(1)}%` }));
console.table(rows);
model.dispose();

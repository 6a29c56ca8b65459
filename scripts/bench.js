#!/usr/bin/env node
// Recurrent training and prediction benchmark (issue 3): our LSTM vs the same model in
// tfjs-layers, on wasm and cpu in one run. Needs the packages built (`pnpm build`).
// Data: ../shared/datasets/names-split/train.tsv (or CHARRNN_SPLIT_DIR), else the embedded corpus.
// Then the table of issue 19 on wasm (see issueTable below): batch predict, single-name predict,
// the tutorial recipe at batch 1, LSTM and GRU training at batch 64, each beside PyTorch's figure
// measured in the same run by ../shared/baselines/torch_lstm.py and torch_seed.py (skipped, with
// the reason printed, where /usr/bin/python3 has no torch; BENCH_TABLE=0 skips the table).
// Writes bench-results/bench.json. Env: BENCH_BACKENDS=wasm,cpu  BENCH_STEPS=<our batches>
// BENCH_OURS_ONLY=1 (skip the tfjs-layers reference, for profiling). Where relaxed SIMD is off by
// default (Node 20), "ours" is measured again in a child process with --experimental-wasm-relaxed-simd
// (what Node 22+ and Chrome 114+ run by default); BENCH_RELAXED=0 skips that.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = (name, entry = 'index.js') =>
  import(pathToFileURL(path.join(root, 'packages', name, 'dist', entry)).href);
// Resolve tfjs from the layers package, which has the full tfjs (gradients, layers) as a devDependency.
const requireFromLayers = createRequire(path.join(root, 'packages', 'layers', 'package.json'));
const load = (name) => import(pathToFileURL(requireFromLayers.resolve(name)).href);

const tf = await load('@tensorflow/tfjs-core');
await load('@tensorflow/tfjs-backend-cpu');
await load('@tensorflow/tfjs-backend-wasm');
// The tfjs-layers reference trains through autodiff: register tfjs' gradients (bench only).
const tfjs = await load('@tensorflow/tfjs');
const { Rng } = await pkg('core');
const { Tokenizer } = await pkg('tokenizer');
const { collate, defaultCorpus, encodeExamples, shuffleSampler } = await pkg('data');
const { loadCorpus } = await pkg('data', 'node.js');
const { CharClassifier, setSimdKernels, simdKernelVariant } = await pkg('layers');
const { saveClassifierBundle, train } = await pkg('trainer');
const { predict } = await pkg('trainer', 'internal.js');
const { fileSystemHandler } = await pkg('core', 'node.js');

tf.env().set('PROD', true);

// wasm lacks UnsortedSegmentSum, which tfjs-layers' embedding gradient needs: a JS stand-in.
tf.registerKernel({
  kernelName: 'UnsortedSegmentSum',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, segmentIds } = inputs;
    const numSegments = attrs.numSegments;
    const width = x.shape.slice(1).reduce((a, b) => a * b, 1);
    const xs = backend.typedArrayFromHeap(x);
    const ids = backend.typedArrayFromHeap(segmentIds);
    const out = new Float32Array(numSegments * width);
    for (let n = 0; n < ids.length; n++) {
      const to = ids[n] * width;
      for (let j = 0; j < width; j++) out[to + j] += xs[n * width + j];
    }
    return backend.makeOutput([numSegments, ...x.shape.slice(1)], 'float32', undefined, out);
  },
});

const EMBED = 64;
const HIDDEN = 128;
const BATCH = 64;
const LR = 3e-3;
const SEED = 1;

const split = process.env.CHARRNN_SPLIT_DIR ?? path.resolve(root, '../shared/datasets/names-split');
const trainFile = path.join(split, 'train.tsv');
let items;
let dataSource;
if (existsSync(trainFile)) {
  items = (await loadCorpus(trainFile)).corpus.items;
  dataSource = trainFile;
} else {
  items = defaultCorpus().items;
  dataSource = 'embedded default corpus (names-split not found)';
}
const labels = [...new Set(items.map((i) => i.label))].sort();
const tokenizer = Tokenizer.tutorial();
const examples = encodeExamples(items, tokenizer, labels);
const config = {
  cell: 'lstm',
  vocabSize: tokenizer.vocabSize,
  embedDim: EMBED,
  hiddenSize: HIDDEN,
  numClasses: labels.length,
};
console.log(
  `data: ${dataSource}: ${examples.length} names, ${labels.length} labels; model: embed ${EMBED} → LSTM ${HIDDEN} → dense ${labels.length}, batch ${BATCH}, Adam ${LR}`,
);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/** The training options of every run of ours (seeds and samplers per run). */
const trainOptions = {
  optimizer: 'adam',
  learningRate: LR,
  batchSize: BATCH,
  sampler: 'shuffle',
  labels,
  logEvery: 1000,
};

/**
 * Steady-state training names/s: a warm-up long enough for V8 to tier the JS loops and our
 * WebAssembly kernels up, then `steps` timed batches.
 */
async function steadyTrain(model, steps, extra = {}) {
  await train(model, examples, { ...trainOptions, ...extra, seed: SEED + 1, iterations: 30 });
  return train(model, examples, { ...trainOptions, ...extra, seed: SEED, iterations: steps });
}

/** Training names/s of the same model with a GRU (Keras 2 variant) in place of the LSTM: ours only. */
async function oursGru(steps) {
  const model = CharClassifier.create({ ...config, cell: 'gru' }, new Rng(SEED));
  const result = await steadyTrain(model, steps);
  model.dispose();
  return result.namesPerSecond;
}

async function ours(backend, steps) {
  const model = CharClassifier.create(config, new Rng(SEED));
  const options = trainOptions;
  const result = await steadyTrain(model, steps);
  // The same steps with length-bucketed batches (less padding): the sampler `charrnn train --sampler bucket` uses.
  const bucketed = await train(model, examples, {
    ...options,
    sampler: 'bucket',
    seed: SEED,
    iterations: steps,
  });

  // The same model without our WebAssembly SIMD kernels: tfjs' matMul (wasm) or JS loops (cpu)
  // for the products, JS for the gate math and Adam, as before the kernels existed.
  setSimdKernels(false);
  await train(model, examples, { ...options, seed: SEED + 1, iterations: 10 });
  const withoutSimd = await train(model, examples, {
    ...options,
    seed: SEED,
    iterations: Math.max(10, Math.round(steps / 3)),
  });
  setSimdKernels(true);

  const one = tokenizer.encodeBatch(['Satoshi']);
  for (let i = 0; i < 100; i++) model.predictProba(one);
  const times = [];
  for (let i = 0; i < 400; i++) {
    const start = process.hrtime.bigint();
    model.predictProba(one);
    times.push(Number(process.hrtime.bigint() - start) / 1e3);
  }
  const sample = examples.slice(0, Math.min(examples.length, 4096));
  predict(model, sample.slice(0, 256), 256);
  const start = performance.now();
  predict(model, sample, 256);
  const batchPredict = sample.length / ((performance.now() - start) / 1000);
  model.dispose();
  return {
    train_names_per_s: result.namesPerSecond,
    bucket_train_names_per_s: bucketed.namesPerSecond,
    without_simd_train_names_per_s: withoutSimd.namesPerSecond,
    train_batches: steps,
    predict_single_median_us: median(times),
    predict_batch_names_per_s: batchPredict,
  };
}

function tflModel() {
  const model = tfjs.sequential({
    layers: [
      tfjs.layers.embedding({
        inputDim: config.vocabSize,
        outputDim: EMBED,
        maskZero: true,
        inputShape: [null],
      }),
      tfjs.layers.lstm({ units: HIDDEN, recurrentActivation: 'sigmoid' }),
      tfjs.layers.dense({ units: labels.length, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tfjs.train.adam(LR), loss: 'sparseCategoricalCrossentropy' });
  return model;
}

async function theirs(backend, batches) {
  const model = tflModel();
  const sampler = shuffleSampler(examples, new Rng(SEED));
  const step = async () => {
    const b = collate(examples, sampler.nextBatch(BATCH));
    const x = tf.tensor2d(b.ids, [b.batchSize, b.maxLen], 'int32');
    const y = tf.tensor2d(Float32Array.from(b.labels), [b.batchSize, 1]);
    await model.trainOnBatch(x, y);
    tf.dispose([x, y]);
    return b.batchSize;
  };
  await step(); // warm-up
  let names = 0;
  const start = performance.now();
  for (let i = 0; i < batches; i++) names += await step();
  const seconds = (performance.now() - start) / 1000;
  model.dispose();
  return { train_names_per_s: names / seconds, train_batches: batches };
}

const backends = (process.env.BENCH_BACKENDS ?? 'wasm,cpu').split(',');
const results = [];
for (const backend of backends) {
  await tf.setBackend(backend);
  await tf.ready();
  const steps = Number(process.env.BENCH_STEPS ?? (backend === 'cpu' ? 60 : 300));
  const a = await ours(backend, steps);
  const gru = await oursGru(steps);
  const b =
    process.env.BENCH_OURS_ONLY === '1'
      ? { train_names_per_s: NaN, train_batches: 0 }
      : await theirs(backend, backend === 'cpu' ? 3 : 10);
  const row = {
    backend,
    kernels: simdKernelVariant(),
    ours_train_names_per_s: Math.round(a.train_names_per_s),
    ours_bucket_train_names_per_s: Math.round(a.bucket_train_names_per_s),
    ours_without_simd_train_names_per_s: Math.round(a.without_simd_train_names_per_s),
    ours_gru_train_names_per_s: Math.round(gru),
    ours_train_batches: a.train_batches,
    tfjs_layers_train_names_per_s: Math.round(b.train_names_per_s * 10) / 10,
    tfjs_layers_train_batches: b.train_batches,
    ratio: Math.round((a.train_names_per_s / b.train_names_per_s) * 10) / 10,
    predict_single_median_us: Math.round(a.predict_single_median_us),
    predict_batch_names_per_s: Math.round(a.predict_batch_names_per_s),
  };
  results.push(row);
  console.log(
    `${backend}: ours ${row.ours_train_names_per_s} names/s (length-bucketed batches: ${row.ours_bucket_train_names_per_s}; without our SIMD kernels: ${row.ours_without_simd_train_names_per_s}; GRU in place of the LSTM: ${row.ours_gru_train_names_per_s}), tfjs-layers ${row.tfjs_layers_train_names_per_s} names/s (×${row.ratio}); ` +
      `predict 1 name (length 7) median ${row.predict_single_median_us} µs, batch predict ${row.predict_batch_names_per_s} names/s`,
  );
}

// Our layers again with relaxed SIMD (fused multiply-add), where this runtime needs a flag for it.
const child = process.env.BENCH_CHILD === '1';
if (!child && process.env.BENCH_RELAXED !== '0' && results.every((r) => r.kernels === 'simd')) {
  console.log('ours again with relaxed SIMD (node --experimental-wasm-relaxed-simd) ...');
  const run = spawnSync(
    process.execPath,
    ['--experimental-wasm-relaxed-simd', fileURLToPath(import.meta.url)],
    {
      env: { ...process.env, BENCH_OURS_ONLY: '1', BENCH_CHILD: '1' },
      encoding: 'utf8',
    },
  );
  const file = path.join(root, 'bench-results', 'bench-relaxed.json');
  if (run.status === 0 && existsSync(file)) {
    const relaxed = JSON.parse(readFileSync(file, 'utf8')).results;
    for (const row of results) {
      const other = relaxed.find((r) => r.backend === row.backend && r.kernels === 'relaxed');
      if (other === undefined) continue;
      row.ours_relaxed_train_names_per_s = other.ours_train_names_per_s;
      row.ours_relaxed_bucket_train_names_per_s = other.ours_bucket_train_names_per_s;
      row.relaxed_ratio =
        Math.round((other.ours_train_names_per_s / row.tfjs_layers_train_names_per_s) * 10) / 10;
      row.relaxed_predict_single_median_us = other.predict_single_median_us;
      row.ours_relaxed_gru_train_names_per_s = other.ours_gru_train_names_per_s;
      console.log(
        `${row.backend}, relaxed SIMD: ours ${other.ours_train_names_per_s} names/s (length-bucketed: ${other.ours_bucket_train_names_per_s}; GRU: ${other.ours_gru_train_names_per_s}; ×${row.relaxed_ratio} tfjs-layers); predict 1 name ${other.predict_single_median_us} µs`,
      );
    }
  } else console.log(`relaxed SIMD run failed or unavailable: ${(run.stderr ?? '').split('\n')[0]}`);
}

/**
 * The issue-19 table: our figures on wasm (one thread) and PyTorch's (1.13, OpenBLAS, one thread)
 * from the baselines run right after ours, so both see the same machine. Prediction "before" is
 * the tensor path that predictProba used before the forward-only path (model.logits + tf.softmax),
 * measured interleaved with "after".
 */
async function issueTable(trainRow) {
  await tf.setBackend('wasm');
  await tf.ready();
  const testFile = path.join(split, 'test.tsv');
  const testExamples = existsSync(testFile)
    ? encodeExamples((await loadCorpus(testFile)).corpus.items, tokenizer, labels)
    : examples.slice(0, 2000);
  const model = CharClassifier.create(config, new Rng(SEED));
  // A few training steps, so that the weights are not the initial ones.
  await train(model, examples, { ...trainOptions, seed: SEED, iterations: 20 });
  const before = {
    config: model.config,
    predictProba: (b) => {
      const p = tf.tidy(() => tf.softmax(model.logits(b.ids, b.lengths, b.batchSize, b.maxLen)));
      const out = new Float32Array(p.dataSync());
      p.dispose();
      return out;
    },
  };
  const probe = ['Nakamura', 'Dostoevsky', 'Satoshi', 'Jackson', 'Schmidt', "O'Neal", 'Nguyen', 'Rossi'];
  const single = (m) => {
    for (let i = 0; i < 200; i++) m.predictProba(tokenizer.encodeBatch([probe[i % probe.length]]));
    const times = [];
    for (let i = 0; i < 1000; i++) {
      const start = process.hrtime.bigint();
      m.predictProba(tokenizer.encodeBatch([probe[i % probe.length]]));
      times.push(Number(process.hrtime.bigint() - start) / 1e3);
    }
    return median(times);
  };
  const batchRate = (m, size) => {
    predict(m, testExamples.slice(0, 512), size);
    const reps = [];
    for (let r = 0; r < 3; r++) {
      const start = performance.now();
      predict(m, testExamples, size);
      reps.push(testExamples.length / ((performance.now() - start) / 1000));
    }
    return median(reps);
  };
  const ours = {
    single_us: [],
    single_before_us: [],
    batch64: [],
    batch64_before: [],
    batchAll: [],
    batchAll_before: [],
  };
  for (let round = 0; round < 3; round++) {
    ours.single_before_us.push(single(before));
    ours.single_us.push(single(model));
    ours.batch64_before.push(batchRate(before, 64));
    ours.batch64.push(batchRate(model, 64));
    ours.batchAll_before.push(batchRate(before, testExamples.length));
    ours.batchAll.push(batchRate(model, testExamples.length));
  }
  const cli = await cliPredict(model);
  model.dispose();

  // The tutorial recipe: tanh RNN (embed 128, hidden 128), SGD 0.01 momentum 0.9, clip 1, batch 1.
  const tutorialModel = CharClassifier.create({ ...config, cell: 'rnn', embedDim: 128 }, new Rng(SEED));
  const tutorialOptions = {
    optimizer: 'sgd',
    learningRate: 0.01,
    momentum: 0.9,
    clipNorm: 1,
    batchSize: 1,
    sampler: 'tutorial',
    labels,
    logEvery: 1000,
  };
  const tutorialIters = Number(process.env.BENCH_TUTORIAL_ITERS ?? 3000);
  await train(tutorialModel, examples, { ...tutorialOptions, seed: SEED + 1, iterations: 300 });
  const tutorial = await train(tutorialModel, examples, {
    ...tutorialOptions,
    seed: SEED,
    iterations: tutorialIters,
  });
  tutorialModel.dispose();

  const torch = runTorchBaselines(tutorialIters);
  const m = (xs) => median(xs);
  const rows = [];
  const row = (figure, oursValue, torchValue, unit, lowerIsBetter = false, beforeValue) => {
    const ratio =
      torchValue === undefined ? undefined : lowerIsBetter ? torchValue / oursValue : oursValue / torchValue;
    rows.push({
      figure,
      unit,
      ours_before: beforeValue === undefined ? '' : Math.round(beforeValue),
      ours: Math.round(oursValue),
      pytorch: torchValue === undefined ? '' : Math.round(torchValue),
      'ours / pytorch (speed)': ratio === undefined ? '' : `${ratio.toFixed(2)}×`,
    });
  };
  row(
    'batch predict, batches of 64',
    m(ours.batch64),
    torch.lstm?.infer_names_per_s?.batch_64,
    'names/s',
    false,
    m(ours.batch64_before),
  );
  row(
    'batch predict, one batch',
    m(ours.batchAll),
    torch.lstm?.infer_names_per_s?.batch_all,
    'names/s',
    false,
    m(ours.batchAll_before),
  );
  row(
    'single-name predict (median)',
    m(ours.single_us),
    torch.lstm === undefined ? undefined : torch.lstm.latency_ms_median * 1000,
    'µs',
    true,
    m(ours.single_before_us),
  );
  row(
    'tutorial recipe, batch 1',
    tutorial.namesPerSecond,
    torch.seed?.results?.split?.names_per_s,
    'names/s',
  );
  row('LSTM training, batch 64', trainRow.ours_train_names_per_s, torch.lstm?.train_names_per_s, 'names/s');
  row('GRU training, batch 64', trainRow.ours_gru_train_names_per_s, torch.gru?.train_names_per_s, 'names/s');
  // End to end: PyTorch's time for the same names at its one-thread batch rate (no process start,
  // no file reading: in its favour).
  for (const run of cli.runs)
    row(
      `charrnn predict, ${cli.names.toLocaleString('en')} names, ${run.workers} worker${run.workers > 1 ? 's' : ''}, end to end`,
      cli.names / run.seconds,
      torch.lstm?.infer_names_per_s?.batch_64,
      'names/s',
    );
  console.log(
    `issue 19 table (wasm, ${simdKernelVariant()} kernels, one thread; PyTorch ${torch.version ?? 'absent'}, OpenBLAS, one thread; test set ${testExamples.length} names):`,
  );
  console.table(rows);
  if (torch.skipped !== undefined) console.log(`PyTorch columns skipped: ${torch.skipped}`);
  return { rows, torch, ours, cli };
}

/**
 * `charrnn predict --input names --output preds` end to end (process start, model load, reading
 * and writing included) on BENCH_CLI_NAMES names (default 200,000; the issue's figure is
 * 2,000,000) made of the training names repeated, with one worker and with one per core.
 */
async function cliPredict(model) {
  const count = Number(process.env.BENCH_CLI_NAMES ?? 200_000);
  const dir = path.join(os.tmpdir(), `charrnn-bench-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  await saveClassifierBundle(model, tokenizer, labels, fileSystemHandler(path.join(dir, 'model')));
  const names = items.map((i) => i.name);
  const lines = Array.from({ length: count }, (_, i) => names[i % names.length]);
  writeFileSync(path.join(dir, 'names.txt'), `${lines.join('\n')}\n`);
  const runs = [];
  for (const workers of [...new Set([1, os.availableParallelism()])]) {
    const start = performance.now();
    const run = spawnSync(
      process.execPath,
      [
        path.join(root, 'apps/trainer/bin/charrnn.js'),
        'predict',
        '--model',
        path.join(dir, 'model'),
        '--input',
        path.join(dir, 'names.txt'),
        '--output',
        path.join(dir, 'preds.tsv'),
        '--backend',
        'wasm',
        '--workers',
        String(workers),
      ],
      { encoding: 'utf8' },
    );
    const seconds = (performance.now() - start) / 1000;
    if (run.status !== 0)
      console.log(`charrnn predict failed: ${(run.stderr ?? '').trim().split('\n').at(-1)}`);
    else runs.push({ workers, seconds });
  }
  rmSync(dir, { recursive: true, force: true });
  return { names: count, runs };
}

/** PyTorch's figures from the shared baselines, or `skipped` with the reason. */
function runTorchBaselines(tutorialIters) {
  const python = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
  const baselines = path.resolve(root, '../shared/baselines');
  if (!existsSync(path.join(baselines, 'torch_lstm.py'))) return { skipped: `no baselines at ${baselines}` };
  const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0)
    return {
      skipped: `${python} cannot import torch (${(probe.stderr ?? '').trim().split('\n').at(-1) ?? 'failed'})`,
    };
  const run = (script, args) => {
    console.log(`PyTorch: ${script} ${args.join(' ')} ...`);
    const result = spawnSync(python, [path.join(baselines, script), ...args], {
      encoding: 'utf8',
      cwd: baselines,
    });
    const last = (result.stdout ?? '').trim().split('\n').at(-1) ?? '';
    if (result.status !== 0 || !last.startsWith('{')) {
      console.log(`  failed: ${(result.stderr ?? '').trim().split('\n').at(-1) ?? result.status}`);
      return undefined;
    }
    return JSON.parse(last);
  };
  const common = ['--blas', 'openblas', '--threads', '1'];
  const data = ['--data', path.resolve(baselines, '../datasets/names-split')];
  return {
    version: probe.stdout.trim(),
    lstm: run('torch_lstm.py', ['--cell', 'lstm', ...common, '--max-epochs', '2', ...data]),
    gru: run('torch_lstm.py', [
      '--cell',
      'gru',
      ...common,
      '--max-epochs',
      '2',
      '--latency-calls',
      '10',
      ...data,
    ]),
    seed: run('torch_seed.py', [
      '--runs',
      'split',
      ...common,
      '--iters',
      String(tutorialIters),
      '--eval-samples',
      '100',
      '--latency-calls',
      '10',
      '--data',
      path.resolve(baselines, '../datasets/names'),
    ]),
  };
}

const wasmRow = results.find((r) => r.backend === 'wasm');
const table =
  !child && process.env.BENCH_TABLE !== '0' && wasmRow !== undefined ? await issueTable(wasmRow) : undefined;

const report = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  cpu_model: os.cpus()[0]?.model ?? 'unknown',
  data: dataSource,
  model: { ...config, batch: BATCH, optimizer: 'adam', learning_rate: LR },
  results,
  ...(table === undefined ? {} : { issue19_table: table }),
};
mkdirSync(path.join(root, 'bench-results'), { recursive: true });
const outFile = child ? 'bench-relaxed.json' : 'bench.json';
writeFileSync(path.join(root, 'bench-results', outFile), `${JSON.stringify(report, null, 2)}\n`);
if (!child) console.table(results);
console.log(`wrote bench-results/${outFile}`);

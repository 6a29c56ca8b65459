// Makes the demo's name generator in apps/web/public/model/generator/ (see apps/web/README.md):
//
//   pnpm build && pnpm --filter @charrnn/web make-generator [-- --from <dir of a charrnn train --task generate run>]
//
// 1. `charrnn train --task generate` on the embedded corpus (no --data; the CLI holds out 10% of
//    the names for validation, stratified by language, with the recipe's seed 1) with the page's
//    settings (FLAGS below), unless --from names a finished run of those settings;
// 2. its weights stored as float32, float16 and uint8 (tfjs's weight quantization; the bundle's
//    metadata, tokenizer, labels and training-name fingerprints kept as the CLI wrote them), each
//    one zip (zipSaveHandler, DEFLATE) read back and scored on the same validation names; the
//    smallest within 0.01 bits per character of float32 is kept;
// 3. generator.zip and metrics.json (the run's settings, the candidates, the chosen one's
//    validation bits per character and size, example names) written in a temporary folder, then
//    swapped in for public/model/generator/ (never half written).
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { quantizeWeights, zipLoadHandler, zipSaveHandler } from '@charrnn/core';
import { fileSystemHandler, writeFileAtomic } from '@charrnn/core/node';
import { defaultCorpus, stratifiedSplit } from '@charrnn/data';
import { generatorBpc, loadGeneratorBundle, sample } from '@charrnn/trainer';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const cli = path.join(root, 'apps/trainer/bin/charrnn.js');

/**
 * The page's generator: the names reference model (DEFAULT_GENERATOR_RECIPE: embedding 64 +
 * language embedding 16, one LSTM of 256, Adam 3e-3, clip 5, batch 64) with dropout 0.2 for 15
 * epochs, the best validation epoch kept: the lowest validation bits per character of the settings
 * tried (README.md), and about 0.45 MB once its weights are stored in uint8.
 */
const FLAGS = [
  '--cell',
  'lstm',
  '--hidden',
  '256',
  '--embed',
  '64',
  '--label-embed',
  '16',
  '--dropout',
  '0.2',
  '--epochs',
  '15',
];
/** Weight storages tried, smallest last. */
const STORAGES = ['float32', 'float16', 'uint8'];
/** A smaller storage is kept when it costs at most this many bits per character on validation. */
const BPC_TOLERANCE = 0.01;
/** Example names recorded in metrics.json. */
const EXAMPLE_LABELS = ['Czech', 'English', 'German', 'Greek', 'Italian', 'Polish', 'Spanish', 'Turkish'];

const { values: args } = parseArgs({
  options: {
    from: { type: 'string' },
    out: { type: 'string', default: path.join(root, 'apps/web/public/model/generator') },
  },
});

function train(out) {
  const argv = ['train', '--task', 'generate', '--out', out, '--force', ...FLAGS];
  console.log(`charrnn ${argv.join(' ')}`);
  const run = spawnSync(process.execPath, [cli, ...argv], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (run.status !== 0) throw new Error(`charrnn train failed (exit ${run.status})`);
}

const joined = (data) => (Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data);

/** The run's bundle with its weights stored as `storage`, as one zip. */
async function toZip(artifacts, storage) {
  const weights =
    storage === 'float32'
      ? { weightSpecs: artifacts.weightSpecs, weightData: joined(artifacts.weightData) }
      : quantizeWeights(artifacts.weightSpecs, joined(artifacts.weightData), storage);
  let zip;
  await zipSaveHandler((z) => void (zip = z)).save({ ...artifacts, ...weights });
  return zip;
}

async function main() {
  await tf.setBackend('cpu');
  const work = await mkdtemp(path.join(os.tmpdir(), 'charrnn-make-generator-'));
  try {
    const run = args.from ?? path.join(work, 'run');
    if (args.from === undefined) train(run);
    const config = JSON.parse(await readFile(path.join(run, 'config.json'), 'utf8'));
    const runMetrics = JSON.parse(await readFile(path.join(run, 'metrics.json'), 'utf8'));
    if (config.task !== 'generate' || config.data !== null)
      throw new Error(`${run} is not a generator trained on the embedded corpus`);
    // A --from run must be one of FLAGS (metrics.json names that command).
    const flag = (name) => FLAGS[FLAGS.indexOf(name) + 1];
    const expected = {
      cell: flag('--cell'),
      hiddenSize: Number(flag('--hidden')),
      embedDim: Number(flag('--embed')),
      labelEmbedDim: Number(flag('--label-embed')),
      dropout: Number(flag('--dropout')),
      epochs: Number(flag('--epochs')),
    };
    for (const [key, value] of Object.entries(expected))
      if (config.recipe[key] !== value)
        throw new Error(`${run} was trained with ${key} ${config.recipe[key]}, not ${value} (FLAGS)`);
    // The CLI's own validation part (train_generator.ts: 10%, stratified, the recipe's seed).
    const { val } = stratifiedSplit(defaultCorpus().items, { val: 0.1, test: 0, seed: config.recipe.seed });
    const artifacts = await fileSystemHandler(run).load();

    const candidates = [];
    for (const storage of STORAGES) {
      const zip = await toZip(artifacts, storage);
      const bundle = await loadGeneratorBundle(zipLoadHandler(zip, 'generator.zip'));
      const { bpc } = generatorBpc(bundle, { names: val });
      bundle.model.dispose();
      console.log(`${storage}: ${zip.byteLength} bytes, val ${bpc.toFixed(4)} bits/char`);
      candidates.push({ storage, bytes: zip.byteLength, val_bpc: bpc, zip });
    }
    const reference = candidates[0];
    if (Math.abs(reference.val_bpc - runMetrics.val_bpc) > 1e-3)
      throw new Error(
        `float32 scores ${reference.val_bpc} here but the run recorded ${runMetrics.val_bpc}: not the same validation names`,
      );
    const chosen = candidates
      .filter((c) => c.val_bpc <= reference.val_bpc + BPC_TOLERANCE)
      .reduce((a, b) => (b.bytes < a.bytes ? b : a));
    console.log(
      `chosen: ${chosen.storage}, ${chosen.bytes} bytes, val ${chosen.val_bpc.toFixed(4)} bits/char`,
    );

    const shipped = await loadGeneratorBundle(zipLoadHandler(chosen.zip, 'generator.zip'));
    const examples = {};
    for (const label of EXAMPLE_LABELS.filter((l) => shipped.labels.includes(l)))
      examples[label] = sample(shipped, { label, count: 8, temperature: 0.8, novel: true, seed: 1 })
        .map((s) => s.text)
        .join(', ');
    shipped.model.dispose();
    console.log(examples);

    const metrics = {
      made_by: 'pnpm --filter @charrnn/web make-generator (apps/web/scripts/make-generator.mjs)',
      command: `charrnn train --task generate ${FLAGS.join(' ')}`,
      data: 'embedded corpus; validation: 10% of the names, stratified by language (seed 1), as the CLI holds out',
      recipe: config.recipe,
      train: {
        val_bpc: runMetrics.val_bpc,
        best_epoch: runMetrics.best_epoch,
        train_chars_per_s: runMetrics.train_chars_per_s,
        backend: runMetrics.backend,
        epochs: runMetrics.epochs,
      },
      shipped: {
        file: 'generator.zip',
        weights: chosen.storage,
        bytes: chosen.bytes,
        val_bpc: chosen.val_bpc,
      },
      candidates: candidates.map(({ storage, bytes, val_bpc }) => ({ storage, bytes, val_bpc })),
      examples: { temperature: 0.8, novel: true, seed: 1, names: examples },
    };
    await mkdir(path.dirname(args.out), { recursive: true });
    const staging = await mkdtemp(path.join(path.dirname(args.out), '.generator-'));
    await writeFileAtomic(path.join(staging, 'generator.zip'), chosen.zip);
    await writeFile(path.join(staging, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
    const old = `${args.out}.old-${process.pid}`;
    await rename(args.out, old).catch((error) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await chmod(staging, 0o755);
    await rename(staging, args.out);
    await rm(old, { recursive: true, force: true });
    console.log(`wrote ${args.out}: generator.zip ${chosen.bytes} bytes`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();

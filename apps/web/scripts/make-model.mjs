// Makes the demo's shipped models in apps/web/public/model/ (see apps/web/README.md):
//
//   pnpm build && pnpm --filter @charrnn/web make-model [-- --from <dir of a charrnn train run>]
//
// 1. `charrnn train` with the default recipe on the embedded corpus (its own split 80/10/10,
//    seed 42: the test part stays unseen), unless --from names a finished run;
// 2. the n-gram head refitted on the most frequent n-grams only (fitNgramHead's maxGrams, the
//    run's own n-gram settings and logit adjustment), its rows centred (pruneNgramHead), and the
//    weights stored in float16 / uint8 (tfjs's weight quantization): every candidate is saved and
//    read back, and the one with the best validation accuracy that fits the page's 2 MB model
//    budget is kept;
// 3. two small one-direction models (tutorial RNN, LSTM; no n-gram head) for the page's
//    "why the RNN forgets" view, trained the same way;
// 4. each model written as one zip (model.zip, rnn.zip, lstm.zip: zipSaveHandler, DEFLATE), in a
//    temporary folder then swapped in for public/model/ (never half written), with metrics.json
//    (what was chosen, and the accuracies; not downloaded by the page). The name generator in
//    public/model/generator/ (make-generator.mjs) is moved into the new folder unchanged.
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng, zipLoadHandler, zipSaveHandler } from '@charrnn/core';
import { fileSystemHandler, writeFileAtomic } from '@charrnn/core/node';
import { defaultCorpus, encodeExamples, stratifiedSplit } from '@charrnn/data';
import { classifyNames, loadClassifierBundle, pruneNgramHead, saveClassifierBundle } from '@charrnn/trainer';
import { applyLogitAdjustment, fitNgramHead } from '@charrnn/trainer/internal';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const cli = path.join(root, 'apps/trainer/bin/charrnn.js');

/** Everything the page downloads for its models must fit in this many bytes. */
const BUDGET_BYTES = 2_000_000;
/** The generator's folder inside the output, made by make-generator.mjs and kept as it is. */
const GENERATOR_DIR = 'generator';
/** Seed of the CLI's split of the embedded corpus (its default). */
const SEED = 42;
/** Sizes of the refitted n-gram head tried, the storages of its kernel and of the other weights. */
const GRAM_COUNTS = [Infinity, 48_000, 32_000];
const HEAD_STORAGES = ['uint8', 'float16'];
const OTHER_STORAGES = ['float16', 'uint8'];
/** The "why the RNN forgets" models: same data and seed, one direction, no n-gram head. */
const COMPARE = {
  rnn: [
    '--cell',
    'rnn',
    '--no-bidirectional',
    '--hidden',
    '64',
    '--embed',
    '32',
    '--ngram',
    'none',
    '--epochs',
    '10',
  ],
  lstm: [
    '--cell',
    'lstm',
    '--no-bidirectional',
    '--hidden',
    '64',
    '--embed',
    '32',
    '--ngram',
    'none',
    '--epochs',
    '10',
  ],
};

const { values: args } = parseArgs({
  options: {
    from: { type: 'string' },
    'compare-from': { type: 'string' },
    out: { type: 'string', default: path.join(root, 'apps/web/public/model') },
  },
});

function train(out, flags) {
  console.log(`charrnn train --out ${out} --force ${flags.join(' ')}`);
  const run = spawnSync(
    process.execPath,
    [cli, 'train', '--out', out, '--force', '--seed', String(SEED), ...flags],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (run.status !== 0) throw new Error(`charrnn train failed (exit ${run.status})`);
}

function accuracy(bundle, items) {
  const predictions = classifyNames(
    bundle,
    items.map((i) => i.name),
    1,
  );
  return predictions.filter((p, k) => p.top[0]?.label === items[k].label).length / items.length;
}

/** Saves as one zip (what the page downloads) and reads it back: its bytes and the model the page gets. */
async function toZip(bundle, weightStorage, metrics) {
  let zip;
  await saveClassifierBundle(
    bundle.model,
    bundle.tokenizer,
    bundle.labels,
    zipSaveHandler((z) => void (zip = z)),
    {
      ...(bundle.metadata.training === undefined ? {} : { training: bundle.metadata.training }),
      metrics,
      weightStorage,
    },
  );
  return zip;
}

async function roundTrip(bundle, weightStorage, metrics) {
  const zip = await toZip(bundle, weightStorage, metrics);
  return { bytes: zip.byteLength, loaded: await loadClassifierBundle(zipLoadHandler(zip)) };
}

async function main() {
  await tf.setBackend('cpu');
  const work = await mkdtemp(path.join(os.tmpdir(), 'charrnn-make-model-'));
  try {
    const mainRun = args.from ?? path.join(work, 'main');
    if (args.from === undefined) train(mainRun, []);
    const split = stratifiedSplit(defaultCorpus().items, { val: 0.1, test: 0.1, seed: SEED });
    const full = await loadClassifierBundle(fileSystemHandler(mainRun));
    const fullHead = full.model.ngramHead;
    if (fullHead === undefined) throw new Error(`${mainRun} has no n-gram head`);
    const reference = { val: accuracy(full, split.val), test: accuracy(full, split.test) };
    console.log(`float32, ${fullHead.size} n-grams: val ${reference.val.toFixed(4)}`);

    const config = JSON.parse(await readFile(path.join(mainRun, 'config.json'), 'utf8'));
    const trainExamples = encodeExamples(split.train, full.tokenizer, full.labels);
    /** The run's head (all its n-grams) or one refitted on the `grams` most frequent, then centred. */
    const headWith = (grams) => {
      if (grams >= fullHead.size) {
        full.model.setNgramHead(pruneNgramHead(fullHead, fullHead.size));
        return;
      }
      full.model.setNgramHead(
        fitNgramHead(trainExamples, full.labels.length, {
          maxN: config.ngram,
          weight: config.ngram_weight,
          rng: new Rng(config.seed),
          maxGrams: grams,
        }),
      );
      if (typeof config.logit_adjust === 'number')
        applyLogitAdjustment(full.model, trainExamples, config.logit_adjust);
      full.model.setNgramHead(pruneNgramHead(full.model.ngramHead, grams));
    };
    const storageOf = (c) => (name) => (name === 'ngram/kernel' ? c.headStorage : c.otherStorage);

    const candidates = [];
    for (const grams of GRAM_COUNTS.map((g) => Math.min(g, fullHead.size))) {
      headWith(grams);
      for (const headStorage of HEAD_STORAGES)
        for (const otherStorage of OTHER_STORAGES) {
          const candidate = { grams, headStorage, otherStorage };
          const { bytes, loaded } = await roundTrip(full, storageOf(candidate), {});
          const val = accuracy(loaded, split.val);
          loaded.model.dispose();
          console.log(
            `${grams} n-grams, head ${headStorage}, the rest ${otherStorage}: ${bytes} bytes, val ${val.toFixed(4)}`,
          );
          candidates.push({ ...candidate, bytes, val });
        }
    }

    const compareRuns = {};
    for (const [cell, flags] of Object.entries(COMPARE)) {
      compareRuns[cell] =
        args['compare-from'] === undefined ? path.join(work, cell) : path.join(args['compare-from'], cell);
      if (args['compare-from'] === undefined) train(compareRuns[cell], flags);
    }
    const compare = {};
    let compareBytes = 0;
    for (const [cell, dir] of Object.entries(compareRuns)) {
      const bundle = await loadClassifierBundle(fileSystemHandler(dir));
      const { bytes, loaded } = await roundTrip(bundle, 'float16', {});
      compare[cell] = { bundle, val: accuracy(loaded, split.val), test: accuracy(loaded, split.test) };
      loaded.model.dispose();
      compareBytes += bytes;
    }

    const fitting = candidates.filter((c) => c.bytes + compareBytes <= BUDGET_BYTES);
    if (fitting.length === 0) throw new Error('no candidate fits the budget');
    const best = fitting.reduce((a, b) => (b.val > a.val || (b.val === a.val && b.bytes < a.bytes) ? b : a));
    headWith(best.grams);
    const storage = storageOf(best);
    const { loaded: chosen } = await roundTrip(full, storage, {});
    const shipped = { val: accuracy(chosen, split.val), test: accuracy(chosen, split.test) };
    chosen.model.dispose();
    console.log(
      `chosen: ${best.grams} n-grams, head ${best.headStorage}, the rest ${best.otherStorage}: val ${shipped.val.toFixed(4)}, test ${shipped.test.toFixed(4)}`,
    );

    const staging = await mkdtemp(path.join(path.dirname(args.out), '.model-'));
    const split80 = `embedded corpus split 80/10/10 (seed ${SEED})`;
    const bytes = {};
    const write = async (name, bundle, weightStorage, accuracies) => {
      const zip = await toZip(bundle, weightStorage, {
        split: split80,
        val_accuracy: accuracies.val,
        test_accuracy: accuracies.test,
      });
      await writeFileAtomic(path.join(staging, name), zip);
      bytes[name] = zip.byteLength;
    };
    await write('model.zip', full, storage, shipped);
    for (const [cell, { bundle, val, test }] of Object.entries(compare))
      await write(`${cell}.zip`, bundle, 'float16', { val, test });
    const metrics = {
      made_by: 'pnpm --filter @charrnn/web make-model (apps/web/scripts/make-model.mjs)',
      recipe: 'charrnn train (default recipe), embedded corpus, seed 42',
      split: split80,
      float32: { ngrams: fullHead.size, ...reference },
      shipped: {
        ngrams: best.grams,
        ngram_kernel: best.headStorage,
        other_weights: best.otherStorage,
        ...shipped,
      },
      compare: Object.fromEntries(
        Object.entries(compare).map(([c, { val, test }]) => [c, { flags: COMPARE[c].join(' '), val, test }]),
      ),
      candidates,
      files: { ...bytes, total: Object.values(bytes).reduce((a, b) => a + b, 0), budget: BUDGET_BYTES },
    };
    await writeFile(path.join(staging, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
    // The name generator (make-generator.mjs) lives in the same folder: carry it over.
    await rename(path.join(args.out, GENERATOR_DIR), path.join(staging, GENERATOR_DIR)).catch((error) => {
      if (error.code !== 'ENOENT') throw error;
    });
    const old = `${args.out}.old-${process.pid}`;
    await rename(args.out, old).catch((error) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await chmod(staging, 0o755);
    await rename(staging, args.out);
    await rm(old, { recursive: true, force: true });
    console.log(`wrote ${args.out}: ${metrics.files.total} bytes in all`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();

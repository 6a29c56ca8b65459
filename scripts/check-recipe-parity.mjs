#!/usr/bin/env node
// Recipe parity: trains with the library call `trainClassifier` (not the CLI) and DEFAULT_RECIPE,
// seed 42, on names-split train/val/test, on the wasm backend, and prints the content-addressed
// weights file the bundle gets plus the val/test metrics. `charrnn train --data train.tsv
// --val val.tsv --test test.tsv --backend wasm` must give the same file (bit-for-bit weights).
//
// Usage: pnpm build && node scripts/check-recipe-parity.mjs [--expect <16 hex digits>]
// Needs ../shared/datasets/names-split (or CHARRNN_SPLIT_DIR); skips, saying so, without it.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const split = process.env.CHARRNN_SPLIT_DIR ?? path.resolve(root, '../shared/datasets/names-split');
if (!existsSync(path.join(split, 'train.tsv'))) {
  console.log(`skipped: no names split at ${split} (set CHARRNN_SPLIT_DIR)`);
  process.exit(0);
}
const expectAt = process.argv.indexOf('--expect');
const expected = expectAt > 0 ? process.argv[expectAt + 1] : undefined;

// Resolve everything as @charrnn/trainer sees it (its dependencies and dev backends).
const requireFromTrainer = createRequire(path.join(root, 'packages', 'trainer', 'package.json'));
const load = (name) => import(pathToFileURL(requireFromTrainer.resolve(name)).href);
const dist = (entry) => import(pathToFileURL(path.join(root, 'packages', 'trainer', 'dist', entry)).href);
await load('@tensorflow/tfjs-backend-wasm');
const { selectBackend } = await load('@charrnn/core');
const { fileSystemHandler } = await load('@charrnn/core/node');
const { loadCorpus } = await load('@charrnn/data/node');
const { DEFAULT_RECIPE, saveClassifierBundle, trainClassifier } = await dist('index.js');

const backend = await selectBackend(['wasm']);
const items = async (file) => (await loadCorpus(path.join(split, file))).corpus.items;
const data = { train: await items('train.tsv'), val: await items('val.tsv'), test: await items('test.tsv') };
console.log(
  `backend ${backend.name}; train ${data.train.length}, val ${data.val.length}, test ${data.test.length}`,
);

const started = performance.now();
const { bundle, metrics, test } = await trainClassifier(
  data,
  { ...DEFAULT_RECIPE, seed: 42 },
  {
    onEvent: (e) => {
      if (e.type === 'epoch' && e.val !== undefined)
        console.log(
          `epoch ${e.epoch}: val accuracy ${e.val.accuracy.toFixed(4)}, macro-F1 ${e.val.macroF1.toFixed(4)}`,
        );
      else if (e.type === 'phase') console.log(`phase: ${e.phase}`);
    },
  },
);
const out = mkdtempSync(path.join(tmpdir(), 'charrnn-recipe-parity-'));
try {
  await saveClassifierBundle(bundle, fileSystemHandler(out));
  const weights = readdirSync(out).find((f) => /^weights\.[0-9a-f]{16}\.bin$/.test(f));
  const hash = weights?.slice(8, 24);
  console.log(
    `trained in ${((performance.now() - started) / 1000).toFixed(1)} s, best epoch ${metrics.best_epoch}`,
  );
  console.log(`weights file: ${weights}`);
  console.log(
    `test: accuracy ${test.accuracy.toFixed(4)}, macro-F1 ${test.macroF1.toFixed(4)}, balanced accuracy ${test.balancedAccuracy.toFixed(4)}`,
  );
  if (expected !== undefined) {
    if (hash !== expected) {
      console.error(`MISMATCH: expected weights.${expected}.bin, got ${weights}`);
      process.exitCode = 1;
    } else console.log(`ok: weights.${expected}.bin`);
  }
} finally {
  bundle.model.dispose();
  rmSync(out, { recursive: true, force: true });
}

#!/usr/bin/env node
// Tutorial parity benchmark (issue 2): the classic char-RNN recipe on the fixed names split.
// Needs ../shared/datasets/names-split (or CHARRNN_SPLIT_DIR). Prints and saves the metrics.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const split = process.env.CHARRNN_SPLIT_DIR ?? path.resolve(root, '../shared/datasets/names-split');
if (!existsSync(path.join(split, 'train.tsv'))) {
  console.log(`skipped: no names split at ${split} (set CHARRNN_SPLIT_DIR)`);
  process.exit(0);
}
const backend = process.argv[2] ?? 'wasm';
const iters = process.env.TUTORIAL_ITERS ?? '105000';
const out = path.join(root, 'bench-results', `tutorial-${backend}`);
const args = [
  'apps/trainer/bin/charrnn.js',
  'train',
  '--data',
  path.join(split, 'train.tsv'),
  '--val',
  path.join(split, 'val.tsv'),
  '--test',
  path.join(split, 'test.tsv'),
  '--out',
  out,
  '--force',
  // The tutorial's settings (and none of the default recipe's extras) come from the example config.
  '--config',
  path.join(root, 'examples', 'tutorial-recipe.yaml'),
  '--iters',
  iters,
  '--backend',
  backend,
];
const run = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (run.status !== 0) process.exit(run.status ?? 1);
const m = JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8'));
const summary = {
  backend: m.backend,
  iterations: Number(iters),
  train_names_per_s: Math.round(m.train_names_per_s),
  test_accuracy: m.test.accuracy,
  test_macro_f1: m.test.macro_f1,
  test_balanced_accuracy: m.test.balanced_accuracy,
  pytorch_reference: { accuracy: 0.653, balanced_accuracy: 0.494, names_per_s: 1741 },
};
summary.speed_ratio_vs_pytorch = +(summary.train_names_per_s / 1741).toFixed(2);
console.log(JSON.stringify(summary, null, 2));

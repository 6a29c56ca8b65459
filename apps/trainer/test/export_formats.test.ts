import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '@charrnn/core';
import { fileSystemHandler } from '@charrnn/core/node';
import { CharClassifier } from '@charrnn/layers';
import { Tokenizer } from '@charrnn/tokenizer';
import { saveClassifierBundle } from '@charrnn/trainer';
import { beforeAll, describe, expect, it } from 'vitest';
import { appDir, charrnn, checkBuilt, syntheticTsv } from './helpers.js';

const ROOT = path.resolve(appDir, '..', '..');
const PYTHON = '/usr/bin/python3';
const NAMES = ['Rabinski', 'Dorov', 'Lopez', 'Ko', 'Zoë', '', 'Bakowski', 'Sanchez', 'Petrov', "O'Hara"];

interface Prediction {
  name: string;
  top: { label: string; probability: number }[];
}

function torchMissing(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} is absent`;
  return spawnSync(PYTHON, ['-c', 'import torch']).status === 0
    ? undefined
    : `torch does not import in ${PYTHON}`;
}

/** Label → probability of each name, from `predict --json --top <all>` style output. */
function byLabel(predictions: Prediction[]): Map<string, number>[] {
  return predictions.map((p) => new Map(p.top.map(({ label, probability }) => [label, probability])));
}

describe('charrnn export --format layers|pytorch on the default recipe (n-gram head)', () => {
  let work: string;
  let bundle: string;
  let ours: Map<string, number>[];

  beforeAll(() => {
    checkBuilt();
    work = mkdtempSync(path.join(tmpdir(), 'charrnn-export-'));
    writeFileSync(path.join(work, 'train.tsv'), syntheticTsv(300, 5));
    bundle = path.join(work, 'run');
    // The default recipe (cell, sizes, n-gram head), two epochs.
    const train = charrnn([
      'train',
      '--data',
      path.join(work, 'train.tsv'),
      '--out',
      bundle,
      '--epochs',
      '2',
      '--backend',
      'cpu',
    ]);
    expect(train.stderr).toBe('');
    expect(train.stdout).toMatch(/n-gram head: [\d,]+ n-grams/);
    const predict = charrnn([
      'predict',
      '--model',
      bundle,
      '--json',
      '--top',
      '3',
      '--backend',
      'cpu',
      ...NAMES,
    ]);
    expect(predict.status).toBe(0);
    ours = byLabel(JSON.parse(predict.stdout) as Prediction[]);
  });

  it("layers: predict.mjs with third-party tfjs alone gives charrnn predict's probabilities, n-gram head mixed in", () => {
    const out = path.join(work, 'layers');
    const run = charrnn(['export', '--model', bundle, '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('predict.mjs mixes it in');
    for (const file of [
      'model.json',
      'predict.mjs',
      'README.md',
      'tokenizer.json',
      'labels.json',
      'ngram.json',
      'ngram.bin',
    ])
      expect(existsSync(path.join(out, file))).toBe(true);
    // predict.mjs resolves @tensorflow/* from its own directory, as after `npm i` there.
    mkdirSync(path.join(out, 'node_modules'));
    symlinkSync(
      path.join(ROOT, 'node_modules', '@tensorflow'),
      path.join(out, 'node_modules', '@tensorflow'),
      'dir',
    );
    const mjs = spawnSync(
      process.execPath,
      [path.join(out, 'predict.mjs'), '--json', '--top', '3', ...NAMES],
      {
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(mjs.status).toBe(0);
    expect(mjs.stderr).not.toMatch(/error/i); // tfjs prints its Node.js banner there
    const theirs = byLabel(JSON.parse(mjs.stdout) as Prediction[]);
    let maxDiff = 0;
    theirs.forEach((row, r) => {
      const mine = ours[r] as Map<string, number>;
      expect([...row.keys()][0]).toBe([...mine.keys()][0]); // same top-1
      for (const [label, p] of mine) maxDiff = Math.max(maxDiff, Math.abs(p - (row.get(label) ?? -1)));
    });
    console.log(
      `[export] layers + predict.mjs (default recipe, n-gram head): max |Δp| = ${maxDiff.toExponential(2)}`,
    );
    expect(maxDiff).toBeLessThanOrEqual(1e-5);
  });

  it('pytorch: model.py gives the same probabilities, and the directory imports back', () => {
    const out = path.join(work, 'pytorch');
    const run = charrnn(['export', '--model', bundle, '--format', 'pytorch', '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const back = path.join(work, 'back');
    const imported = charrnn(['import', '--from', 'pytorch', out, '--out', back]);
    expect(imported.stderr).toBe('');
    const predict = charrnn([
      'predict',
      '--model',
      back,
      '--json',
      '--top',
      '3',
      '--backend',
      'cpu',
      ...NAMES,
    ]);
    byLabel(JSON.parse(predict.stdout) as Prediction[]).forEach((row, r) => {
      for (const [label, p] of ours[r] as Map<string, number>)
        expect(Math.abs(p - (row.get(label) ?? -1))).toBeLessThanOrEqual(1e-6);
    });
    const missing = torchMissing();
    if (missing !== undefined) {
      console.log(`[export] model.py check skipped: ${missing}`);
      return;
    }
    writeFileSync(path.join(work, 'names.json'), JSON.stringify({ names: NAMES }));
    const script = path.join(ROOT, 'packages', 'interop', 'fixtures', 'make_fixtures.py');
    const py = spawnSync(
      PYTHON,
      [script, 'check-export', out, path.join(work, 'names.json'), path.join(work, 'torch.json')],
      {
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(py.stderr).toBe('');
    const labels = JSON.parse(readFileSync(path.join(out, 'labels.json'), 'utf8')) as string[];
    const torch = (
      JSON.parse(readFileSync(path.join(work, 'torch.json'), 'utf8')) as { probabilities: number[][] }
    ).probabilities;
    let maxDiff = 0;
    torch.forEach((row, r) => {
      for (const [label, p] of ours[r] as Map<string, number>)
        maxDiff = Math.max(maxDiff, Math.abs(p - (row[labels.indexOf(label)] as number)));
    });
    console.log(
      `[export] pytorch model.py (default recipe, n-gram head): max |Δp| = ${maxDiff.toExponential(2)}`,
    );
    expect(maxDiff).toBeLessThanOrEqual(1e-5);
  });

  it("onnx: ONNX Runtime (onnxruntime-web, wasm) gives charrnn predict's probabilities on the full model", async () => {
    const out = path.join(work, 'onnx');
    const run = charrnn(['export', '--model', bundle, '--format', 'onnx', '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    const tokenizer = Tokenizer.fromJSON(JSON.parse(readFileSync(path.join(out, 'tokenizer.json'), 'utf8')));
    const labels = JSON.parse(readFileSync(path.join(out, 'labels.json'), 'utf8')) as string[];
    const batch = tokenizer.encodeBatch(NAMES);
    const session = await ort.InferenceSession.create(readFileSync(path.join(out, 'model.onnx')));
    const ids = new ort.Tensor('int64', BigInt64Array.from(Array.from(batch.ids, BigInt)), [
      batch.batchSize,
      batch.maxLen,
    ]);
    const probabilities = (await session.run({ ids }))['probabilities']?.data as Float32Array;
    await session.release();
    let maxDiff = 0;
    (ours as Map<string, number>[]).forEach((mine, r) => {
      const row = Array.from(probabilities.subarray(r * labels.length, (r + 1) * labels.length));
      expect(labels[row.indexOf(Math.max(...row))]).toBe([...mine.keys()][0]);
      for (const [label, p] of mine)
        maxDiff = Math.max(maxDiff, Math.abs(p - (row[labels.indexOf(label)] as number)));
    });
    console.log(`[export] onnx (default recipe, n-gram head): max |Δp| = ${maxDiff.toExponential(2)}`);
    expect(maxDiff).toBeLessThanOrEqual(1e-5);
  });

  it('layers: refuses a reset-after GRU, pointing at --format onnx and pytorch', async () => {
    await tf.setBackend('cpu');
    const tokenizer = Tokenizer.tutorial();
    const model = CharClassifier.create(
      {
        cell: 'gru',
        resetAfter: true,
        vocabSize: tokenizer.vocabSize,
        embedDim: 4,
        hiddenSize: 3,
        numClasses: 2,
      },
      new Rng(1),
    );
    const dir = path.join(work, 'gru-reset-after');
    await saveClassifierBundle(model, tokenizer, ['A', 'B'], fileSystemHandler(dir));
    model.dispose();
    const run = charrnn(['export', '--model', dir, '--out', path.join(work, 'gru-layers')]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe(
      'charrnn: InvalidArgumentError: field --format: a GRU with reset_after=true cannot be exported as a tfjs-layers model (tfjs-layers 4.22 lacks it); use --format onnx or --format pytorch',
    );
    expect(existsSync(path.join(work, 'gru-layers', 'model.json'))).toBe(false);
  });
});

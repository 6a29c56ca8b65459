import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { fileSystemHandler } from '@charrnn/core/node';
import { Tokenizer } from '@charrnn/tokenizer';
import { beforeAll, describe, expect, it } from 'vitest';
import { charrnn, checkBuilt, syntheticTsv } from './helpers.js';

describe('charrnn CLI', () => {
  let work: string;

  beforeAll(() => {
    checkBuilt();
    work = mkdtempSync(path.join(tmpdir(), 'charrnn-cli-'));
    writeFileSync(path.join(work, 'train.tsv'), syntheticTsv(600, 1));
    writeFileSync(path.join(work, 'test.tsv'), syntheticTsv(90, 7));
  });

  it('rejects an unknown flag with one line and exit code 2', () => {
    const run = charrnn(['train', '--out', path.join(work, 'x'), '--bogus']);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')[0]).toContain("unknown option '--bogus'");
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports a missing data file in one line, without a stack trace', () => {
    const run = charrnn([
      'train',
      '--data',
      path.join(work, 'nope.tsv'),
      '--out',
      path.join(work, 'y'),
      '--backend',
      'cpu',
    ]);
    expect(run.status).not.toBe(0);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^charrnn: \w+Error: .*nope\.tsv/);
  });

  it('refuses an unwritable run directory before training', () => {
    writeFileSync(path.join(work, 'a-file'), 'x');
    const run = charrnn([
      'train',
      '--out',
      path.join(work, 'a-file', 'run'),
      '--iters',
      '1',
      '--backend',
      'cpu',
    ]);
    expect(run.status).toBe(1);
    expect(run.stdout).not.toContain('epoch');
    expect(run.stderr.trim()).toMatch(
      /^charrnn: IoError: field --out: cannot write the run directory .*a-file\/run: ENOTDIR/,
    );
  });

  it('rejects an out-of-range value naming the flag', () => {
    const run = charrnn(['train', '--out', path.join(work, 'z'), '--batch', '0']);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe(
      'charrnn: InvalidArgumentError: field --batch: must be between 1 and 65536, got 0',
    );
  });

  it('trains, saves, predicts and evaluates end to end', () => {
    const out = path.join(work, 'run');
    const train = charrnn([
      'train',
      '--data',
      path.join(work, 'train.tsv'),
      '--test',
      path.join(work, 'test.tsv'),
      '--out',
      out,
      '--hidden',
      '32',
      '--embed',
      '16',
      '--epochs',
      '8',
      '--lr',
      '0.01',
      '--batch',
      '16',
      '--backend',
      'wasm',
      '--seed',
      '3',
    ]);
    expect(train.stderr).toBe('');
    expect(train.status).toBe(0);
    expect(train.stdout).toContain('backend: wasm');
    // Node 20 has plain WebAssembly SIMD (relaxed SIMD only behind a flag; Node 22+ by default).
    expect(train.stdout).toMatch(/^recurrent kernels: WebAssembly SIMD/m);
    const metrics = JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(metrics.backend).toBe('wasm');
    expect(['simd', 'relaxed']).toContain(metrics.recurrent_kernels);
    expect(metrics.train_seconds).toBeGreaterThan(0);
    expect(metrics.train_names_per_s).toBeGreaterThan(0);
    expect(metrics.epochs).toHaveLength(8);
    const test = metrics.test as { accuracy: number; macro_f1: number; balanced_accuracy: number };
    expect(test.accuracy).toBeGreaterThan(0.9);
    expect(test.macro_f1).toBeGreaterThan(0.9);
    expect(existsSync(path.join(out, 'model.json'))).toBe(true);
    for (const file of [
      'report.html',
      'learning-curves.svg',
      'learning-curves.png',
      'confusion.svg',
      'confusion.png',
      'per-class.csv',
    ]) {
      expect(existsSync(path.join(out, file))).toBe(true);
    }
    expect(readFileSync(path.join(out, 'report.html'), 'utf8')).toContain('Gamma');
    const manifest = JSON.parse(readFileSync(path.join(out, 'model.json'), 'utf8')) as {
      weightsManifest: { paths: string[] }[];
    };
    for (const group of manifest.weightsManifest) {
      for (const file of group.paths) expect(existsSync(path.join(out, file))).toBe(true);
    }

    const again = charrnn(['train', '--data', path.join(work, 'train.tsv'), '--out', out, '--iters', '1']);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('already holds a run');

    const predict = charrnn([
      'predict',
      '--model',
      out,
      '--top',
      '2',
      '--json',
      '--backend',
      'cpu',
      'Rabinski',
      'Dorov',
      'Lopez',
    ]);
    expect(predict.status).toBe(0);
    const preds = JSON.parse(predict.stdout) as {
      name: string;
      top: { label: string; probability: number }[];
    }[];
    expect(preds.map((p) => p.top[0]?.label)).toEqual(['Alpha', 'Beta', 'Gamma']);
    expect(
      preds.every((p) => p.top.length === 2 && (p.top[0]?.probability ?? 0) >= (p.top[1]?.probability ?? 1)),
    ).toBe(true);

    writeFileSync(path.join(work, 'names.txt'), 'Lopez\nRabinski\n\nDorov\n');
    const batch = charrnn([
      'predict',
      '--model',
      out,
      '--input',
      path.join(work, 'names.txt'),
      '--output',
      path.join(work, 'preds.tsv'),
    ]);
    expect(batch.status).toBe(0);
    const rows = readFileSync(path.join(work, 'preds.tsv'), 'utf8').trimEnd().split('\n');
    expect(rows.map((r) => r.split('\t')[0])).toEqual(['Lopez', 'Rabinski', '', 'Dorov']);
    expect(rows[0]?.split('\t')[1]).toBe('Gamma');

    const evalRun = charrnn(['eval', '--model', out, '--data', path.join(work, 'test.tsv'), '--json']);
    expect(evalRun.status).toBe(0);
    const report = JSON.parse(evalRun.stdout) as { accuracy: number };
    expect(report.accuracy).toBeCloseTo(test.accuracy, 10);

    const table = charrnn(['eval', '--model', out, '--data', path.join(work, 'test.tsv')]);
    expect(table.status).toBe(0);
    expect(table.stdout).toContain('macro-F1');
    expect(table.stdout).toContain('Gamma');

    // The default recipe mixes in an n-gram head: recorded, and exported beside the Layers model
    // (ngram.json + ngram.bin, mixed in by predict.mjs) unless --without-ngram leaves it out.
    expect(train.stdout).toMatch(/n-gram head: [\d,]+ n-grams of 1–5 characters fitted in/);
    const ngram = metrics.ngram as { max_n: number; weight: number; grams: number; recurrent_only: object };
    expect(ngram).toMatchObject({ max_n: 5, weight: 0.5 });
    expect(ngram.grams).toBeGreaterThan(100);
    expect(Object.keys(ngram.recurrent_only)).toEqual(['val', 'test']); // val is split off train
    const withHead = charrnn(['export', '--model', out, '--out', path.join(work, 'exported-ngram')]);
    expect(withHead.status).toBe(0);
    expect(withHead.stdout).toMatch(/the n-gram head \(\d+ n-grams\) is in ngram\.json \+ ngram\.bin/);
    const rnnOnly = charrnn([
      'export',
      '--model',
      out,
      '--out',
      path.join(work, 'exported-rnn-only'),
      '--without-ngram',
    ]);
    expect(rnnOnly.status).toBe(0);
    expect(rnnOnly.stdout).toContain('the n-gram head was left out');
    expect(existsSync(path.join(work, 'exported-rnn-only', 'ngram.json'))).toBe(false);
  });
  it('trains a stacked bidirectional LSTM and exports a model.json that tfjs-layers predicts with identically', async () => {
    const out = path.join(work, 'run-lstm');
    const train = charrnn([
      'train',
      '--data',
      path.join(work, 'train.tsv'),
      '--test',
      path.join(work, 'test.tsv'),
      '--out',
      out,
      '--cell',
      'lstm',
      '--layers',
      '2',
      '--bidirectional',
      '--dropout',
      '0.1',
      '--hidden',
      '16',
      '--embed',
      '16',
      '--epochs',
      '10',
      '--lr',
      '0.01',
      '--batch',
      '16',
      '--backend',
      'wasm',
      '--seed',
      '3',
      '--ngram',
      'none',
    ]);
    expect(train.stderr).toBe('');
    expect(train.status).toBe(0);
    expect(train.stdout).toContain('2× bidirectional (concat) lstm embed 16 hidden 16');
    const metrics = JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8')) as {
      test: { accuracy: number };
      train_names_per_s: number;
      config: Record<string, unknown>;
    };
    expect(metrics.test.accuracy).toBeGreaterThan(0.9);
    expect(metrics.train_names_per_s).toBeGreaterThan(0);
    expect(metrics.config).toMatchObject({ cell: 'lstm', layers: 2, bidirectional: 'concat', dropout: 0.1 });

    const exported = path.join(work, 'exported');
    const exportRun = charrnn(['export', '--model', out, '--format', 'layers', '--out', exported]);
    expect(exportRun.stderr).toBe('');
    expect(exportRun.status).toBe(0);
    expect(charrnn(['export', '--model', out, '--out', exported]).status).toBe(2); // exists, no --force
    expect(charrnn(['export', '--model', out, '--format', 'keras', '--out', exported]).stderr.trim()).toBe(
      "charrnn: InvalidArgumentError: field --format: expected one of layers, onnx, pytorch, got 'keras'",
    );

    const names = ['Rabinski', 'Dorov', 'Lopez', 'Ko'];
    const predict = charrnn([
      'predict',
      '--model',
      out,
      '--top',
      '3',
      '--json',
      '--backend',
      'cpu',
      ...names,
    ]);
    expect(predict.status).toBe(0);
    const ours = JSON.parse(predict.stdout) as { top: { label: string; probability: number }[] }[];

    await tf.setBackend('cpu');
    const layersModel = await tfl.loadLayersModel(fileSystemHandler(exported));
    const json = JSON.parse(readFileSync(path.join(exported, 'model.json'), 'utf8')) as {
      userDefinedMetadata: { charrnnExport: { labels: string[]; tokenizer: unknown } };
    };
    const { labels, tokenizer } = json.userDefinedMetadata.charrnnExport;
    const batch = Tokenizer.fromJSON(tokenizer).encodeBatch(names);
    const probs = tf.tidy(
      () =>
        layersModel.predict(tf.tensor2d(batch.ids, [batch.batchSize, batch.maxLen], 'int32')) as tf.Tensor,
    );
    const theirs = probs.dataSync();
    ours.forEach((p, r) => {
      for (const { label, probability } of p.top)
        expect(
          Math.abs(probability - (theirs[r * labels.length + labels.indexOf(label)] as number)),
        ).toBeLessThanOrEqual(1e-5);
    });
    probs.dispose();
    layersModel.dispose();
  });
});

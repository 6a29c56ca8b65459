import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '@charrnn/core';
import { fileSystemHandler } from '@charrnn/core/node';
import { CharClassifier, NgramHead } from '@charrnn/layers';
import { Tokenizer } from '@charrnn/tokenizer';
import { saveClassifierBundle } from '@charrnn/trainer';
import { beforeAll, describe, expect, it } from 'vitest';
import { appDir, bin, charrnn, checkBuilt } from './helpers.js';

// `charrnn predict --input` on worker threads (src/predict_workers.ts): the same file whatever
// the number of workers, rows in input order, also when streamed from stdin to stdout.
describe('charrnn predict --input --workers', () => {
  let work = '';
  let input = '';
  let names: string[] = [];
  beforeAll(async () => {
    checkBuilt();
    work = mkdtempSync(path.join(tmpdir(), 'charrnn-workers-'));
    await tf.setBackend('cpu');
    const tokenizer = Tokenizer.tutorial();
    const labels = ['Alpha', 'Beta', 'Gamma', 'Delta'];
    const model = CharClassifier.create(
      {
        cell: 'gru',
        vocabSize: tokenizer.vocabSize,
        embedDim: 8,
        hiddenSize: 12,
        numClasses: 4,
        bidirectional: 'concat',
      },
      new Rng(7),
    );
    const grams = ['0', '5', '0.5', '7.0'];
    model.setNgramHead(
      new NgramHead(
        { minN: 1, maxN: 2, numClasses: 4, rnnScale: 0.5, grams },
        {
          kernel: Float32Array.from({ length: 16 }, (_, i) => Math.sin(i)),
          bias: Float32Array.of(0.1, 0, -0.1, 0.2),
        },
      ),
    );
    await saveClassifierBundle(model, tokenizer, labels, fileSystemHandler(path.join(work, 'model')));
    model.dispose();
    // More names than two worker chunks (4,096 each), of varied lengths, some empty.
    const rng = new Rng(3);
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    names = Array.from({ length: 9500 }, (_, i) =>
      i % 997 === 0
        ? ''
        : Array.from(
            { length: 1 + Math.floor(rng.next() * 12) },
            () => letters[Math.floor(rng.next() * 26)],
          ).join(''),
    );
    input = path.join(work, 'names.txt');
    writeFileSync(input, `${names.join('\n')}\n`);
  });

  it('writes the same predictions, in input order, with one worker and with three', () => {
    const outputs = ['1', '3'].map((workers) => {
      const output = path.join(work, `preds-${workers}.tsv`);
      const run = charrnn([
        'predict',
        '--model',
        path.join(work, 'model'),
        '--input',
        input,
        '--output',
        output,
        '--workers',
        workers,
        '--backend',
        'wasm',
      ]);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      // The ten empty lines have no label (their row says why).
      expect(run.stdout).toBe(
        `wrote ${names.length} predictions to ${output} (10 without a label: the third column says why)\n`,
      );
      return readFileSync(output, 'utf8');
    });
    expect(outputs[1]).toBe(outputs[0]);
    const rows = (outputs[0] as string).trimEnd().split('\n');
    expect(rows.map((r) => r.split('\t')[0])).toEqual(names);
    expect(new Set(rows.filter((_, i) => names[i] !== '').map((r) => r.split('\t')[1]))).toEqual(
      new Set(['Alpha', 'Beta', 'Gamma', 'Delta']),
    );
  });

  it('streams stdin to stdout on two workers, the same rows as the file', () => {
    const run = spawnSync(
      process.execPath,
      [
        bin,
        'predict',
        '--model',
        path.join(work, 'model'),
        '--input',
        '-',
        '--output',
        '-',
        '--workers',
        '2',
      ],
      { cwd: appDir, input: readFileSync(input), encoding: 'utf8', timeout: 120_000 },
    );
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(readFileSync(path.join(work, 'preds-1.tsv'), 'utf8'));
  });

  it('refuses a --workers that is not a positive integer', () => {
    const run = charrnn([
      'predict',
      '--model',
      path.join(work, 'model'),
      '--input',
      input,
      '--output',
      'x.tsv',
      '--workers',
      '0',
    ]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--workers');
    expect(run.stderr).toContain('must be between 1 and 256, got 0');
  });
});

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ClassifierConfig } from '@charrnn/layers';
import { Tokenizer } from '@charrnn/tokenizer';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportTorchClassifier, torchExportImportOptions } from './export_pytorch.js';
import { importTorchClassifier } from './import_pytorch.js';
import { readSafetensors } from './safetensors.js';
import { compareProbabilities, FIXTURES, fixtureNames } from './test-utils/fixtures.js';
import { randomModel } from './test-utils/random_model.js';

tf.env().set('IS_TEST', true);

const NAMES = [...fixtureNames().slice(0, 150), '', 'Zoë', "O'Neal", '😀', 'Ab Cd'];
const PYTHON = '/usr/bin/python3';

/** Why PyTorch cannot run here, or undefined when it can. */
function torchMissing(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} is absent`;
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  return probe.status === 0 ? undefined : `torch does not import in ${PYTHON}`;
}

const BASE = { embedDim: 6, hiddenSize: 5, numClasses: 4 };
const CONFIGS: { label: string; config: Omit<ClassifierConfig, 'vocabSize'>; ngram?: boolean }[] = [
  { label: 'rnn', config: { cell: 'rnn', ...BASE } },
  {
    label: 'simple bidirectional sum, 2 layers',
    config: { cell: 'simple', ...BASE, layers: 2, bidirectional: 'sum' },
  },
  {
    label: 'lstm bidirectional concat, 2 layers',
    config: { cell: 'lstm', ...BASE, layers: 2, bidirectional: 'concat' },
  },
  {
    label: 'gru reset-after bidirectional',
    config: { cell: 'gru', ...BASE, bidirectional: 'concat', resetAfter: true },
  },
  {
    label: 'gru (Keras 2 form), 2 layers + n-gram head',
    config: { cell: 'gru', ...BASE, layers: 2 },
    ngram: true,
  },
  { label: 'lstm hard_sigmoid', config: { cell: 'lstm', ...BASE, recurrentActivation: 'hard_sigmoid' } },
  {
    label: 'gru hard_sigmoid bidirectional',
    config: { cell: 'gru', ...BASE, bidirectional: 'concat', recurrentActivation: 'hard_sigmoid' },
  },
];

describe('exportTorchClassifier', () => {
  const missing = torchMissing();
  beforeAll(async () => {
    await tf.setBackend('cpu');
    if (missing !== undefined) console.log(`[interop] PyTorch round trips skipped: ${missing}`);
  });

  for (const [i, { label, config, ngram }] of CONFIGS.entries()) {
    const tokenizer = i % 2 === 0 ? Tokenizer.tutorial() : Tokenizer.fromCorpus(NAMES);
    const full: ClassifierConfig = { ...config, vocabSize: tokenizer.vocabSize };
    const labels = ['A', 'B', 'C', 'D'];

    it(`${label}: imports back to the same probabilities`, () => {
      const model = randomModel(
        full,
        tokenizer,
        ngram === true ? { names: NAMES, maxN: 3, maxGrams: 400 } : null,
        10 + i,
      );
      const files = exportTorchClassifier(model, tokenizer, labels);
      expect(Object.keys(files).sort()).toEqual([
        'config.json',
        'labels.json',
        'model.py',
        'model.safetensors',
      ]);
      const json = (name: string): unknown => JSON.parse(new TextDecoder().decode(files[name]));
      const { tensors } = readSafetensors(files['model.safetensors'] as Uint8Array, 'model.safetensors');
      const back = importTorchClassifier(
        tensors,
        torchExportImportOptions(json('config.json'), json('labels.json')),
      );
      const ours = model.predictProba(tokenizer.encodeBatch(NAMES));
      const theirs = back.model.predictProba(back.tokenizer.encodeBatch(NAMES));
      expect(Math.max(...ours.map((v, j) => Math.abs(v - (theirs[j] as number))))).toBeLessThanOrEqual(1e-6);
      expect(back.labels).toEqual(labels);
      expect(back.model.ngramHead?.size).toBe(model.ngramHead?.size);
      back.model.dispose();
      model.dispose();
    });

    it(`${label}: model.py (PyTorch) predicts charrnn's probabilities (≤ 1e-5, same top-1)`, (context) => {
      if (missing !== undefined) {
        context.skip();
        return;
      }
      const model = randomModel(
        full,
        tokenizer,
        ngram === true ? { names: NAMES, maxN: 3, maxGrams: 400 } : null,
        10 + i,
      );
      const dir = mkdtempSync(path.join(tmpdir(), 'charrnn-export-pt-'));
      for (const [name, bytes] of Object.entries(exportTorchClassifier(model, tokenizer, labels)))
        writeFileSync(path.join(dir, name), bytes);
      writeFileSync(path.join(dir, 'names.json'), JSON.stringify({ names: NAMES }));
      const run = spawnSync(
        PYTHON,
        [
          path.join(FIXTURES, 'make_fixtures.py'),
          'check-export',
          dir,
          path.join(dir, 'names.json'),
          path.join(dir, 'probs.json'),
        ],
        { encoding: 'utf8', timeout: 120_000 },
      );
      expect(run.stderr).toBe('');
      const reference = (
        JSON.parse(readFileSync(path.join(dir, 'probs.json'), 'utf8')) as { probabilities: number[][] }
      ).probabilities;
      const { maxDiff, sameTop1 } = compareProbabilities(
        model.predictProba(tokenizer.encodeBatch(NAMES)),
        reference,
      );
      console.log(
        `[interop] export pytorch ${label}: max |Δp| = ${maxDiff.toExponential(2)}, top-1 ${sameTop1}/${NAMES.length}`,
      );
      expect(maxDiff).toBeLessThanOrEqual(1e-5);
      expect(sameTop1).toBe(NAMES.length);
      model.dispose();
    });
  }
});

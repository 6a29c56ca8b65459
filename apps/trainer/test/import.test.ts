import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { appDir, charrnn, checkBuilt } from './helpers.js';

const FIXTURES = path.resolve(appDir, '..', '..', 'packages', 'interop', 'fixtures');
const NAMES = (
  JSON.parse(readFileSync(path.join(FIXTURES, 'names.json'), 'utf8')) as { names: string[] }
).names.slice(0, 120);
const LABELS = readFileSync(path.join(FIXTURES, 'labels.txt'), 'utf8').trim().split('\n');

/** PyTorch's probabilities of a fixture model, one row per name of NAMES. */
function torchProbabilities(model: string): number[][] {
  return (
    JSON.parse(readFileSync(path.join(FIXTURES, `${model}.probs.json`), 'utf8')) as {
      probabilities: number[][];
    }
  ).probabilities;
}

interface Prediction {
  name: string;
  top: { label: string; probability: number }[];
}

describe('charrnn import', () => {
  let work: string;

  beforeAll(() => {
    checkBuilt();
    work = mkdtempSync(path.join(tmpdir(), 'charrnn-import-'));
    writeFileSync(path.join(work, 'names.txt'), `${NAMES.join('\n')}\n`);
  });

  /** `predict --json --top 18` on NAMES: every label's probability, compared with PyTorch's. */
  function compare(bundle: string, model: string): { maxDiff: number; sameTop1: number } {
    const run = charrnn(['predict', '--model', bundle, '--json', '--top', '18', ...NAMES]);
    expect(run.stderr).toBe('');
    const predictions = JSON.parse(run.stdout) as Prediction[];
    const reference = torchProbabilities(model);
    let maxDiff = 0;
    let sameTop1 = 0;
    predictions.forEach((p, r) => {
      const row = reference[r] as number[];
      for (const { label, probability } of p.top)
        maxDiff = Math.max(maxDiff, Math.abs(probability - (row[LABELS.indexOf(label)] as number)));
      if (LABELS.indexOf(p.top[0]?.label ?? '') === row.indexOf(Math.max(...row))) sameTop1++;
    });
    return { maxDiff, sameTop1 };
  }

  it("imports the tutorial's module (.pt) into a bundle that predicts PyTorch's probabilities and evaluates", () => {
    const out = path.join(work, 'tutorial');
    const run = charrnn([
      'import',
      '--from',
      'pytorch',
      path.join(FIXTURES, 'tutorial.pt'),
      '--out',
      out,
      '--labels',
      path.join(FIXTURES, 'labels.txt'),
    ]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('imported rnn classifier (1 layer(s), hidden 128, 18 labels)');
    const { maxDiff, sameTop1 } = compare(out, 'tutorial');
    expect(maxDiff).toBeLessThanOrEqual(1e-5);
    expect(sameTop1).toBe(NAMES.length);
    // eval takes it: labelled with PyTorch's own top-1, the accuracy is 100%.
    const reference = torchProbabilities('tutorial');
    const tsv = NAMES.map(
      (n, r) =>
        `${n}\t${LABELS[(reference[r] as number[]).indexOf(Math.max(...(reference[r] as number[])))]}`,
    );
    writeFileSync(path.join(work, 'torch-top1.tsv'), `${tsv.join('\n')}\n`);
    const evaluated = charrnn([
      'eval',
      '--model',
      out,
      '--data',
      path.join(work, 'torch-top1.tsv'),
      '--json',
    ]);
    expect(evaluated.status).toBe(0);
    expect((JSON.parse(evaluated.stdout) as { accuracy: number }).accuracy).toBe(1);
  });

  it('imports a bidirectional 2-layer GRU (safetensors) with labels given inline', () => {
    const out = path.join(work, 'gru');
    const run = charrnn([
      'import',
      '--from',
      'pytorch',
      path.join(FIXTURES, 'gru.safetensors'),
      '--out',
      out,
      '--labels',
      LABELS.join(','),
    ]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(
      'imported gru classifier (2 layer(s), bidirectional concat, hidden 24, 18 labels)',
    );
    expect(compare(out, 'gru').maxDiff).toBeLessThanOrEqual(1e-5);
  });

  it('refuses what does not fit in one line naming the file and field, exit 1 or 2', () => {
    const wrongArch = charrnn([
      'import',
      '--from',
      'pytorch',
      path.join(FIXTURES, 'lstm.pt'),
      '--out',
      path.join(work, 'x'),
      '--arch',
      'gru',
    ]);
    expect(wrongArch.status).toBe(1);
    expect(wrongArch.stderr.trim()).toBe(
      'charrnn: InvalidBundleError: lstm.pt field lstm.weight_ih_l0: has 128 rows: a GRU of hidden size 32 has 96 (is --arch right?)',
    );
    writeFileSync(path.join(work, 'evil.pt'), 'not a model');
    const notZip = charrnn([
      'import',
      '--from',
      'pytorch',
      path.join(work, 'evil.pt'),
      '--out',
      path.join(work, 'y'),
    ]);
    expect(notZip.status).toBe(1);
    expect(notZip.stderr).toContain('field header length');
    const labels = charrnn([
      'import',
      '--from',
      'pytorch',
      path.join(FIXTURES, 'lstm.pt'),
      '--out',
      path.join(work, 'z'),
      '--labels',
      'A,B',
    ]);
    expect(labels.status).toBe(2);
    expect(labels.stderr.trim()).toBe(
      'charrnn: InvalidArgumentError: field --labels: 2 labels given, the model has 18 outputs',
    );
    expect(charrnn(['import', path.join(FIXTURES, 'rnn.pt'), '--out', path.join(work, 'z')]).status).toBe(2);
  });
});

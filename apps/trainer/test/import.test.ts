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

describe('charrnn import --from layers', () => {
  it('imports a model.json + weights.bin saved with tfjs-layers defaults (LSTM, hard_sigmoid, mask_zero false)', async () => {
    checkBuilt();
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    // tfjs-layers calls chained ops (x.add(...)); tfjs-core's full entry registers them, a path
    // the type declarations do not export, hence the string.
    const chainedOps: string = '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
    await import(chainedOps);
    const tfl = await import('@tensorflow/tfjs-layers');
    await tf.setBackend('cpu');
    const work = mkdtempSync(path.join(tmpdir(), 'charrnn-import-layers-'));
    const theirs = tfl.sequential({
      layers: [
        tfl.layers.embedding({ inputDim: 57, outputDim: 8 }),
        tfl.layers.lstm({ units: 10 }),
        tfl.layers.dense({ units: LABELS.length, activation: 'softmax' }),
      ],
    });
    // What tf.io's file:// saver writes: model.json naming weights.bin in its manifest.
    await theirs.save(
      tf.io.withSaveHandler((a) => {
        writeFileSync(
          path.join(work, 'model.json'),
          JSON.stringify({
            modelTopology: a.modelTopology,
            format: a.format,
            generatedBy: a.generatedBy,
            convertedBy: null,
            weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
          }),
        );
        writeFileSync(path.join(work, 'weights.bin'), new Uint8Array(a.weightData as ArrayBuffer));
        return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
      }),
    );
    const out = path.join(work, 'bundle');
    const run = charrnn(['import', '--from', 'layers', work, '--out', out, '--labels', LABELS.join(',')]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('imported lstm classifier');
    expect(run.stdout).toContain('note: mask_zero: false read as masked');
    const names = NAMES.slice(0, 20);
    const predict = charrnn(['predict', '--model', out, '--json', '--top', String(LABELS.length), ...names]);
    const ours = JSON.parse(predict.stdout) as Prediction[];
    let maxDiff = 0;
    names.forEach((name, r) => {
      const ids = [...name.normalize('NFD').replace(/\p{M}/gu, '')]
        .map((c) => "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,;'".indexOf(c))
        .filter((i) => i >= 0);
      const p = tf.tidy(() => {
        const probs = theirs.predict(
          tf.tensor2d([ids], [1, ids.length], 'int32'),
        ) as import('@tensorflow/tfjs-core').Tensor;
        return probs;
      });
      const row = Array.from(p.dataSync());
      p.dispose();
      for (const { label, probability } of ours[r]?.top ?? [])
        maxDiff = Math.max(maxDiff, Math.abs(probability - (row[LABELS.indexOf(label)] as number)));
    });
    console.log(`[import] tfjs-layers defaults via the CLI: max |Δp| = ${maxDiff.toExponential(2)}`);
    expect(maxDiff).toBeLessThanOrEqual(1e-5);
    theirs.dispose();
  });
});

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { ClassifierConfig } from '@charrnn/layers';
import { Tokenizer } from '@charrnn/tokenizer';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportOnnxClassifier } from './export_onnx.js';
import { fixtureNames } from './test-utils/fixtures.js';
import { randomModel } from './test-utils/random_model.js';

tf.env().set('IS_TEST', true);
// Node: one thread, no worker, the wasm file from the package.
ort.env.wasm.numThreads = 1;

const NAMES = [...fixtureNames().slice(0, 120), '', 'Zoë', "O'Neal", '😀', 'A'];
const BASE = { embedDim: 6, hiddenSize: 5, numClasses: 4 };
const CASES: { label: string; config: Omit<ClassifierConfig, 'vocabSize'>; ngram?: boolean }[] = [
  { label: 'rnn', config: { cell: 'rnn', ...BASE } },
  {
    label: 'rnn bidirectional sum, 2 layers',
    config: { cell: 'simple', ...BASE, layers: 2, bidirectional: 'sum' },
  },
  { label: 'lstm', config: { cell: 'lstm', ...BASE } },
  {
    label: 'lstm bidirectional concat, 2 layers',
    config: { cell: 'lstm', ...BASE, layers: 2, bidirectional: 'concat' },
  },
  { label: 'gru', config: { cell: 'gru', ...BASE } },
  {
    label: 'gru reset-after bidirectional concat, 2 layers',
    config: { cell: 'gru', ...BASE, layers: 2, bidirectional: 'concat', resetAfter: true },
  },
  { label: 'gru + n-gram head', config: { cell: 'gru', ...BASE }, ngram: true },
  {
    label: 'lstm hard_sigmoid bidirectional',
    config: { cell: 'lstm', ...BASE, bidirectional: 'concat', recurrentActivation: 'hard_sigmoid' },
  },
  {
    label: 'gru hard_sigmoid, 2 layers',
    config: { cell: 'gru', ...BASE, layers: 2, recurrentActivation: 'hard_sigmoid' },
  },
];

/** ONNX Runtime's probabilities of the batch. */
async function runOnnx(
  bytes: Uint8Array,
  batch: { ids: Int32Array; batchSize: number; maxLen: number },
): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const ids = new ort.Tensor('int64', BigInt64Array.from(Array.from(batch.ids, BigInt)), [
    batch.batchSize,
    Math.max(1, batch.maxLen),
  ]);
  const out = await session.run({ ids });
  await session.release();
  return out['probabilities']?.data as Float32Array;
}

describe('exportOnnxClassifier, run with onnxruntime-web (wasm) in Node', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const [i, { label, config, ngram }] of CASES.entries()) {
    it(`${label}: ONNX Runtime gives charrnn's probabilities (≤ 1e-5, same top-1)`, async () => {
      const tokenizer = Tokenizer.tutorial();
      const model = randomModel(
        { ...config, vocabSize: tokenizer.vocabSize },
        tokenizer,
        ngram === true ? { names: NAMES, maxN: 4, maxGrams: 500 } : null,
        20 + i,
      );
      const batch = tokenizer.encodeBatch(NAMES);
      const ours = model.predictProba(batch);
      const theirs = await runOnnx(exportOnnxClassifier(model, tokenizer, ['A', 'B', 'C', 'D']), batch);
      let maxDiff = 0;
      let sameTop1 = 0;
      const C = 4;
      for (let r = 0; r < NAMES.length; r++) {
        const a = Array.from(ours.subarray(r * C, (r + 1) * C));
        const b = Array.from(theirs.subarray(r * C, (r + 1) * C));
        a.forEach((v, c) => (maxDiff = Math.max(maxDiff, Math.abs(v - (b[c] as number)))));
        if (a.indexOf(Math.max(...a)) === b.indexOf(Math.max(...b))) sameTop1++;
      }
      console.log(
        `[interop] onnx ${label}: max |Δp| = ${maxDiff.toExponential(2)}, top-1 ${sameTop1}/${NAMES.length}`,
      );
      expect(maxDiff).toBeLessThanOrEqual(1e-5);
      expect(sameTop1).toBe(NAMES.length);
      model.dispose();
    });
  }
});

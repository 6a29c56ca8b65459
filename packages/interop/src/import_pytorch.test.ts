import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, InvalidBundleError } from '@charrnn/core';
import { Tokenizer } from '@charrnn/tokenizer';
import { beforeAll, describe, expect, it } from 'vitest';
import { importTorchClassifier } from './import_pytorch.js';
import type { TorchArch } from './import_pytorch.js';
import { readStateDict } from './read_state_dict.js';
import {
  compareProbabilities,
  FIXTURES,
  fixtureBytes,
  fixtureLabels,
  fixtureNames,
  fixtureProbabilities,
} from './test-utils/fixtures.js';
import { tutorialVocabulary, vocabularyFromLines } from './torch_vocabulary.js';
import type { TorchVocabulary } from './torch_vocabulary.js';

tf.env().set('IS_TEST', true);

const CASES: {
  model: string;
  arch: TorchArch;
  vocabulary: () => TorchVocabulary | ((rows: number) => TorchVocabulary);
}[] = [
  { model: 'tutorial', arch: 'tutorial', vocabulary: () => tutorialVocabulary },
  { model: 'lstm', arch: 'lstm', vocabulary: () => tutorialVocabulary },
  { model: 'gru', arch: 'gru', vocabulary: () => tutorialVocabulary },
  {
    model: 'rnn',
    arch: 'rnn',
    vocabulary: () =>
      vocabularyFromLines(readFileSync(`${FIXTURES}rnn.vocab.txt`, 'utf8'), 'rnn.vocab.txt', 'ascii-fold'),
  },
];

describe('importTorchClassifier on the PyTorch fixtures', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const { model, arch, vocabulary } of CASES) {
    for (const ext of ['pt', 'safetensors']) {
      it(`${model}.${ext} predicts PyTorch's probabilities (≤ 1e-5, same top-1)`, () => {
        const { tensors, format } = readStateDict(fixtureBytes(`${model}.${ext}`), `${model}.${ext}`);
        expect(format).toBe(ext === 'pt' ? 'pytorch' : 'safetensors');
        const imported = importTorchClassifier(tensors, {
          vocabulary: vocabulary(),
          labels: fixtureLabels(),
        });
        try {
          expect(imported.report.arch).toBe(arch);
          expect(imported.report.used.length).toBe(tensors.size);
          const names = fixtureNames();
          const probs = imported.model.predictProba(imported.tokenizer.encodeBatch(names));
          const reference = fixtureProbabilities(model);
          const { maxDiff, sameTop1 } = compareProbabilities(probs, reference);
          console.log(
            `[interop] import ${model}.${ext}: max |Δp| = ${maxDiff.toExponential(2)}, top-1 ${sameTop1}/${names.length}`,
          );
          expect(maxDiff).toBeLessThanOrEqual(1e-5);
          expect(sameTop1).toBe(names.length);
        } finally {
          imported.model.dispose();
        }
      });
    }
  }

  it("maps the tutorial ids onto charrnn's tutorial tokenizer (+2 offset, no PAD/UNK rows)", () => {
    const { tensors } = readStateDict(fixtureBytes('tutorial.pt'), 'tutorial.pt');
    const imported = importTorchClassifier(tensors, { vocabulary: tutorialVocabulary });
    try {
      expect(imported.tokenizer.toJSON()).toEqual(Tokenizer.tutorial().toJSON());
      const table = imported.model.trainableWeights[0]?.dataSync() as Float32Array;
      const source = tensors.get('embedding.weight')?.values as Float32Array;
      // charrnn id 2 ('a') = PyTorch row 0; PAD and UNK rows are zero.
      expect(Array.from(table.subarray(2 * 128, 3 * 128))).toEqual(Array.from(source.subarray(0, 128)));
      expect(table.subarray(0, 2 * 128).every((v) => v === 0)).toBe(true);
      expect(imported.labels).toEqual(Array.from({ length: 18 }, (_, i) => String(i)));
    } finally {
      imported.model.dispose();
    }
  });

  it('refuses an --arch that the weights contradict', () => {
    const { tensors } = readStateDict(fixtureBytes('lstm.pt'), 'lstm.pt');
    expect(() =>
      importTorchClassifier(tensors, { vocabulary: tutorialVocabulary, arch: 'gru', file: 'lstm.pt' }),
    ).toThrow(/lstm\.pt field lstm\.weight_ih_l0: has 128 rows: a GRU of hidden size 32 has 96/);
  });

  it('refuses a state dict with parameters the architecture does not use', () => {
    const { tensors } = readStateDict(fixtureBytes('lstm.pt'), 'lstm.pt');
    tensors.set('norm.weight', { dtype: 'float32', shape: [32], values: new Float32Array(32) });
    expect(() => importTorchClassifier(tensors, { vocabulary: tutorialVocabulary, file: 'lstm.pt' })).toThrow(
      InvalidArgumentError,
    );
  });

  it('finds unusual names through the module map, and names a missing parameter', () => {
    const { tensors } = readStateDict(fixtureBytes('gru.safetensors'), 'gru.safetensors');
    const renamed = new Map([...tensors].map(([k, v]) => [k.replace('encoder.', 'a.b.'), v]));
    renamed.set('other.weight', { dtype: 'float32', shape: [59, 16], values: new Float32Array(59 * 16) });
    expect(() => importTorchClassifier(renamed, { vocabulary: tutorialVocabulary })).toThrow(
      /several parameters fit the embedding/,
    );
    renamed.delete('other.weight');
    const imported = importTorchClassifier(renamed, {
      vocabulary: tutorialVocabulary,
      map: { rnn: 'a.b', embedding: 'embedding', linear: 'classifier' },
    });
    expect(imported.model.config).toMatchObject({
      cell: 'gru',
      layers: 2,
      bidirectional: 'concat',
      resetAfter: true,
    });
    imported.model.dispose();
    renamed.delete('a.b.bias_hh_l1_reverse');
    renamed.set('a.b.weight_hh_l1_reverse', { dtype: 'float32', shape: [3, 3], values: new Float32Array(9) });
    expect(() => importTorchClassifier(renamed, { vocabulary: tutorialVocabulary, file: 'x.pt' })).toThrow(
      InvalidBundleError,
    );
  });
});

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '@charrnn/core';
import { CharClassifier } from '@charrnn/layers';
import { Tokenizer } from '@charrnn/tokenizer';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fcParams } from '../../../test-utils/fuzz.js';
import { classifyNames, MAX_NAME_BYTES } from './classify_names.js';

tf.env().set('IS_TEST', true);

const LABELS = ['Alpha', 'Beta', 'Gamma'];
let bundle: { model: CharClassifier; tokenizer: Tokenizer; labels: string[] };

beforeAll(async () => {
  await tf.setBackend('cpu');
  const tokenizer = Tokenizer.tutorial();
  const model = CharClassifier.create(
    { cell: 'gru', vocabSize: tokenizer.vocabSize, embedDim: 6, hiddenSize: 8, numClasses: LABELS.length },
    new Rng(3),
  );
  bundle = { model, tokenizer, labels: LABELS };
});
afterAll(() => bundle.model.dispose());

const UNREADABLE: [string, string][] = [
  ['', 'empty name'],
  ['   ', 'empty name'],
  ['山田', 'no character the model knows'],
  ['😀😀', 'no character the model knows'],
  ['a\tb', 'control character U+0009 in name'],
  ['\u001b[2J', 'control character U+001B in name'],
  ['x'.repeat(MAX_NAME_BYTES + 1), `name is ${MAX_NAME_BYTES + 1} characters, over the 65536-byte limit`],
  ['é'.repeat(MAX_NAME_BYTES / 2 + 1), `name is ${MAX_NAME_BYTES + 2} bytes, over the 65536-byte limit`],
];

describe('classifyNames', () => {
  it('gives a name it cannot read no label and the reason, alone or among others', () => {
    for (const [name, reason] of UNREADABLE) {
      const [alone] = classifyNames(bundle, [name], 2);
      expect(alone).toMatchObject({ name, top: [], unreadable: reason });
      const mixed = classifyNames(bundle, ['Abel', name, 'Zhou', ...UNREADABLE.map(([n]) => n)], 2);
      expect(mixed[1]).toEqual(alone);
      expect(mixed[0]?.top).toHaveLength(2);
      expect(mixed[0]?.unreadable).toBeUndefined();
    }
  });

  it('refuses a 10 MB name at once instead of running the network over it', () => {
    const started = performance.now();
    const [p] = classifyNames(bundle, ['a'.repeat(10_000_000)], 1);
    expect(p?.unreadable).toMatch(/^name is 10000000 characters, over the 65536-byte limit$/);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('gives each readable name the same answer whatever its batch neighbours (property)', () => {
    const name = fc.string({
      unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzAÉ 山😀\t'.split('')),
      maxLength: 12,
    });
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 12 }), fc.nat({ max: 5 }), (names, chunk) => {
        const together = classifyNames(bundle, names, 3, chunk + 1);
        names.forEach((n, i) => {
          const [alone] = classifyNames(bundle, [n], 3);
          expect(together[i]?.unreadable).toBe(alone?.unreadable);
          expect(together[i]?.top.map((t) => t.label)).toEqual(alone?.top.map((t) => t.label));
          together[i]?.top.forEach((t, k) =>
            expect(t.probability).toBeCloseTo(alone?.top[k]?.probability ?? -1, 5),
          );
        });
      }),
      fcParams(0.1),
    );
  });
});

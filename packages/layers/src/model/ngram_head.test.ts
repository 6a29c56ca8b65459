import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { InvalidArgumentError, InvalidBundleError, Rng } from '@charrnn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CharClassifier } from './classifier.js';
import { NgramHead, type NgramHeadJSON } from './ngram_head.js';
import { BACKENDS, maxAbsDiff, useBackend } from '../test-utils/tf_test_setup.js';

const C = 3;

/** A head over a few n-grams with distinct random weights. */
function head(grams: string[], rnnScale = 0.5, seed = 1): NgramHead {
  const rng = new Rng(seed);
  return new NgramHead(
    { minN: 1, maxN: 3, numClasses: C, rnnScale, grams },
    {
      kernel: Float32Array.from({ length: grams.length * C }, () => rng.next() - 0.5),
      bias: Float32Array.from({ length: C }, () => rng.next() - 0.5),
    },
  );
}

describe('NgramHead.gramsOf', () => {
  it('lists the distinct n-grams with the boundary marker 0 at both ends', () => {
    expect(NgramHead.gramsOf(Int32Array.of(5, 7), 1, 2)).toEqual(['0', '5', '7', '0.5', '5.7', '7.0']);
    expect(NgramHead.gramsOf([5, 7], 2, 4)).toEqual(['0.5', '5.7', '7.0', '0.5.7', '5.7.0', '0.5.7.0']);
    // Repeated n-grams count once.
    expect(NgramHead.gramsOf([3, 3, 3], 1, 1)).toEqual(['0', '3']);
    // n-grams longer than the padded name do not exist.
    expect(NgramHead.gramsOf([9], 4, 5)).toEqual([]);
  });
});

describe('NgramHead.scores', () => {
  const grams = ['0', '5', '7', '0.5', '5.7', '7.0', '5.7.0'];
  const h = head(grams);
  const row = (gram: string): number[] => {
    const r = h.rowOf(gram);
    return Array.from(h.kernel.subarray(r * C, (r + 1) * C));
  };

  it('sums the kernel rows of the distinct known n-grams of each name, plus the bias', () => {
    // Name [5, 7] has n-grams (1–3) 0, 5, 7, 0.5, 5.7, 7.0, 0.5.7, 5.7.0 — all known but 0.5.7.
    const got = h.scores(Int32Array.of(5, 7), Int32Array.of(2), 1, 2);
    const want = Array.from(h.bias);
    for (const g of ['0', '5', '7', '0.5', '5.7', '7.0', '5.7.0'])
      row(g).forEach((v, c) => (want[c] = (want[c] as number) + v));
    expect(maxAbsDiff(got, Float32Array.from(want))).toBeLessThan(1e-6);
  });

  it('gives a name the same scores alone or padded in a batch', () => {
    const alone = h.scores(Int32Array.of(7, 5, 5), Int32Array.of(3), 1, 3);
    const ids = Int32Array.of(5, 7, 0, 0, 7, 5, 5, 0, 5, 0, 0, 0);
    const batch = h.scores(ids, Int32Array.of(2, 3, 1), 3, 4);
    expect(Array.from(batch.subarray(C, 2 * C))).toEqual(Array.from(alone));
    expect(Array.from(batch.subarray(0, C))).toEqual(
      Array.from(h.scores(Int32Array.of(5, 7), Int32Array.of(2), 1, 2)),
    );
  });

  it('gives a name with no known n-gram the bias alone', () => {
    expect(Array.from(h.scores(Int32Array.of(9, 9), Int32Array.of(2), 1, 2))).not.toEqual(Array.from(h.bias));
    const unknown = head(['5', '5.7']);
    expect(Array.from(unknown.scores(Int32Array.of(9, 9), Int32Array.of(2), 1, 2))).toEqual(
      Array.from(unknown.bias),
    );
  });

  it('refuses sizes that do not fit', () => {
    expect(() => h.scores(Int32Array.of(5, 7, 1), Int32Array.of(2), 1, 2)).toThrow(InvalidArgumentError);
    expect(() => h.scores(Int32Array.of(5, 7), Int32Array.of(3), 1, 2)).toThrow(/lengths\[0\] = 3/);
  });
});

describe('NgramHead validation', () => {
  const json: NgramHeadJSON = { minN: 1, maxN: 2, numClasses: 2, rnnScale: 0.5, grams: ['0', '4.5'] };
  const weights = { kernel: new Float32Array(4), bias: new Float32Array(2) };
  const cases: [string, Partial<NgramHeadJSON>, RegExp][] = [
    ['minN', { minN: 0 }, /field minN: must be an integer in \[1, 8\], got 0/],
    ['maxN below minN', { minN: 2, maxN: 1 }, /field maxN/],
    ['maxN too long', { maxN: 9 }, /field maxN/],
    ['numClasses', { numClasses: 1 }, /field numClasses/],
    ['rnnScale', { rnnScale: Number.NaN }, /field rnnScale/],
    ['gram text', { grams: ['0', 'a.b'] }, /field grams\[1\]: must be token ids joined by "\."/],
    ['gram length', { grams: ['0', '1.2.3'] }, /field grams\[1\]: has 3 tokens, outside \[1, 2\]/],
    ['duplicate gram', { grams: ['4.5', '4.5'] }, /field grams\[1\]: "4.5" is listed twice/],
  ];
  it.each(cases)('names the bad field: %s', (_, change, message) => {
    expect(() => new NgramHead({ ...json, ...change }, weights)).toThrow(message);
    expect(() => NgramHead.fromJSON({ ...json, ...change }, weights, 'model.ngram')).toThrow(
      InvalidBundleError,
    );
  });

  it('checks the weights against the grams and classes', () => {
    expect(() => new NgramHead(json, { ...weights, kernel: new Float32Array(3) })).toThrow(
      /field kernel: must hold grams × numClasses = 4 float32 values, got 3/,
    );
    expect(() => new NgramHead(json, { ...weights, bias: new Float32Array(3) })).toThrow(/field bias/);
  });

  it('fromJSON prefixes the field and refuses what is not an object', () => {
    expect(() => NgramHead.fromJSON({ ...json, maxN: 'x' }, weights, 'model.ngram')).toThrow(
      /field model\.ngram\.maxN/,
    );
    expect(() => NgramHead.fromJSON([1], weights, 'model.ngram')).toThrow(
      /field model\.ngram: must be an object/,
    );
    const back = NgramHead.fromJSON(JSON.parse(JSON.stringify(new NgramHead(json, weights))), weights);
    expect(back.toJSON()).toEqual(json);
  });
});

describe.each(BACKENDS)('CharClassifier with an n-gram head on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  const config = { cell: 'gru' as const, vocabSize: 12, embedDim: 4, hiddenSize: 5, numClasses: C };
  const ids = Int32Array.of(5, 7, 0, 4, 5, 6);
  const batch = { ids, lengths: Int32Array.of(2, 3), batchSize: 2, maxLen: 3 };

  it('mixes rnnScale · logits with the head scores, and softmaxes the mixture', () => {
    const model = CharClassifier.create(config, new Rng(3));
    const h = head(['0', '5', '4.5', '7.0', '6.0'], 0.3);
    const rnn = model.predictLogits(batch);
    const rnnProba = model.predictProba(batch);
    model.setNgramHead(h);
    expect(model.ngramHead).toBe(h);
    const scores = h.scores(batch.ids, batch.lengths, 2, 3);
    const mixed = model.predictLogits(batch);
    expect(
      maxAbsDiff(
        mixed,
        Float32Array.from(rnn, (v, i) => 0.3 * v + (scores[i] as number)),
      ),
    ).toBeLessThan(1e-6);
    const proba = model.predictProba(batch);
    for (let r = 0; r < 2; r++) {
      const z = Array.from(mixed.subarray(r * C, (r + 1) * C));
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const sum = e.reduce((a, b) => a + b, 0);
      expect(
        maxAbsDiff(
          proba.subarray(r * C, (r + 1) * C),
          Float32Array.from(e, (v) => v / sum),
        ),
      ).toBeLessThan(1e-6);
    }
    // The differentiable recurrent part and the Layers export are the recurrent model alone (the
    // tensor forward: ≤ 1e-6 from the forward-only path's float32 sums).
    const logits = model.logits(batch.ids, batch.lengths, 2, 3);
    expect(maxAbsDiff(logits.dataSync(), rnn)).toBeLessThan(1e-6);
    expect(maxAbsDiff(logits.dataSync(), mixed)).toBeGreaterThan(1e-3);
    logits.dispose();
    model.setNgramHead(undefined);
    expect(Array.from(model.predictProba(batch))).toEqual(Array.from(rnnProba));
    model.dispose();
  });

  it('refuses a head with another number of classes, and averaging models that have heads', () => {
    const model = CharClassifier.create(config, new Rng(3));
    const other = CharClassifier.create(config, new Rng(4));
    const wrong = new NgramHead(
      { minN: 1, maxN: 1, numClasses: 2, rnnScale: 1, grams: ['5'] },
      { kernel: new Float32Array(2), bias: new Float32Array(2) },
    );
    expect(() => model.setNgramHead(wrong)).toThrow(/the head has 2 classes, the model 3/);
    model.setNgramHead(head(['5']));
    expect(() => CharClassifier.average([other, model])).toThrow(/field models\[1\]: has an n-gram head/);
    const numTensors = tf.memory().numTensors;
    model.predictProba(batch);
    model.predictLogits(batch);
    expect(tf.memory().numTensors).toBe(numTensors);
    model.dispose();
    other.dispose();
  });
});

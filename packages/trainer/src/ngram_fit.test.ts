import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { InvalidArgumentError, Rng } from '@charrnn/core';
import type { Example } from '@charrnn/data';
import { CharClassifier, NgramHead } from '@charrnn/layers';
import { Tokenizer } from '@charrnn/tokenizer';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadClassifierBundle, saveClassifierBundle } from './classifier_bundle.js';
import { evaluate } from './evaluate.js';
import { applyLogitAdjustment } from './logit_adjustment.js';
import { fitNgramHead } from './ngram_fit.js';
import { LABELS, syntheticExamples } from './test-utils/synthetic_names.js';

tf.env().set('IS_TEST', true);

/**
 * Reference: the same model written densely and plainly — one-hot features over the vocabulary
 * (built in the same order), softmax, cross-entropy gradient, Adagrad per coordinate, the same
 * shuffles.
 */
function referenceFit(
  train: readonly Example[],
  C: number,
  o: { maxN: number; epochs: number; lr: number; l2: number; seed: number },
): { grams: string[]; W: number[][]; b: number[] } {
  const grams: string[] = [];
  for (const e of train)
    for (const g of NgramHead.gramsOf(e.ids, 1, o.maxN)) if (!grams.includes(g)) grams.push(g);
  const x = train.map((e) => {
    const set = new Set(NgramHead.gramsOf(e.ids, 1, o.maxN));
    return grams.map((g): number => (set.has(g) ? 1 : 0));
  });
  const W = grams.map(() => new Array<number>(C).fill(0));
  const GW = grams.map(() => new Array<number>(C).fill(1e-8));
  const b = new Array<number>(C).fill(0);
  const Gb = new Array<number>(C).fill(1e-8);
  const rng = new Rng(o.seed);
  const order = train.map((_, i) => i);
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const n of order) {
      const z = b.map((bc, c) => bc + x[n]!.reduce((s, v, f) => s + v * W[f]![c]!, 0));
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const sum = e.reduce((a, v) => a + v, 0);
      for (let c = 0; c < C; c++) {
        const g = e[c]! / sum - (c === train[n]!.label ? 1 : 0);
        Gb[c]! += g * g;
        b[c]! -= (o.lr * g) / Math.sqrt(Gb[c]!);
        x[n]!.forEach((v, f) => {
          if (v === 0) return;
          const gf = g + o.l2 * W[f]![c]!;
          GW[f]![c]! += gf * gf;
          W[f]![c]! -= (o.lr * gf) / Math.sqrt(GW[f]![c]!);
        });
      }
    }
  }
  return { grams, W, b };
}

describe('fitNgramHead', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  const TRAIN = syntheticExamples(60, 11);

  it('equals a plain dense implementation of Adagrad logistic regression', () => {
    const options = { maxN: 3, epochs: 3, lr: 0.3, l2: 1e-3, seed: 7 };
    const want = referenceFit(TRAIN, 2, options);
    const head = fitNgramHead(TRAIN, 2, {
      maxN: 3,
      epochs: 3,
      learningRate: 0.3,
      l2: 1e-3,
      weight: 1,
      rng: new Rng(7),
    });
    expect(head.toJSON().grams).toEqual(want.grams);
    expect(head.rnnScale).toBe(0);
    let diff = 0;
    want.grams.forEach((_, f) => {
      for (let c = 0; c < 2; c++) diff = Math.max(diff, Math.abs(head.kernel[f * 2 + c]! - want.W[f]![c]!));
    });
    for (let c = 0; c < 2; c++) diff = Math.max(diff, Math.abs(head.bias[c]! - want.b[c]!));
    expect(diff).toBeLessThan(1e-6);
  });

  it('learns a task readable from the last letter, its loss falls, and it is deterministic', () => {
    const losses: number[] = [];
    const head = fitNgramHead(TRAIN, 2, { rng: new Rng(3), onEpoch: (_, loss) => losses.push(loss) });
    expect(losses).toHaveLength(20);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 5);
    const test = syntheticExamples(200, 12);
    let correct = 0;
    for (const e of test) {
      const s = head.scores(e.ids, Int32Array.of(e.ids.length), 1, e.ids.length);
      if ((s[1]! > s[0]! ? 1 : 0) === e.label) correct++;
    }
    expect(correct / test.length).toBeGreaterThan(0.97);
    const again = fitNgramHead(TRAIN, 2, { rng: new Rng(3) });
    expect(Array.from(again.kernel)).toEqual(Array.from(head.kernel));
    const other = fitNgramHead(TRAIN, 2, { rng: new Rng(4) });
    expect(Array.from(other.kernel)).not.toEqual(Array.from(head.kernel));
  });

  it('scales the weights by the mixture weight and sets rnnScale to 1 − w', () => {
    const full = fitNgramHead(TRAIN, 2, { weight: 1, rng: new Rng(3), epochs: 2 });
    const quarter = fitNgramHead(TRAIN, 2, { weight: 0.25, rng: new Rng(3), epochs: 2 });
    expect(quarter.rnnScale).toBe(0.75);
    expect(full.rnnScale).toBe(0);
    const diff = Math.max(...Array.from(quarter.kernel, (v, i) => Math.abs(v - 0.25 * full.kernel[i]!)));
    expect(diff).toBeLessThan(1e-7);
  });

  it('keeps the maxGrams n-grams held by the most names, and nothing changes below the cap', () => {
    const all = fitNgramHead(TRAIN, 2, { rng: new Rng(3), epochs: 2 });
    const same = fitNgramHead(TRAIN, 2, { rng: new Rng(3), epochs: 2, maxGrams: all.size });
    expect(same.toJSON().grams).toEqual(all.toJSON().grams);
    expect(Array.from(same.kernel)).toEqual(Array.from(all.kernel));
    const capped = fitNgramHead(TRAIN, 2, { rng: new Rng(3), epochs: 2, maxGrams: 10 });
    expect(capped.size).toBe(10);
    const df = new Map<string, number>();
    for (const e of TRAIN) for (const g of NgramHead.gramsOf(e.ids, 1, 5)) df.set(g, (df.get(g) ?? 0) + 1);
    const counts = [...df.values()].sort((a, b) => b - a);
    // Every kept n-gram is held by at least as many names as the 10th most common.
    for (const g of capped.toJSON().grams) expect(df.get(g)!).toBeGreaterThanOrEqual(counts[9]!);
    expect(capped.toJSON().grams).toContain('0'); // the boundary marker: in every name
  });

  it('names the option or example that is wrong', () => {
    const fit = (o: Parameters<typeof fitNgramHead>[2], train = TRAIN, C = 2): NgramHead =>
      fitNgramHead(train, C, o);
    expect(() => fit({ maxN: 9 })).toThrow(/field maxN/);
    expect(() => fit({ minN: 3, maxN: 2 })).toThrow(/field maxN/);
    expect(() => fit({ epochs: 0 })).toThrow(/field epochs/);
    expect(() => fit({ learningRate: 0 })).toThrow(/field learningRate/);
    expect(() => fit({ l2: -1 })).toThrow(/field l2/);
    expect(() => fit({ maxGrams: 0 })).toThrow(/field maxGrams/);
    expect(() => fit({ weight: 0 })).toThrow(/field weight: must be in \(0, 1\], got 0/);
    expect(() => fit({}, [])).toThrow(/field train: needs training examples/);
    expect(() => fit({}, [{ ids: Int32Array.of(3), label: 2 }])).toThrow(/field train\[0\]\.label/);
    expect(() => fit({}, TRAIN, 1)).toThrow(InvalidArgumentError);
  });
});

describe('a classifier with an n-gram head', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  const tokenizer = Tokenizer.tutorial();
  const config = {
    cell: 'gru' as const,
    vocabSize: tokenizer.vocabSize,
    embedDim: 4,
    hiddenSize: 4,
    numClasses: 2,
  };
  const examples = (names: [string, number][]): Example[] =>
    names.map(([name, label]) => ({ ids: tokenizer.encode(name), label }));
  const TRAIN = examples([
    ['Ivanov', 0],
    ['Petrov', 0],
    ['Smirnov', 0],
    ['Garcia', 1],
    ['Lopez', 1],
    ['Perez', 1],
  ]);

  it('saves and loads with the head: bit-identical predictions, and a damaged head is refused by field', async () => {
    const model = CharClassifier.create(config, new Rng(2));
    model.setNgramHead(fitNgramHead(TRAIN, 2, { rng: new Rng(1) }));
    let saved: tf.io.ModelArtifacts | undefined;
    const handler: tf.io.IOHandler = {
      save: (a) => {
        saved = a;
        return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
      },
      load: () => Promise.resolve(saved as tf.io.ModelArtifacts),
    };
    await saveClassifierBundle(model, tokenizer, ['Russian', 'Spanish'], handler);
    const names = ['Ivanovich', 'Lopez', 'Q'];
    const batch = tokenizer.encodeBatch(names);
    const loaded = await loadClassifierBundle(handler);
    expect(loaded.model.ngramHead?.size).toBe(model.ngramHead?.size);
    expect(Array.from(loaded.model.predictProba(batch))).toEqual(Array.from(model.predictProba(batch)));
    loaded.model.dispose();

    const artifacts = saved as tf.io.ModelArtifacts;
    type WithHead = { charrnn: { model: { ngram: { grams: string[] } } } };
    const damaged = (change: (a: tf.io.ModelArtifacts) => void): tf.io.IOHandler => {
      const copy = { ...artifacts, userDefinedMetadata: structuredClone(artifacts.userDefinedMetadata) };
      change(copy);
      return { load: () => Promise.resolve(copy) };
    };
    await expect(
      loadClassifierBundle(
        damaged((a) => {
          (a.userDefinedMetadata as WithHead).charrnn.model.ngram.grams.pop();
        }),
      ),
    ).rejects.toThrow(
      /field userDefinedMetadata\.charrnn\.model\.ngram\.kernel: must hold grams × numClasses/,
    );
    await expect(
      loadClassifierBundle(
        damaged((a) => {
          a.weightSpecs = a.weightSpecs!.map((s) => (s.name === 'ngram/bias' ? { ...s, name: 'other' } : s));
        }),
      ),
    ).rejects.toThrow(/"ngram\/kernel" and "ngram\/bias" \(float32\) are missing/);
    model.dispose();
  });

  it('logit adjustment goes into the head bias, after the mixture', () => {
    const model = CharClassifier.create(config, new Rng(2));
    model.setNgramHead(fitNgramHead(TRAIN, 2, { rng: new Rng(1) }));
    const batch = tokenizer.encodeBatch(['Ivanov', 'Perez']);
    const before = model.predictLogits(batch);
    const denseBias = Array.from((model.trainableWeights.at(-1) as tf.Variable).dataSync());
    const skewed = [...TRAIN, ...TRAIN.filter((e) => e.label === 0)];
    const shift = applyLogitAdjustment(model, skewed, 0.5);
    expect(Array.from((model.trainableWeights.at(-1) as tf.Variable).dataSync())).toEqual(denseBias);
    const after = model.predictLogits(batch);
    for (let i = 0; i < after.length; i++) expect(after[i]! - before[i]!).toBeCloseTo(shift[i % 2]!, 5);
    expect(shift[1]!).toBeGreaterThan(shift[0]!);
    // evaluate() sees the mixture.
    expect(evaluate(model, TRAIN, LABELS.slice(0, 2)).count).toBe(TRAIN.length);
    model.dispose();
  });
});

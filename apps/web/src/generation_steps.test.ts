import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '@charrnn/core';
import { LanguageModel } from '@charrnn/layers';
import { Tokenizer } from '@charrnn/tokenizer';
import { sample, sampleStream, type GeneratorBundle } from '@charrnn/trainer';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectationColumns, replayGeneration, type GenerationStep } from './generation_steps.js';

/** A small random conditional generator over a few letters (no training: any weights will do). */
function randomGenerator(): GeneratorBundle {
  const tokenizer = Tokenizer.fromCorpus(['abcde', 'fghij', "k'lm n"]);
  const labels = ['First', 'Second'];
  const model = LanguageModel.create(
    {
      cell: 'lstm',
      vocabSize: tokenizer.vocabSize + 1,
      embedDim: 6,
      hiddenSize: 8,
      numLabels: labels.length,
      labelEmbedDim: 3,
    },
    new Rng(3),
  );
  return { model, tokenizer, labels, kind: 'names' };
}

async function streamed(
  bundle: GeneratorBundle,
  options: Parameters<typeof sampleStream>[1],
): Promise<string> {
  let text = '';
  for await (const piece of sampleStream(bundle, options)) text += piece;
  return text;
}

describe('replayGeneration', () => {
  let bundle: GeneratorBundle;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    bundle = randomGenerator();
  });

  it("gives the probabilities the sampler drew from: their log-sum is sample()'s logProb", async () => {
    let ended = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const options = { label: 'Second', temperature: 0.8, maxLength: 12, seed };
      const text = await streamed(bundle, options);
      const [reference] = sample(bundle, { ...options, count: 1, batchSize: 1 });
      expect(text).toBe(reference?.text);
      const steps = replayGeneration(bundle, 'Second', '', text, reference?.ended ?? false);
      expect(steps).toHaveLength(text.length + (reference?.ended === true ? 1 : 0));
      const logProb = steps.reduce((s, step) => s + Math.log(step.probabilities[step.chosen] as number), 0);
      expect(logProb).toBeCloseTo(reference?.logProb ?? NaN, 9);
      expect(
        bundle.tokenizer.decode(steps.map((s) => s.chosen).filter((id) => id < bundle.tokenizer.vocabSize)),
      ).toBe(text);
      for (const step of steps) {
        expect(step.probabilities).toHaveLength(bundle.tokenizer.vocabSize + 1);
        expect(step.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      }
      if (reference?.ended === true) ended++;
    }
    // Both kinds of name occur: ended by the model, and cut at maxLength.
    expect(ended).toBeGreaterThan(0);
    expect(ended).toBeLessThan(20);
  });

  it('starts after the prime: "complete my name" steps cover only the generated part', async () => {
    const options = { label: 'First', prime: 'ab', maxLength: 6, seed: 5 };
    const text = await streamed(bundle, options);
    const [reference] = sample(bundle, { ...options, count: 1, batchSize: 1 });
    expect(text.startsWith('ab')).toBe(true);
    const steps = replayGeneration(bundle, 'First', 'ab', text.slice(2), reference?.ended ?? false);
    const logProb = steps.reduce((s, step) => s + Math.log(step.probabilities[step.chosen] as number), 0);
    expect(logProb).toBeCloseTo(reference?.logProb ?? NaN, 9);
  });

  it('depends on the label', () => {
    const [a] = replayGeneration(bundle, 'First', '', 'a', false);
    const [b] = replayGeneration(bundle, 'Second', '', 'a', false);
    expect(a?.probabilities).not.toEqual(b?.probabilities);
  });

  it('refuses characters outside the alphabet', () => {
    expect(() => replayGeneration(bundle, 'First', '', 'aXz', false)).toThrow(/not made of the generator/);
  });
});

describe('expectationColumns', () => {
  // ids: 0 PAD, 1 UNK, 2 'a', 3 'b', 4 'c', 5 EOS.
  const symbols = ['', '', 'a', 'b', 'c'];
  const symbolOf = (id: number): string => symbols[id] ?? '?';
  const step = (probabilities: number[], chosen: number): GenerationStep => ({
    probabilities: Float32Array.from(probabilities),
    chosen,
  });

  it('lists the top k, most probable first, and marks the drawn symbol', () => {
    const [column] = expectationColumns([step([0, 0, 0.1, 0.5, 0.3, 0.1], 4)], symbolOf, 2);
    expect(column?.candidates.map((c) => [c.symbol, c.chosen])).toEqual([
      ['b', false],
      ['c', true],
    ]);
    expect(column?.chosen).toMatchObject({ symbol: 'c', end: false });
    expect(column?.chosenRank).toBe(2);
    expect(column?.candidates[0]?.probability).toBeCloseTo(0.5, 6);
  });

  it('appends the drawn symbol when it is not in the top k', () => {
    const [column] = expectationColumns([step([0, 0, 0.6, 0.3, 0.05, 0.05], 5)], symbolOf, 2);
    expect(column?.candidates.map((c) => c.symbol)).toEqual(['a', 'b', '']);
    expect(column?.candidates[2]).toMatchObject({ chosen: true, end: true });
    // Ties go to the lower id: c (4) ranks before EOS (5).
    expect(column?.chosenRank).toBe(4);
  });

  it('never lists PAD or UNK, even when the model gives them probability', () => {
    const [column] = expectationColumns([step([0.3, 0.3, 0.2, 0.1, 0.05, 0.05], 2)], symbolOf, 3);
    expect(column?.candidates.map((c) => c.symbol)).toEqual(['a', 'b', 'c']);
    expect(column?.chosenRank).toBe(1);
  });

  it('makes one column per step', () => {
    const p = [0, 0, 0.4, 0.3, 0.2, 0.1];
    expect(expectationColumns([step(p, 2), step(p, 3), step(p, 5)], symbolOf)).toHaveLength(3);
  });
});

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { zipLoadHandler } from '@charrnn/core';
import { defaultCorpus, stratifiedSplit } from '@charrnn/data';
import {
  classifyNames,
  generatorBpc,
  loadClassifierBundle,
  loadGeneratorBundle,
  sample,
} from '@charrnn/trainer';
import { describe, expect, it } from 'vitest';
import { FORGETTING_MODELS, GENERATOR_MODEL, SHIPPED_MODEL } from '../src/model_files.js';

const modelDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'public', 'model');

/** The page's model budget: everything it downloads for its models. */
const BUDGET_BYTES = 2_000_000;

describe('the shipped model (public/model)', () => {
  it('fits the 2 MB download budget, all its files together', () => {
    const downloaded = [SHIPPED_MODEL, ...Object.values(FORGETTING_MODELS), GENERATOR_MODEL];
    const bytes = downloaded.reduce((n, file) => n + statSync(path.join(modelDir, file)).size, 0);
    console.log(`shipped model files: ${downloaded.join(', ')} = ${bytes} bytes`);
    expect(bytes).toBeLessThanOrEqual(BUDGET_BYTES);
    // Nothing else in the folder is fetched by the page but the provenance record.
    expect(readdirSync(modelDir).sort()).toEqual(
      [SHIPPED_MODEL, ...Object.values(FORGETTING_MODELS), 'generator', 'metrics.json'].sort(),
    );
    expect(readdirSync(path.join(modelDir, 'generator')).sort()).toEqual(
      [path.basename(GENERATOR_MODEL), 'metrics.json'].sort(),
    );
  });

  it('scores ≥ 0.70 on the test part of the CLI’s split of the embedded corpus (seed 42)', async () => {
    await tf.setBackend('cpu');
    const { test } = stratifiedSplit(defaultCorpus().items, { val: 0.1, test: 0.1, seed: 42 });
    const bundle = await loadClassifierBundle(
      zipLoadHandler(readFileSync(path.join(modelDir, SHIPPED_MODEL)), SHIPPED_MODEL),
    );
    try {
      const predictions = classifyNames(
        bundle,
        test.map((item) => item.name),
        1,
      );
      const correct = predictions.filter((p, i) => p.top[0]?.label === test[i]?.label).length;
      const accuracy = correct / test.length;
      console.log(`shipped model: test accuracy ${accuracy.toFixed(4)} (${correct}/${test.length})`);
      expect(test.length).toBe(1457);
      expect(accuracy).toBeGreaterThanOrEqual(0.7);
      // The figure recorded in the bundle is the one measured here.
      expect(bundle.metadata.metrics?.['test_accuracy']).toBeCloseTo(accuracy, 6);
    } finally {
      bundle.model.dispose();
    }
  });

  it('ships a generator for the classifier’s languages, with the validation bits per character it records', async () => {
    await tf.setBackend('cpu');
    const file = path.join(modelDir, GENERATOR_MODEL);
    const recorded = JSON.parse(readFileSync(path.join(path.dirname(file), 'metrics.json'), 'utf8')) as {
      shipped: { bytes: number; val_bpc: number };
      recipe: { seed: number };
    };
    const classifier = await loadClassifierBundle(
      zipLoadHandler(readFileSync(path.join(modelDir, SHIPPED_MODEL)), SHIPPED_MODEL),
    );
    classifier.model.dispose();
    const generator = await loadGeneratorBundle(zipLoadHandler(readFileSync(file), GENERATOR_MODEL));
    try {
      expect(generator.kind).toBe('names');
      expect([...generator.labels].sort()).toEqual([...classifier.labels].sort());
      expect(statSync(file).size).toBe(recorded.shipped.bytes);
      // The CLI's validation part of the embedded corpus (10%, stratified, the recipe's seed).
      const { val } = stratifiedSplit(defaultCorpus().items, {
        val: 0.1,
        test: 0,
        seed: recorded.recipe.seed,
      });
      const { bpc } = generatorBpc(generator, { names: val });
      console.log(`shipped generator: val ${bpc.toFixed(4)} bits/char, ${statSync(file).size} bytes`);
      expect(bpc).toBeCloseTo(recorded.shipped.val_bpc, 4);
      // Far better than guessing uniformly among its symbols (log2 of about 80).
      expect(bpc).toBeLessThan(3);
      // It knows its training names (the page tags each generated name as new or seen).
      expect(generator.novelty?.size).toBeGreaterThan(10_000);
      const names = sample(generator, {
        label: 'Italian',
        count: 20,
        temperature: 0.8,
        novel: true,
        seed: 3,
      });
      expect(names).toHaveLength(20);
      expect(names.every((n) => !(generator.novelty?.has(n.text) ?? true))).toBe(true);
    } finally {
      generator.model.dispose();
    }
  });
});

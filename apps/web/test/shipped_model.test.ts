import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { zipLoadHandler } from '@charrnn/core';
import { defaultCorpus, stratifiedSplit } from '@charrnn/data';
import { classifyNames, loadClassifierBundle } from '@charrnn/trainer';
import { describe, expect, it } from 'vitest';
import { FORGETTING_MODELS, SHIPPED_MODEL } from '../src/model_files.js';

const modelDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'public', 'model');

/** The page's model budget: everything it downloads for its models. */
const BUDGET_BYTES = 2_000_000;

describe('the shipped model (public/model)', () => {
  it('fits the 2 MB download budget, all its files together', () => {
    const downloaded = [SHIPPED_MODEL, ...Object.values(FORGETTING_MODELS)];
    const bytes = downloaded.reduce((n, file) => n + statSync(path.join(modelDir, file)).size, 0);
    console.log(`shipped model files: ${downloaded.join(', ')} = ${bytes} bytes`);
    expect(bytes).toBeLessThanOrEqual(BUDGET_BYTES);
    // Nothing else in the folder is fetched by the page but the provenance record.
    expect(readdirSync(modelDir).sort()).toEqual([...downloaded, 'metrics.json'].sort());
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
});

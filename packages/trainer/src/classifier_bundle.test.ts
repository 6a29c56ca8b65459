import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { InvalidBundleError, Rng } from '@charrnn/core';
import { CharClassifier } from '@charrnn/layers';
import { Tokenizer } from '@charrnn/tokenizer';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadClassifierBundle, saveClassifierBundle } from './classifier_bundle.js';
import { classifyNames } from './classify_names.js';

tf.env().set('IS_TEST', true);

const LABELS = ['Alpha', 'Beta', 'Gamma'];

function memoryHandler(): { handler: tf.io.IOHandler; saved: () => tf.io.ModelArtifacts } {
  let artifacts: tf.io.ModelArtifacts | undefined;
  const handler: tf.io.IOHandler = {
    save: (a) => {
      artifacts = a;
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
    },
    load: () => {
      if (artifacts === undefined) throw new Error('nothing saved');
      return Promise.resolve(artifacts);
    },
  };
  return {
    handler,
    saved: () => {
      if (artifacts === undefined) throw new Error('nothing saved');
      return artifacts;
    },
  };
}

describe('classifier bundles', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('save -> load gives bit-identical predictions and keeps labels, tokenizer and metadata', async () => {
    const tokenizer = Tokenizer.tutorial();
    const model = CharClassifier.create(
      { cell: 'rnn', vocabSize: tokenizer.vocabSize, embedDim: 6, hiddenSize: 10, numClasses: LABELS.length },
      new Rng(5),
    );
    const memory = memoryHandler();
    await saveClassifierBundle(model, tokenizer, LABELS, memory.handler, {
      metrics: { val: { accuracy: 0.5 } },
    });
    const loaded = await loadClassifierBundle(memory.handler);
    expect(loaded.labels).toEqual(LABELS);
    expect(loaded.tokenizer.toJSON()).toEqual(tokenizer.toJSON());
    expect(loaded.metadata.metrics).toEqual({ val: { accuracy: 0.5 } });
    const names = ['Nguyen', 'Ślusàrski', '', 'O’Neal', 'x'.repeat(40)];
    const before = classifyNames({ model, tokenizer, labels: LABELS }, names, 3);
    const after = classifyNames(loaded, names, 3);
    expect(after).toEqual(before);
    expect(after[1]?.normalized).toBe('Slusarski');
    // The empty name gets no label (see classify_names.test.ts); the others their top 3.
    expect(after[2]).toMatchObject({ top: [], unreadable: 'empty name' });
    for (const p of after.filter((_, i) => i !== 2)) {
      expect(p.top).toHaveLength(3);
      expect(p.top[0]!.probability).toBeGreaterThanOrEqual(p.top[1]!.probability);
    }
    const total = (await loadClassifierBundle(memory.handler)).model;
    const sums = classifyNames({ model: total, tokenizer, labels: LABELS }, ['Abc'], 3)[0]!.top.reduce(
      (s, t) => s + t.probability,
      0,
    );
    expect(sums).toBeCloseTo(1, 5);
    total.dispose();
    model.dispose();
    loaded.model.dispose();
  });

  it('refuses labels that do not match the outputs, when saving and when loading', async () => {
    const tokenizer = Tokenizer.tutorial();
    const model = CharClassifier.create(
      { cell: 'rnn', vocabSize: tokenizer.vocabSize, embedDim: 4, hiddenSize: 4, numClasses: 3 },
      new Rng(1),
    );
    const memory = memoryHandler();
    await expect(saveClassifierBundle(model, tokenizer, ['A', 'B'], memory.handler)).rejects.toThrow(
      'field labels: the model has 3 outputs but 2 labels were given',
    );
    await saveClassifierBundle(model, tokenizer, LABELS, memory.handler);
    const artifacts = memory.saved();
    const meta = (artifacts.userDefinedMetadata as { charrnn: { labels: string[] } }).charrnn;
    meta.labels = ['A', 'B'];
    const error = await loadClassifierBundle(memory.handler).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidBundleError);
    expect((error as Error).message).toBe(
      'field userDefinedMetadata.charrnn.labels: the model has 3 outputs but 2 labels',
    );
    model.dispose();
  });
});

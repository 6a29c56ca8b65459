import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { BUNDLE_FORMAT_VERSION, loadBundle, saveBundle, type ModelBundle } from './bundle.js';
import { zipLoadHandler, zipSaveHandler } from './zip_bundle.js';

const kernel = Float32Array.from([0.5, -1.25, 3, 4e-8, -0, 1e-3]);
const bundle: ModelBundle = {
  modelTopology: { class_name: 'Sequential', config: { name: 'charrnn', layers: [] } },
  weightSpecs: [{ name: 'dense/kernel', shape: [2, 3], dtype: 'float32' }],
  weightData: kernel.buffer,
  metadata: {
    formatVersion: BUNDLE_FORMAT_VERSION,
    createdAt: '2024-05-01T12:00:00.000Z',
    tokenizer: { symbols: ['a'] },
    labels: ['x', 'y'],
    model: { cell: 'rnn' },
  },
};

async function zipped(options: Parameters<typeof saveBundle>[2] = {}): Promise<Uint8Array> {
  let out: Uint8Array | undefined;
  await saveBundle(
    bundle,
    zipSaveHandler((zip) => void (out = zip)),
    options,
  );
  if (out === undefined) throw new Error('no zip');
  return out;
}

describe('zipped bundles', () => {
  it('hold model.json and weights.bin, and load back to the same bundle', async () => {
    tf.setBackend('cpu');
    const zip = await zipped();
    const entries = unzipSync(zip);
    expect(Object.keys(entries).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(new TextDecoder().decode(entries['model.json'])) as Record<string, unknown>;
    expect(json['weightsManifest']).toEqual([{ paths: ['weights.bin'], weights: bundle.weightSpecs }]);
    expect(json['format']).toBe('layers-model');
    const loaded = await loadBundle(zipLoadHandler(zip));
    expect(loaded.metadata).toEqual(bundle.metadata);
    expect(Array.from(new Float32Array(loaded.weightData))).toEqual(Array.from(kernel));
  });

  it('read a zip of a bundle folder, and quantized weights', async () => {
    tf.setBackend('cpu');
    const inner = unzipSync(await zipped({ weightStorage: 'float16' }));
    const folder = zipSync({
      'run/model.json': inner['model.json']!,
      'run/weights.bin': inner['weights.bin']!,
    });
    const loaded = await loadBundle(zipLoadHandler(folder, 'run.zip'));
    expect(new Float32Array(loaded.weightData)[1]).toBe(-1.25);
  });

  it('name the zip and the entry when something is wrong', async () => {
    await expect(loadBundle(zipLoadHandler(strToU8('not a zip'), 'x.zip'))).rejects.toThrow(
      /^x\.zip: not a readable zip file/,
    );
    await expect(loadBundle(zipLoadHandler(zipSync({ 'a.txt': strToU8('hi') }), 'x.zip'))).rejects.toThrow(
      'x.zip: holds no model.json (entries: "a.txt")',
    );
    const inner = unzipSync(await zipped());
    await expect(
      loadBundle(zipLoadHandler(zipSync({ 'model.json': inner['model.json']! }), 'x.zip')),
    ).rejects.toThrow(
      'x.zip field weightsManifest[0].paths: weights file "weights.bin" listed in model.json is not in the zip',
    );
    await expect(
      loadBundle(zipLoadHandler(zipSync({ 'model.json': strToU8('{"a":') }), 'x.zip')),
    ).rejects.toThrow(/x\.zip\/model\.json: malformed JSON/);
  });
});

import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as TfLayers from '@tensorflow/tfjs-layers';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BUNDLE_FORMAT_VERSION, loadBundle, saveBundle } from './bundle.js';
import type { ModelBundle } from './bundle.js';
import { InvalidBundleError, IoError } from './errors.js';
import { fileSystemHandler, writeFileAtomic } from './node.js';

let dir: string;
beforeAll(async () => {
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'charrnn-core-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function makeBundle(): ModelBundle {
  const values = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i + 1) * 1e3);
  return {
    modelTopology: { class_name: 'Sequential', config: { name: 'charrnn', layers: [] } },
    weightSpecs: [
      { name: 'w', shape: [3, 3], dtype: 'float32' },
      { name: 'b', shape: [3], dtype: 'float32' },
    ],
    weightData: values.buffer,
    metadata: {
      formatVersion: BUNDLE_FORMAT_VERSION,
      createdAt: '2024-05-01T12:00:00.000Z',
      tokenizer: { format: 'charrnn-tokenizer', version: 1, normalization: 'unicode', symbols: ['ž', '😀'] },
      labels: ['Czech', 'Emoji'],
      model: { cell: 'rnn', hiddenSize: 3 },
      training: { seed: 7 },
    },
  };
}

describe('writeFileAtomic', () => {
  it('writes text and bytes, replaces existing files and leaves no temp files', async () => {
    const path = join(dir, 'a.json');
    await writeFileAtomic(path, '{"x":"é"}');
    expect(await readFile(path, 'utf8')).toBe('{"x":"é"}');
    await writeFileAtomic(path, Uint8Array.from([0, 255, 7]));
    expect(Array.from(await readFile(path))).toEqual([0, 255, 7]);
    expect(await readdir(dir)).toEqual(['a.json']);
  });

  it('fails with IoError naming the file and removes its temp file', async () => {
    const target = join(dir, 'occupied');
    await mkdir(join(target, 'child'), { recursive: true }); // rename over a non-empty directory fails
    const error = await writeFileAtomic(target, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IoError);
    expect((error as IoError).file).toBe(target);
    expect((error as Error).message).toMatch(
      new RegExp(`^${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot write file: `),
    );
    expect(await readdir(dir)).toEqual(['occupied']);
    await expect(writeFileAtomic(join(dir, 'missing', 'x.json'), 'x')).rejects.toBeInstanceOf(IoError);
  });
});

describe('fileSystemHandler', () => {
  it('writes Layers-format model.json + weights.bin, creating the directory', async () => {
    const out = join(dir, 'runs', 'best');
    const bundle = makeBundle();
    const result = await saveBundle(bundle, fileSystemHandler(out));
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(48);
    expect((await readdir(out)).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(await readFile(join(out, 'model.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual([
      'convertedBy',
      'format',
      'generatedBy',
      'modelTopology',
      'userDefinedMetadata',
      'weightsManifest',
    ]);
    expect(json['format']).toBe('layers-model');
    expect(json['convertedBy']).toBeNull();
    expect(json['weightsManifest']).toEqual([{ paths: ['weights.bin'], weights: bundle.weightSpecs }]);
    expect(json['userDefinedMetadata']).toEqual({ charrnn: bundle.metadata });
    expect(new Uint8Array(await readFile(join(out, 'weights.bin')))).toEqual(
      new Uint8Array(bundle.weightData),
    );
  });

  it('round-trips: byte-identical weights, equal metadata', async () => {
    const bundle = makeBundle();
    await saveBundle(bundle, fileSystemHandler(dir));
    const loaded = await loadBundle(fileSystemHandler(dir));
    expect(new Uint8Array(loaded.weightData)).toEqual(new Uint8Array(bundle.weightData));
    expect(loaded.weightSpecs).toEqual(bundle.weightSpecs);
    expect(loaded.modelTopology).toEqual(bundle.modelTopology);
    expect(loaded.metadata).toEqual(bundle.metadata);
  });

  it('reports a missing directory or file by name', async () => {
    const missing = join(dir, 'nope');
    await expect(loadBundle(fileSystemHandler(missing))).rejects.toThrow(
      new InvalidBundleError('file not found', { file: join(missing, 'model.json') }),
    );
    await saveBundle(makeBundle(), fileSystemHandler(dir));
    await rm(join(dir, 'weights.bin'));
    const error = await loadBundle(fileSystemHandler(dir)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidBundleError);
    expect((error as Error).message).toBe(`${join(dir, 'weights.bin')}: file not found`);
  });

  it('reports malformed model.json', async () => {
    await saveBundle(makeBundle(), fileSystemHandler(dir));
    await writeFile(join(dir, 'model.json'), '{"modelTopology": {');
    const error = await loadBundle(fileSystemHandler(dir)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidBundleError);
    expect((error as InvalidBundleError).file).toBe(join(dir, 'model.json'));
    expect((error as Error).message).toMatch(/model\.json: malformed JSON: /);
  });

  it('reports a weights file whose size differs from the manifest', async () => {
    await saveBundle(makeBundle(), fileSystemHandler(dir));
    await writeFile(join(dir, 'weights.bin'), new Uint8Array(44));
    await expect(loadBundle(fileSystemHandler(dir))).rejects.toThrow(
      `${join(dir, 'weights.bin')}: weights file has 44 bytes but the manifest describes 48`,
    );
  });

  it('validates the manifest and refuses paths outside the directory', async () => {
    const write = (json: unknown) => writeFile(join(dir, 'model.json'), JSON.stringify(json));
    const modelTopology = { class_name: 'Sequential' };
    await write({ modelTopology, weightsManifest: 'x' });
    await expect(loadBundle(fileSystemHandler(dir))).rejects.toThrow(
      'model.json field weightsManifest: weightsManifest must be an array',
    );
    await write({ weightsManifest: [] });
    await expect(loadBundle(fileSystemHandler(dir))).rejects.toThrow(
      'model.json field modelTopology: modelTopology is missing or not a JSON object',
    );
    await write({ modelTopology, weightsManifest: [{ paths: ['../secret.bin'], weights: [] }] });
    await expect(loadBundle(fileSystemHandler(dir))).rejects.toThrow(
      'model.json field weightsManifest[0].paths: weights path "../secret.bin" leaves the model directory',
    );
    await write({
      modelTopology,
      weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'w', shape: [2], dtype: 'bool' }] }],
    });
    await expect(loadBundle(fileSystemHandler(dir))).rejects.toThrow(
      'model.json field weightsManifest[0].weights[0].dtype: unsupported dtype "bool" (expected float32 or int32)',
    );
    await write([1]);
    await expect(loadBundle(fileSystemHandler(dir))).rejects.toThrow('model.json: expected a JSON object');
  });

  it('joins several manifest groups and shards in order', async () => {
    const a = Float32Array.from([1, 2]);
    const b = Int32Array.from([3, 4, 5]);
    await writeFile(join(dir, 'a.bin'), new Uint8Array(a.buffer));
    await writeFile(join(dir, 'b1.bin'), new Uint8Array(b.buffer, 0, 4));
    await writeFile(join(dir, 'b2.bin'), new Uint8Array(b.buffer, 4, 8));
    const weightsManifest = [
      { paths: ['a.bin'], weights: [{ name: 'a', shape: [2], dtype: 'float32' }] },
      { paths: ['b1.bin', 'b2.bin'], weights: [{ name: 'b', shape: [3], dtype: 'int32' }] },
    ];
    await writeFile(join(dir, 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest }));
    const artifacts = await fileSystemHandler(dir).load?.();
    expect(artifacts?.weightSpecs?.map((s) => s.name)).toEqual(['a', 'b']);
    const data = artifacts?.weightData as ArrayBuffer;
    expect(Array.from(new Float32Array(data, 0, 2))).toEqual([1, 2]);
    expect(Array.from(new Int32Array(data, 8, 3))).toEqual([3, 4, 5]);
  });

  it('is loadable by tfjs-layers (same model.json shape as its own file handler)', async (ctx) => {
    let layers: typeof TfLayers;
    try {
      layers = await import('@tensorflow/tfjs-layers');
    } catch {
      ctx.skip('@tensorflow/tfjs-layers is not installed');
      return;
    }
    const model = layers.sequential({
      layers: [layers.layers.dense({ units: 2, inputShape: [3], kernelInitializer: 'glorotUniform' })],
    });
    model.setUserDefinedMetadata({ note: 'interop' });
    const x = tf.tensor2d([[0.1, -0.2, 0.3]]);
    const before = (model.predict(x) as tf.Tensor).dataSync();
    await model.save(fileSystemHandler(dir));
    const reloaded = await layers.loadLayersModel(fileSystemHandler(dir));
    const after = (reloaded.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(after)).toEqual(Array.from(before));
    expect(reloaded.getUserDefinedMetadata()).toEqual({ note: 'interop' });
    model.dispose();
    reloaded.dispose();
    x.dispose();
  });
});

import '@tensorflow/tfjs-backend-cpu';
import {
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  symlink,
  truncate,
  writeFile,
  mkdir,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as TfLayers from '@tensorflow/tfjs-layers';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BUNDLE_FORMAT_VERSION, loadBundle, saveBundle } from './bundle.js';
import type { ModelBundle } from './bundle.js';
import { InvalidBundleError, IoError } from './errors.js';
import { fileSystemHandler, weightsFileName, writeFileAtomic } from './node.js';

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

/** Name of the weights file a save of `bundle` writes (content-addressed). */
function weightsFileOf(bundle: ModelBundle): string {
  return weightsFileName(new Uint8Array(bundle.weightData));
}

function makeBundle(): ModelBundle {
  const values = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i + 1) * 1e3);
  return {
    modelTopology: {
      class_name: 'Sequential',
      config: {
        name: 'charrnn',
        layers: [
          { class_name: 'Dense', config: { name: 'w' } },
          { class_name: 'Dense', config: { name: 'b' } },
        ],
      },
    },
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
  it('writes Layers-format model.json + weights.<hash>.bin, creating the directory', async () => {
    const out = join(dir, 'runs', 'best');
    const bundle = makeBundle();
    const weightsFile = weightsFileOf(bundle);
    expect(weightsFile).toMatch(/^weights\.[0-9a-f]{16}\.bin$/);
    const result = await saveBundle(bundle, fileSystemHandler(out));
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(48);
    expect((await readdir(out)).sort()).toEqual(['model.json', weightsFile]);
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
    expect(json['weightsManifest']).toEqual([{ paths: [weightsFile], weights: bundle.weightSpecs }]);
    expect(json['userDefinedMetadata']).toEqual({ charrnn: bundle.metadata });
    expect(new Uint8Array(await readFile(join(out, weightsFile)))).toEqual(new Uint8Array(bundle.weightData));
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
    const weightsFile = weightsFileOf(makeBundle());
    await rm(join(dir, weightsFile));
    const error = await loadBundle(fileSystemHandler(dir)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidBundleError);
    expect((error as Error).message).toBe(`${join(dir, weightsFile)}: file not found`);
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
    const weightsFile = weightsFileOf(makeBundle());
    await writeFile(join(dir, weightsFile), new Uint8Array(44));
    await expect(loadBundle(fileSystemHandler(dir))).rejects.toThrow(
      `${join(dir, weightsFile)}: weights file has 44 bytes but the manifest describes 48`,
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

  it('resolves real paths: a weights file or folder that is a symlink out of the bundle is refused', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'charrnn-outside-'));
    try {
      const bundle = makeBundle();
      await saveBundle(bundle, fileSystemHandler(dir));
      const weightsFile = weightsFileOf(bundle);
      // The same bytes outside, reached through a symlink named like the weights file.
      await rename(join(dir, weightsFile), join(outside, weightsFile));
      await symlink(join(outside, weightsFile), join(dir, weightsFile));
      await expect(loadBundle(fileSystemHandler(dir))).rejects.toThrow(
        `model.json field weightsManifest[0].paths: "${weightsFile}" resolves to ${join(await realpath(outside), weightsFile)}, outside the model directory`,
      );
      // A folder symlink: weights/<file> where weights -> outside.
      await rm(join(dir, weightsFile));
      await symlink(outside, join(dir, 'weights'));
      const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as {
        weightsManifest: { paths: string[] }[];
      };
      json.weightsManifest[0]!.paths = [`weights/${weightsFile}`];
      await writeFile(join(dir, 'model.json'), JSON.stringify(json));
      await expect(loadBundle(fileSystemHandler(dir))).rejects.toThrow('outside the model directory');
      // model.json itself may not point out either...
      await rm(join(dir, 'weights'));
      await rename(join(dir, 'model.json'), join(outside, 'model.json'));
      await symlink(join(outside, 'model.json'), join(dir, 'model.json'));
      await expect(loadBundle(fileSystemHandler(dir))).rejects.toThrow(
        'model.json field model.json: "model.json" resolves to',
      );
      // ...but the bundle directory may be a symlink (runs/latest -> runs/2026-...).
      const real = join(outside, 'bundle');
      await saveBundle(bundle, fileSystemHandler(real));
      await symlink(real, join(dir, 'latest'));
      const loaded = await loadBundle(fileSystemHandler(join(dir, 'latest')));
      expect(new Uint8Array(loaded.weightData)).toEqual(new Uint8Array(bundle.weightData));
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('reads only the manifest groups holding weights the topology uses', async () => {
    const bundle = makeBundle();
    await saveBundle(bundle, fileSystemHandler(dir));
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as {
      weightsManifest: { paths: string[]; weights: unknown[] }[];
    };
    // A 2 GiB sparse file listed for a weight no layer uses: never opened, never allocated.
    await writeFile(join(dir, 'junk.bin'), '');
    await truncate(join(dir, 'junk.bin'), 2 ** 31);
    json.weightsManifest.push({
      paths: ['junk.bin'],
      weights: [{ name: 'unused/kernel', shape: [2 ** 29], dtype: 'float32' }],
    });
    // And one listing a file that is not even there.
    json.weightsManifest.push({
      paths: ['missing.bin'],
      weights: [{ name: 'also_unused', shape: [4], dtype: 'float32' }],
    });
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    const rssBefore = process.memoryUsage().rss;
    const loaded = await loadBundle(fileSystemHandler(dir));
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 1024 * 1024);
    expect(loaded.weightSpecs.map((w) => w.name)).toEqual(['w', 'b']);
    expect(new Uint8Array(loaded.weightData)).toEqual(new Uint8Array(bundle.weightData));
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

  it('deletes replaced weights and temp files of killed saves, and nothing else', async () => {
    const first = makeBundle();
    await saveBundle(first, fileSystemHandler(dir));
    const junk = [
      '.model.json.0123456789ab.tmp',
      `.${weightsFileOf(first)}.abcdefabcdef.tmp`,
      '.weights.bin.00000000ffff.tmp',
    ];
    const foreign = ['.metrics.json.0123456789ab.tmp', 'notes.txt', 'weights.backup.bin'];
    for (const name of [...junk, ...foreign]) await writeFile(join(dir, name), 'x');
    // Leftovers never disturb a load.
    expect((await loadBundle(fileSystemHandler(dir))).metadata).toEqual(first.metadata);
    const second = { ...makeBundle(), weightData: new Float32Array(12).fill(2).buffer };
    await saveBundle(second, fileSystemHandler(dir));
    expect((await readdir(dir)).sort()).toEqual(['model.json', weightsFileOf(second), ...foreign].sort());
    const loaded = await loadBundle(fileSystemHandler(dir));
    expect(Array.from(new Float32Array(loaded.weightData))).toEqual(new Array(12).fill(2));
  });

  it('keeps one weights file when the same weights are saved again', async () => {
    const bundle = makeBundle();
    await saveBundle(bundle, fileSystemHandler(dir));
    await saveBundle(
      { ...bundle, metadata: { ...bundle.metadata, labels: ['x', 'y'] } },
      fileSystemHandler(dir),
    );
    expect((await readdir(dir)).sort()).toEqual(['model.json', weightsFileOf(bundle)]);
    expect((await loadBundle(fileSystemHandler(dir))).metadata.labels).toEqual(['x', 'y']);
  });

  it('reads a bundle with the legacy weights.bin, and the next save replaces it', async () => {
    const bundle = makeBundle();
    await writeFile(join(dir, 'weights.bin'), new Uint8Array(bundle.weightData));
    await writeFile(
      join(dir, 'model.json'),
      JSON.stringify({
        modelTopology: bundle.modelTopology,
        format: 'layers-model',
        weightsManifest: [{ paths: ['weights.bin'], weights: bundle.weightSpecs }],
        userDefinedMetadata: { charrnn: bundle.metadata },
      }),
    );
    const loaded = await loadBundle(fileSystemHandler(dir));
    expect(new Uint8Array(loaded.weightData)).toEqual(new Uint8Array(bundle.weightData));
    await saveBundle(loaded, fileSystemHandler(dir));
    expect((await readdir(dir)).sort()).toEqual(['model.json', weightsFileOf(bundle)]);
  });

  it('names model.json in validation errors of loadBundle, and exposes dir and path', async () => {
    const handler = fileSystemHandler(dir);
    expect([handler.dir, handler.path]).toEqual([dir, join(dir, 'model.json')]);
    const bundle = makeBundle();
    await saveBundle({ ...bundle, metadata: { ...bundle.metadata } }, handler);
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as {
      userDefinedMetadata: { charrnn: { labels: unknown } };
    };
    json.userDefinedMetadata.charrnn.labels = [];
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    await expect(loadBundle(handler)).rejects.toThrow(
      `${join(dir, 'model.json')} field userDefinedMetadata.charrnn.labels: labels must be a non-empty array of strings`,
    );
  });

  it('detects a weights file whose content does not match its name', async () => {
    const bundle = makeBundle();
    await saveBundle(bundle, fileSystemHandler(dir));
    const path = join(dir, weightsFileOf(bundle));
    const bytes = await readFile(path);
    bytes[5] = (bytes[5] ?? 0) ^ 1; // one flipped bit, same size
    await writeFile(path, bytes);
    await expect(loadBundle(fileSystemHandler(dir))).rejects.toThrow(
      new InvalidBundleError('content does not match the hash in its name (corrupt file)', { file: path }),
    );
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

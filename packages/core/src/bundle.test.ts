import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BUNDLE_FORMAT_VERSION, loadBundle, saveBundle } from './bundle.js';
import type { BundleMetadata, ModelBundle } from './bundle.js';
import { InvalidBundleError, IoError } from './errors.js';
import { CORE_VERSION } from './version.js';

/** Two weights: kernel [2,3] float32 (24 bytes) + counts [2] int32 (8 bytes) = 32 bytes. */
function makeBundle(): ModelBundle {
  const kernel = Float32Array.from([0.5, -1.25, 3, 4e-8, -0, 1e30]);
  const counts = Int32Array.from([7, -2147483648]);
  const weightData = new Uint8Array(32);
  weightData.set(new Uint8Array(kernel.buffer), 0);
  weightData.set(new Uint8Array(counts.buffer), 24);
  const metadata: BundleMetadata = {
    formatVersion: BUNDLE_FORMAT_VERSION,
    createdAt: '2024-05-01T12:00:00.000Z',
    tokenizer: { format: 'charrnn-tokenizer', version: 1, normalization: 'ascii-fold', symbols: ['a', 'b'] },
    labels: ['English', 'French'],
    model: { cell: 'rnn', hiddenSize: 3 },
    metrics: { accuracy: 0.5 },
  };
  return {
    modelTopology: { class_name: 'Sequential', config: { name: 'charrnn', layers: [] } },
    weightSpecs: [
      { name: 'dense/kernel', shape: [2, 3], dtype: 'float32' },
      { name: 'counts', shape: [2], dtype: 'int32' },
    ],
    weightData: weightData.buffer,
    metadata,
  };
}

async function saveToMemory(bundle: ModelBundle): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await saveBundle(
    bundle,
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  if (saved === undefined) throw new Error('save handler was not called');
  return saved;
}

/** Loads `artifacts` after `edit` and returns the error thrown. */
async function loadError(edit: (a: tf.io.ModelArtifacts) => void): Promise<unknown> {
  const artifacts = await saveToMemory(makeBundle());
  const copy: tf.io.ModelArtifacts = {
    ...artifacts,
    userDefinedMetadata: structuredClone(artifacts.userDefinedMetadata),
  };
  edit(copy);
  return loadBundle(tf.io.fromMemory(copy)).then(
    () => undefined,
    (error: unknown) => error,
  );
}

function charrnnMeta(a: tf.io.ModelArtifacts): Record<string, unknown> {
  return a.userDefinedMetadata?.['charrnn'] as Record<string, unknown>;
}

describe('saveBundle', () => {
  it('hands the handler standard Layers-format artifacts with metadata under userDefinedMetadata.charrnn', async () => {
    const bundle = makeBundle();
    const artifacts = await saveToMemory(bundle);
    expect(artifacts.format).toBe('layers-model');
    expect(artifacts.generatedBy).toBe(`charrnn ${CORE_VERSION}`);
    expect(artifacts.modelTopology).toEqual(bundle.modelTopology);
    expect(artifacts.weightSpecs).toEqual(bundle.weightSpecs);
    expect(artifacts.userDefinedMetadata).toEqual({ charrnn: bundle.metadata });
  });

  it('returns the handler result', async () => {
    const result = await saveBundle(
      makeBundle(),
      tf.io.withSaveHandler(async () => ({
        modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON', weightDataBytes: 32 },
      })),
    );
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(32);
  });

  it('refuses an inconsistent bundle before calling the handler', async () => {
    const bundle = { ...makeBundle(), weightData: new ArrayBuffer(31) };
    let called = false;
    const handler = tf.io.withSaveHandler(async (a) => {
      called = true;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    });
    await expect(saveBundle(bundle, handler)).rejects.toThrow(
      'field weightData: weightData has 31 bytes but weightSpecs describe 32',
    );
    expect(called).toBe(false);
    await expect(saveBundle(makeBundle(), {})).rejects.toThrow(
      'field handler: IO handler has no save method',
    );
  });
});

describe('loadBundle', () => {
  it('round-trips through tf.io.fromMemory byte for byte', async () => {
    const bundle = makeBundle();
    const loaded = await loadBundle(tf.io.fromMemory(await saveToMemory(bundle)));
    expect(loaded.modelTopology).toEqual(bundle.modelTopology);
    expect(loaded.weightSpecs).toEqual(bundle.weightSpecs);
    expect(loaded.metadata).toEqual(bundle.metadata);
    expect(new Uint8Array(loaded.weightData)).toEqual(new Uint8Array(bundle.weightData));
    const kernel = new Float32Array(loaded.weightData, 0, 6);
    expect(Array.from(kernel)).toEqual(Array.from(Float32Array.from([0.5, -1.25, 3, 4e-8, -0, 1e30])));
    expect(Array.from(new Int32Array(loaded.weightData, 24, 2))).toEqual([7, -2147483648]);
  });

  it('joins weightData shards (tfjs 4.x WeightData = ArrayBuffer | ArrayBuffer[])', async () => {
    const bundle = makeBundle();
    const artifacts = await saveToMemory(bundle);
    const bytes = new Uint8Array(bundle.weightData);
    artifacts.weightData = [bytes.slice(0, 5).buffer, bytes.slice(5, 5).buffer, bytes.slice(5).buffer];
    const loaded = await loadBundle(tf.io.fromMemory(artifacts));
    expect(loaded.weightData.byteLength).toBe(32);
    expect(new Uint8Array(loaded.weightData)).toEqual(bytes);
  });

  it('accepts empty weights', async () => {
    const bundle = { ...makeBundle(), weightSpecs: [], weightData: new ArrayBuffer(0) };
    const loaded = await loadBundle(tf.io.fromMemory(await saveToMemory(bundle)));
    expect(loaded.weightData.byteLength).toBe(0);
  });

  const cases: [string, (a: tf.io.ModelArtifacts) => void, string][] = [
    [
      'missing modelTopology',
      (a) => delete a.modelTopology,
      'field modelTopology: modelTopology is missing or not a JSON object',
    ],
    [
      'binary modelTopology',
      (a) => (a.modelTopology = new ArrayBuffer(4)),
      'field modelTopology: modelTopology is missing or not a JSON object',
    ],
    [
      'graph-model format',
      (a) => (a.format = 'graph-model'),
      'field format: format must be "layers-model", got "graph-model"',
    ],
    [
      'weightSpecs not an array',
      (a) => (a.weightSpecs = {} as never),
      'field weightSpecs: weightSpecs must be an array',
    ],
    [
      'bad dtype',
      (a) => ((a.weightSpecs as { dtype: string }[])[1]!.dtype = 'string'),
      'field weightSpecs[1].dtype: unsupported dtype "string" (expected float32 or int32)',
    ],
    [
      'bad shape',
      (a) => ((a.weightSpecs as { shape: unknown }[])[0]!.shape = [2, -3]),
      'field weightSpecs[0].shape: shape must be an array of non-negative integers, got [2,-3]',
    ],
    [
      'absurd shape',
      (a) => ((a.weightSpecs as { shape: unknown }[])[0]!.shape = [1e9, 1e9, 1e9]),
      'field weightSpecs[0].shape: shape [1000000000,1000000000,1000000000] is implausibly large',
    ],
    [
      'duplicate weight',
      (a) => ((a.weightSpecs as { name: string }[])[1]!.name = 'dense/kernel'),
      'field weightSpecs[1].name: duplicate weight name "dense/kernel"',
    ],
    [
      'quantized weight',
      (a) => ((a.weightSpecs as { quantization?: unknown }[])[0]!.quantization = { dtype: 'uint8' }),
      'field weightSpecs[0].quantization: quantized weights are not supported',
    ],
    ['missing weightData', (a) => delete a.weightData, 'field weightData: weightData is missing'],
    [
      'weightData of wrong type',
      (a) => (a.weightData = new Uint8Array(32) as never),
      'field weightData: weightData must be an ArrayBuffer or an array of ArrayBuffers',
    ],
    [
      'short weightData',
      (a) => (a.weightData = new ArrayBuffer(28)),
      'field weightData: weightData has 28 bytes but weightSpecs describe 32',
    ],
    [
      'missing metadata',
      (a) => delete a.userDefinedMetadata,
      'field userDefinedMetadata.charrnn: charrnn metadata is missing (not a charrnn bundle?)',
    ],
    [
      'future formatVersion',
      (a) => (charrnnMeta(a)['formatVersion'] = 2),
      'field userDefinedMetadata.charrnn.formatVersion: unsupported formatVersion 2 (this @charrnn/core reads 1)',
    ],
    [
      'bad createdAt',
      (a) => (charrnnMeta(a)['createdAt'] = 'yesterday'),
      'field userDefinedMetadata.charrnn.createdAt: createdAt must be an ISO 8601 date string',
    ],
    [
      'missing tokenizer',
      (a) => delete charrnnMeta(a)['tokenizer'],
      'field userDefinedMetadata.charrnn.tokenizer: tokenizer is missing',
    ],
    [
      'labels not strings',
      (a) => (charrnnMeta(a)['labels'] = ['a', 3]),
      'field userDefinedMetadata.charrnn.labels: labels must be a non-empty array of strings',
    ],
    [
      'duplicate labels',
      (a) => (charrnnMeta(a)['labels'] = ['a', 'a']),
      'field userDefinedMetadata.charrnn.labels: labels must be unique',
    ],
    [
      'a label with an escape sequence (it would reach terminals)',
      (a) => (charrnnMeta(a)['labels'] = ['a', '\u001b[2Jb']),
      'field userDefinedMetadata.charrnn.labels[1]: control character U+001B in label 2 ("\\u001b[2Jb")',
    ],
    [
      'a label with a tab (it would split a TSV row)',
      (a) => (charrnnMeta(a)['labels'] = ['a\tb', 'c']),
      'field userDefinedMetadata.charrnn.labels[0]: control character U+0009 in label 1 ("a\\tb")',
    ],
    [
      'a label with a line separator',
      (a) => (charrnnMeta(a)['labels'] = ['a', 'b\u2028c']),
      'field userDefinedMetadata.charrnn.labels[1]: control character U+2028 in label 2 ("b\\u2028c")',
    ],
    [
      'an empty label',
      (a) => (charrnnMeta(a)['labels'] = ['', 'c']),
      'field userDefinedMetadata.charrnn.labels[0]: empty label in label 1 ("")',
    ],
    [
      'model not an object',
      (a) => (charrnnMeta(a)['model'] = 'rnn'),
      'field userDefinedMetadata.charrnn.model: model must be an object',
    ],
    [
      'metrics not an object',
      (a) => (charrnnMeta(a)['metrics'] = [1]),
      'field userDefinedMetadata.charrnn.metrics: metrics must be an object when present',
    ],
  ];
  it.each(cases)('rejects %s with InvalidBundleError naming the field', async (_name, edit, message) => {
    const error = await loadError(edit);
    expect(error).toBeInstanceOf(InvalidBundleError);
    expect((error as Error).message).toBe(message);
    expect((error as InvalidBundleError).code).toBe('INVALID_BUNDLE');
  });

  it('wraps handler failures in IoError and passes charrnn errors through', async () => {
    const failing: tf.io.IOHandler = { load: () => Promise.reject(new Error('HTTP 404')) };
    await expect(loadBundle(failing)).rejects.toBeInstanceOf(IoError);
    await expect(loadBundle(failing)).rejects.toThrow('loading the model failed: HTTP 404');
    const typed: tf.io.IOHandler = {
      load: () => Promise.reject(new InvalidBundleError('missing file', { file: 'x/model.json' })),
    };
    await expect(loadBundle(typed)).rejects.toThrow('x/model.json: missing file');
    await expect(loadBundle({})).rejects.toThrow('field handler: IO handler has no load method');
  });
});

// Property-based tests of fileSystemHandler(dir).load() on directories of garbage: every case loads
// or throws an InvalidBundleError naming the file (inside the directory); nothing crashes.
import '@tensorflow/tfjs-backend-cpu';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_FORMAT_VERSION, loadBundle, saveBundle } from './bundle.js';
import type { ModelBundle } from './bundle.js';
import { InvalidBundleError } from './errors.js';
import { fileSystemHandler, weightsFileName } from './node.js';
import { fcParams, Outcomes } from '../../../test-utils/fuzz.js';

let root: string;
beforeAll(async () => {
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'charrnn-core-fuzz-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const bundle: ModelBundle = {
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
    { name: 'w', shape: [2, 3], dtype: 'float32' },
    { name: 'b', shape: [3], dtype: 'int32' },
  ],
  weightData: Float32Array.from({ length: 9 }, (_, i) => i / 7).buffer,
  metadata: {
    formatVersion: BUNDLE_FORMAT_VERSION,
    createdAt: '2024-05-01T12:00:00.000Z',
    tokenizer: { format: 'charrnn-tokenizer', version: 1, normalization: 'unicode', symbols: ['a'] },
    labels: ['A', 'B'],
    model: { cell: 'rnn' },
  },
};
const weightBytes = new Uint8Array(bundle.weightData);
const WEIGHTS = weightsFileName(weightBytes);
let validModelJson: Record<string, unknown>;
beforeAll(async () => {
  const dir = join(root, 'valid');
  await saveBundle(bundle, fileSystemHandler(dir));
  validModelJson = JSON.parse(
    await import('node:fs/promises').then((fs) => fs.readFile(join(dir, 'model.json'), 'utf8')),
  ) as Record<string, unknown>;
});

const M = ['userDefinedMetadata', 'charrnn'];
const MODEL_PATHS: (string | number)[][] = [
  ['modelTopology'],
  ['format'],
  ['weightsManifest'],
  ['weightsManifest', 0],
  ['weightsManifest', 1],
  ['weightsManifest', 0, 'paths'],
  ['weightsManifest', 0, 'paths', 0],
  ['weightsManifest', 0, 'paths', 1],
  ['weightsManifest', 0, 'weights'],
  ['weightsManifest', 0, 'weights', 0],
  ['weightsManifest', 0, 'weights', 0, 'shape'],
  ['weightsManifest', 0, 'weights', 0, 'shape', 0],
  ['weightsManifest', 0, 'weights', 1, 'dtype'],
  ['weightsManifest', 0, 'weights', 1, 'name'],
  ['userDefinedMetadata'],
  M,
  [...M, 'formatVersion'],
  [...M, 'labels'],
  [...M, 'createdAt'],
  [...M, 'model'],
];

/** JSON values that stress the loader: wrong types, odd paths, huge dims. */
const jsonish: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom<unknown>(
    WEIGHTS,
    'weights.bin',
    '../escape.bin',
    '/etc/hostname',
    '.',
    '..',
    'sub/',
    'a\u0000b',
    '',
    'model.json',
    'x'.repeat(300),
    `weights.${'0'.repeat(16)}.bin`,
    [WEIGHTS, WEIGHTS],
    [],
    [1e9, 1e9],
    [-1],
    1e300,
    -1,
    0,
    2,
    'float16',
    'constructor',
    null,
  ),
);

type Edit = { path: (string | number)[]; value?: unknown; remove: boolean };
const edit: fc.Arbitrary<Edit> = fc.record({
  path: fc.constantFrom(...MODEL_PATHS),
  value: jsonish,
  remove: fc.boolean(),
});

function edited(edits: readonly Edit[]): unknown {
  const json = structuredClone(validModelJson);
  for (const { path, value, remove } of edits) {
    let node: unknown = json;
    for (const key of path.slice(0, -1)) node = (node as Record<string | number, unknown> | null)?.[key];
    if (typeof node !== 'object' || node === null) continue;
    const key = String(path[path.length - 1]);
    if (remove) delete (node as Record<string, unknown>)[key];
    else (node as Record<string, unknown>)[key] = value;
  }
  return json;
}

/** What model.json is: absent, a directory, or some bytes. */
type Content = { kind: 'absent' } | { kind: 'directory' } | { kind: 'bytes'; bytes: Uint8Array };
const bytes = (b: Uint8Array | string): Content => ({
  kind: 'bytes',
  bytes: typeof b === 'string' ? new TextEncoder().encode(b) : b,
});

const modelJson: fc.Arbitrary<Content> = fc.oneof(
  { arbitrary: fc.constant<Content>({ kind: 'absent' }), weight: 1 },
  { arbitrary: fc.constant<Content>({ kind: 'directory' }), weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 300 }).map(bytes), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map(bytes), weight: 1 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => bytes(JSON.stringify(v) ?? '')), weight: 2 },
  { arbitrary: fc.constant(0).map(() => bytes(JSON.stringify(validModelJson))), weight: 2 },
  {
    arbitrary: fc.array(edit, { minLength: 1, maxLength: 3 }).map((e) => bytes(JSON.stringify(edited(e)))),
    weight: 6,
  },
  {
    arbitrary: fc.nat().map((n) => {
      const text = JSON.stringify(validModelJson);
      return bytes(text.slice(0, n % text.length));
    }),
    weight: 2,
  },
);

const weights: fc.Arbitrary<Content> = fc.oneof(
  fc.constant<Content>({ kind: 'absent' }),
  fc.constant<Content>({ kind: 'directory' }),
  fc.constant(bytes(weightBytes)),
  fc.constant(bytes(weightBytes)),
  fc.integer({ min: 0, max: weightBytes.length - 1 }).map((n) => bytes(weightBytes.slice(0, n))),
  fc
    .uint8Array({ minLength: 1, maxLength: 8 })
    .map((extra) => bytes(new Uint8Array([...weightBytes, ...extra]))),
  fc.uint8Array({ minLength: weightBytes.length, maxLength: weightBytes.length }).map(bytes), // hash mismatch
  fc.uint8Array({ maxLength: 64 }).map(bytes),
);

async function put(path: string, content: Content): Promise<void> {
  if (content.kind === 'directory') await mkdir(path, { recursive: true });
  else if (content.kind === 'bytes') await writeFile(path, content.bytes);
}

let caseNo = 0;
async function makeDir(model: Content, weight: Content, legacy: Content, junk: boolean): Promise<string> {
  const dir = join(root, `case-${++caseNo}`);
  await mkdir(dir);
  await put(join(dir, 'model.json'), model);
  await put(join(dir, WEIGHTS), weight);
  await put(join(dir, 'weights.bin'), legacy);
  if (junk) {
    await writeFile(join(dir, '.model.json.0123456789ab.tmp'), '{"modelTopology":');
    await writeFile(join(dir, `.${WEIGHTS}.0123456789ab.tmp`), new Uint8Array(3));
  }
  return dir;
}

function expectNamesAFileIn(dir: string, error: unknown): void {
  expect(error).toBeInstanceOf(InvalidBundleError);
  const file = (error as InvalidBundleError).file;
  expect(file).toBeDefined();
  expect(file?.startsWith(dir)).toBe(true);
  expect((error as Error).message.startsWith(`${file}`)).toBe(true);
}

describe('fileSystemHandler(dir).load() on generated directories', () => {
  it('loads or throws InvalidBundleError naming the file, never a crash', async () => {
    const handlerOutcomes = new Outcomes('fileSystemHandler(dir).load() on garbage directories');
    const bundleOutcomes = new Outcomes('loadBundle(fileSystemHandler(dir)) on garbage directories');
    await fc.assert(
      fc.asyncProperty(
        modelJson,
        weights,
        fc.oneof(fc.constant<Content>({ kind: 'absent' }), weights),
        fc.boolean(),
        async (model, weight, legacy, junk) => {
          const dir = await makeDir(model, weight, legacy, junk);
          try {
            const artifacts = await handlerOutcomes.settle(() => fileSystemHandler(dir).load());
            if ('error' in artifacts) expectNamesAFileIn(dir, artifacts.error);
            const result = await bundleOutcomes.settle(() => loadBundle(fileSystemHandler(dir)));
            if ('error' in result) expectNamesAFileIn(dir, result.error);
            const loaded = 'value' in result ? result.value : undefined;
            const pristine =
              model.kind === 'bytes' &&
              new TextDecoder().decode(model.bytes) === JSON.stringify(validModelJson) &&
              weight.kind === 'bytes' &&
              Buffer.from(weight.bytes).equals(weightBytes);
            if (pristine) {
              // Leftover temp files and a stray weights.bin change nothing.
              expect(loaded?.metadata).toEqual(bundle.metadata);
              expect(new Uint8Array(loaded?.weightData ?? new ArrayBuffer(0))).toEqual(weightBytes);
            }
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
        },
      ),
      fcParams(),
    );
    handlerOutcomes.report();
    bundleOutcomes.report();
    expect(bundleOutcomes.ok).toBeGreaterThan(0);
  });

  it('explains each kind of damage, naming the file', async () => {
    const check = async (model: Content, weight: Content, message: string) => {
      const dir = await makeDir(model, weight, { kind: 'absent' }, true);
      await expect(loadBundle(fileSystemHandler(dir))).rejects.toThrow(message.replaceAll('<dir>', dir));
    };
    const valid = bytes(JSON.stringify(validModelJson));
    const good = bytes(weightBytes);
    await check({ kind: 'absent' }, good, '<dir>/model.json: file not found');
    await check({ kind: 'directory' }, good, '<dir>/model.json: not a regular file');
    await check(bytes('{"modelTopology": {'), good, '<dir>/model.json: malformed JSON: ');
    await check(bytes(new Uint8Array([0xff, 0, 0x89])), good, '<dir>/model.json: malformed JSON: ');
    await check(valid, { kind: 'absent' }, `<dir>/${WEIGHTS}: file not found`);
    await check(valid, { kind: 'directory' }, `<dir>/${WEIGHTS}: not a regular file`);
    await check(
      valid,
      bytes(weightBytes.slice(0, 7)),
      `<dir>/${WEIGHTS}: weights file has 7 bytes but the manifest describes 36`,
    );
    await check(
      valid,
      bytes(new Uint8Array(40)),
      `<dir>/${WEIGHTS}: weights file has 40 bytes but the manifest describes 36`,
    );
    await check(
      valid,
      bytes(new Uint8Array(36)),
      `<dir>/${WEIGHTS}: content does not match the hash in its name (corrupt file)`,
    );
    await check(
      bytes(JSON.stringify(edited([{ path: [...M, 'formatVersion'], value: 2, remove: false }]))),
      good,
      '<dir>/model.json field userDefinedMetadata.charrnn.formatVersion: unsupported formatVersion 2 (this @charrnn/core reads 1)',
    );
    await check(
      bytes(
        JSON.stringify(
          edited([{ path: ['weightsManifest', 0, 'paths', 0], value: 'a\u0000b', remove: false }]),
        ),
      ),
      good,
      '<dir>/model.json field weightsManifest[0].paths: paths must be an array of file names',
    );
    await check(
      bytes(
        JSON.stringify(
          edited([{ path: ['weightsManifest', 0, 'weights', 0, 'shape'], value: [1e9, 1e9], remove: false }]),
        ),
      ),
      good,
      '<dir>/model.json field weightsManifest[0].weights[0].shape: shape [1000000000,1000000000] is implausibly large',
    );
  });

  it('refuses an oversized model.json without reading it', async () => {
    const dir = join(root, 'huge');
    await mkdir(dir);
    const { open } = await import('node:fs/promises');
    const handle = await open(join(dir, 'model.json'), 'w');
    await handle.truncate(65 * 1024 * 1024); // sparse: no disk used, nothing to read
    await handle.close();
    const before = process.memoryUsage().arrayBuffers;
    await expect(fileSystemHandler(dir).load()).rejects.toThrow(
      `${join(dir, 'model.json')}: file is 68157440 bytes, over the 67108864-byte limit of a model.json`,
    );
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
  });

  it('checks weights sizes before reading them (a sparse 1.5 GB weights file is not read)', async () => {
    const dir = join(root, 'big-weights');
    await saveBundle(bundle, fileSystemHandler(dir));
    const { open } = await import('node:fs/promises');
    const handle = await open(join(dir, WEIGHTS), 'r+');
    await handle.truncate(1.5 * 1024 ** 3);
    await handle.close();
    const started = performance.now();
    await expect(fileSystemHandler(dir).load()).rejects.toThrow(
      `${join(dir, WEIGHTS)}: weights file has 1610612736 bytes but the manifest describes 36`,
    );
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

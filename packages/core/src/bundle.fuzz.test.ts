// Property-based tests of loadBundle on arbitrary and mutated artifacts: every case loads or throws
// an InvalidBundleError naming the field; nothing crashes and nothing large is allocated.
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BUNDLE_FORMAT_VERSION, loadBundle } from './bundle.js';
import type { ModelBundle } from './bundle.js';
import { InvalidBundleError } from './errors.js';
import { fcParams, Outcomes } from '../../../test-utils/fuzz.js';

/** A valid bundle's artifacts: kernel [2,3] float32 + counts [2] int32 = 32 bytes. */
function validArtifacts(): tf.io.ModelArtifacts {
  const data = new Uint8Array(32);
  data.set(new Uint8Array(Float32Array.from([0.5, -1.25, 3, 4e-8, -0, 1e30]).buffer), 0);
  data.set(new Uint8Array(Int32Array.from([7, -2147483648]).buffer), 24);
  return {
    modelTopology: { class_name: 'Sequential', config: { name: 'charrnn', layers: [] } },
    format: 'layers-model',
    generatedBy: 'charrnn 0.0.0',
    convertedBy: null,
    weightSpecs: [
      { name: 'dense/kernel', shape: [2, 3], dtype: 'float32' },
      { name: 'counts', shape: [2], dtype: 'int32' },
    ],
    weightData: data.buffer,
    userDefinedMetadata: {
      charrnn: {
        formatVersion: BUNDLE_FORMAT_VERSION,
        createdAt: '2024-05-01T12:00:00.000Z',
        tokenizer: { format: 'charrnn-tokenizer', version: 1, normalization: 'unicode', symbols: ['a'] },
        labels: ['English', 'French'],
        model: { cell: 'rnn', hiddenSize: 3 },
        metrics: { accuracy: 0.5 },
      },
    },
  };
}

/** Any handler that hands back `value` as its artifacts, like `tf.io.fromMemory`. */
function memoryHandler(value: unknown): tf.io.IOHandler {
  return { load: async () => value as tf.io.ModelArtifacts };
}

/** Values that break naive validation: wrong types, special numbers, prototype keys, buffers. */
const weird: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({
    withBigInt: true,
    withNullPrototype: true,
    withTypedArray: true,
    withSparseArray: true,
    withBoxedValues: true,
    withMap: true,
    withSet: true,
    withDate: true,
    withObjectString: true,
    maxDepth: 3,
  }),
  fc.constantFrom<unknown>(
    NaN,
    Infinity,
    -Infinity,
    -1,
    0,
    -0,
    1.5,
    1e9,
    2 ** 31,
    2 ** 53,
    1n,
    '1',
    '',
    null,
    undefined,
    true,
    [],
    {},
    'float16',
    'bool',
    'string',
    'complex64',
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    [1e9, 1e9],
    [2 ** 31],
    [-1],
    [NaN],
    [Infinity],
    [0.5],
    ['3'],
    [3n],
  ),
  fc.integer({ min: 0, max: 64 }).map((n) => new ArrayBuffer(n)),
  fc.integer({ min: 0, max: 64 }).map((n) => new Uint8Array(n)),
);

/** Paths (in the artifacts) a mutation may delete or overwrite. */
const META = ['userDefinedMetadata', 'charrnn'];
const PATHS: (string | number)[][] = [
  ['modelTopology'],
  ['format'],
  ['weightSpecs'],
  ['weightData'],
  ['userDefinedMetadata'],
  META,
  ...['formatVersion', 'createdAt', 'tokenizer', 'labels', 'model', 'training', 'metrics'].map((k) => [
    ...META,
    k,
  ]),
  [...META, 'labels', 0],
  [...META, 'labels', 5],
  ['weightSpecs', 0],
  ['weightSpecs', 1],
  ['weightSpecs', 2],
  ...[0, 1].flatMap((i) =>
    ['name', 'shape', 'dtype', 'quantization'].map((k): (string | number)[] => ['weightSpecs', i, k]),
  ),
  ['weightSpecs', 0, 'shape', 0],
  ['weightSpecs', 0, 'shape', 1],
  ['weightSpecs', 1, 'shape', 0],
];

const dim = fc.oneof(
  fc.integer({ min: -2, max: 12 }),
  fc.constantFrom<unknown>(1e9, 2 ** 31, 2 ** 53, 2 ** 53 + 2, 1e300, NaN, Infinity, -0, 0.5, '2', null, 2n),
);

type Mutation =
  | { kind: 'delete'; path: (string | number)[] }
  | { kind: 'set'; path: (string | number)[]; value: unknown }
  | { kind: 'shape'; index: number; shape: unknown[] }
  | { kind: 'resize'; bytes: number }
  | { kind: 'shards'; cuts: number[] }
  | { kind: 'duplicateSpec' };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), path: fc.constantFrom(...PATHS) }),
  fc.record({ kind: fc.constant('set' as const), path: fc.constantFrom(...PATHS), value: weird }),
  fc.record({
    kind: fc.constant('shape' as const),
    index: fc.integer({ min: 0, max: 1 }),
    shape: fc.array(dim, { maxLength: 5 }),
  }),
  fc.record({ kind: fc.constant('resize' as const), bytes: fc.integer({ min: 0, max: 80 }) }),
  fc.record({
    kind: fc.constant('shards' as const),
    cuts: fc.array(fc.integer({ min: 0, max: 32 }), { maxLength: 4 }),
  }),
  fc.record({ kind: fc.constant('duplicateSpec' as const) }),
);

function parentOf(root: unknown, path: readonly (string | number)[]): Record<string, unknown> | undefined {
  let node = root;
  for (const key of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return typeof node === 'object' && node !== null ? (node as Record<string, unknown>) : undefined;
}

function apply(artifacts: tf.io.ModelArtifacts, m: Mutation): void {
  const specs = artifacts.weightSpecs as unknown;
  switch (m.kind) {
    case 'delete':
    case 'set': {
      const parent = parentOf(artifacts, m.path);
      const key = String(m.path[m.path.length - 1]);
      if (parent === undefined) return;
      try {
        if (m.kind === 'delete') delete parent[key];
        else parent[key] = m.value;
      } catch {
        // Not applicable (an element of a typed array, a frozen object): leave it.
      }
      return;
    }
    case 'shape': {
      const spec = Array.isArray(specs) ? (specs[m.index] as unknown) : undefined;
      if (typeof spec === 'object' && spec !== null) (spec as Record<string, unknown>)['shape'] = m.shape;
      return;
    }
    case 'resize': {
      if (!(artifacts.weightData instanceof ArrayBuffer)) return;
      const resized = new Uint8Array(m.bytes);
      resized.set(new Uint8Array(artifacts.weightData).subarray(0, m.bytes));
      artifacts.weightData = resized.buffer;
      return;
    }
    case 'shards': {
      if (!(artifacts.weightData instanceof ArrayBuffer)) return;
      const bytes = new Uint8Array(artifacts.weightData);
      const cuts = [0, ...m.cuts.map((c) => Math.min(c, bytes.length)).sort((a, b) => a - b), bytes.length];
      artifacts.weightData = cuts.slice(1).map((end, i) => bytes.slice(cuts[i], end).buffer);
      return;
    }
    case 'duplicateSpec': {
      if (Array.isArray(specs) && specs.length > 0) specs.push(structuredClone(specs[0]));
      return;
    }
  }
}

/** Bytes described by valid specs, or undefined when they are not valid. */
function describedBytes(specs: unknown): number | undefined {
  if (!Array.isArray(specs)) return undefined;
  let total = 0;
  for (const spec of specs as { shape: number[]; dtype: string }[])
    total += 4 * spec.shape.reduce((a, b) => a * b, 1);
  return total;
}

/** The invariants of a bundle that loaded. */
function checkLoaded(bundle: ModelBundle): void {
  expect(bundle.weightData).toBeInstanceOf(ArrayBuffer);
  expect(bundle.weightData.byteLength).toBe(describedBytes(bundle.weightSpecs));
  for (const spec of bundle.weightSpecs) {
    expect(['float32', 'int32']).toContain(spec.dtype);
    expect(spec.shape.every((d) => Number.isSafeInteger(d) && d >= 0)).toBe(true);
  }
  expect(new Set(bundle.weightSpecs.map((s) => s.name)).size).toBe(bundle.weightSpecs.length);
  expect(bundle.metadata.formatVersion).toBe(BUNDLE_FORMAT_VERSION);
  expect(bundle.metadata.labels.length).toBeGreaterThan(0);
  expect(new Set(bundle.metadata.labels).size).toBe(bundle.metadata.labels.length);
  // A label that loaded can be printed and written as a TSV or CSV field as it is.
  for (const label of bundle.metadata.labels) expect(label).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
  expect(typeof bundle.modelTopology).toBe('object');
}

/** Loads `value` and records the outcome; an error must be an InvalidBundleError naming a field. */
async function loadAndCheck(outcomes: Outcomes, value: unknown): Promise<void> {
  try {
    checkLoaded(await loadBundle(memoryHandler(value)));
    outcomes.record();
  } catch (error) {
    outcomes.record(error); // rethrows anything that is not a typed error
    expect(error).toBeInstanceOf(InvalidBundleError);
    const e = error as InvalidBundleError;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      expect(e.field).toBeDefined();
      expect(e.message).toContain(`field ${e.field}: `);
    }
  }
}

describe('loadBundle on generated artifacts', () => {
  it('arbitrary values as artifacts: InvalidBundleError, never a crash', async () => {
    const outcomes = new Outcomes('loadBundle(arbitrary value)');
    await fc.assert(
      fc.asyncProperty(weird, (value) => loadAndCheck(outcomes, value)),
      fcParams(),
    );
    outcomes.report();
    expect(outcomes.ok).toBe(0);
  });

  it('artifacts with arbitrary fields: loads or names the field', async () => {
    const outcomes = new Outcomes('loadBundle(record of arbitrary fields)');
    const valid = validArtifacts();
    const field = <T>(arb: fc.Arbitrary<T>, good: unknown) => fc.oneof(arb, fc.constant(good));
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            modelTopology: field(weird, valid.modelTopology),
            format: field(weird, 'layers-model'),
            weightSpecs: field(weird, valid.weightSpecs),
            weightData: field(weird, valid.weightData),
            userDefinedMetadata: field(weird, valid.userDefinedMetadata),
          },
          { requiredKeys: [] },
        ),
        (value) => loadAndCheck(outcomes, value),
      ),
      fcParams(),
    );
    outcomes.report();
  });

  it('mutated valid artifacts: loads consistently or names the field, without allocating', async () => {
    const outcomes = new Outcomes('loadBundle(mutated valid artifacts)');
    const before = process.memoryUsage().arrayBuffers;
    let peak = before;
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (mutations) => {
        const artifacts = validArtifacts();
        for (const m of mutations) apply(artifacts, m);
        await loadAndCheck(outcomes, artifacts);
        peak = Math.max(peak, process.memoryUsage().arrayBuffers);
      }),
      fcParams(),
    );
    outcomes.report();
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.total - outcomes.ok).toBeGreaterThan(0);
    // Shapes like [1e9, 1e9] or [2 ** 31] are refused from the numbers alone.
    expect(peak - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('tf.io.fromMemory handlers of mutated artifacts behave the same', async () => {
    const outcomes = new Outcomes('loadBundle(tf.io.fromMemory(mutated))');
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const artifacts = validArtifacts();
        for (const m of mutations) apply(artifacts, m);
        if (artifacts.modelTopology == null && artifacts.weightSpecs == null) return; // fromMemory's other overload
        const direct = await loadBundle(memoryHandler(artifacts)).then(
          () => 'ok',
          (e: unknown) => (e as Error).message,
        );
        const viaTf = await outcomes.runAsync(() => loadBundle(tf.io.fromMemory(artifacts)));
        expect(viaTf === undefined ? direct !== 'ok' : direct === 'ok').toBe(true);
      }),
      fcParams(),
    );
    outcomes.report();
  });

  it('absurd declared shapes fail fast, naming the field', async () => {
    const cases: [unknown[], string][] = [
      [[1e9, 1e9], 'field weightSpecs[0].shape: shape [1000000000,1000000000] is implausibly large'],
      [[2 ** 29, 2], 'field weightSpecs[0].shape: shape [536870912,2] is implausibly large'],
      [
        [2 ** 40, 2 ** 40],
        'field weightSpecs[0].shape: shape [1099511627776,1099511627776] is implausibly large',
      ],
      [
        [2 ** 53],
        'field weightSpecs[0].shape: shape must be an array of non-negative integers, got [9007199254740992]',
      ],
      [[1.5], 'field weightSpecs[0].shape: shape must be an array of non-negative integers, got [1.5]'],
      [[NaN], 'field weightSpecs[0].shape: shape must be an array of non-negative integers, got [NaN]'],
      [[-1], 'field weightSpecs[0].shape: shape must be an array of non-negative integers, got [-1]'],
      [[2n], 'field weightSpecs[0].shape: shape must be an array of non-negative integers, got [2n]'],
      [[1e9], 'field weightSpecs[0].shape: shape [1000000000] is implausibly large'],
      [[5e8], 'field weightData: weightData has 32 bytes but weightSpecs describe 2000000008'],
    ];
    for (const [shape, message] of cases) {
      const artifacts = validArtifacts();
      (artifacts.weightSpecs as { shape: unknown }[])[0]!.shape = shape;
      const started = performance.now();
      await expect(loadBundle(memoryHandler(artifacts))).rejects.toThrow(message);
      expect(performance.now() - started).toBeLessThan(50);
    }
  });

  it('labels with control characters (ESC, OSC 8, BEL, CR, tab, newline, C1): refused naming the label, never loaded', async () => {
    const outcomes = new Outcomes('loadBundle(labels with control characters)');
    const control = fc.constantFrom(
      '\u001b[2J',
      '\u001b]8;;https://x\u0007',
      '\u0007',
      '\r',
      '\n',
      '\t',
      '\u0000',
      '\u009b',
      '\u007f',
      '\u2028',
    );
    const piece = fc.oneof(fc.string({ maxLength: 6 }), control);
    const label = fc.array(piece, { minLength: 1, maxLength: 4 }).map((parts) => parts.join(''));
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(label, { minLength: 1, maxLength: 5 }), async (labels) => {
        const artifacts = validArtifacts();
        (artifacts.userDefinedMetadata as { charrnn: { labels: unknown } }).charrnn.labels = labels;
        const bad = labels.findIndex((l) => l === '' || l.trim() !== l || /[\p{Cc}\u2028\u2029]/u.test(l));
        try {
          checkLoaded(await loadBundle(memoryHandler(artifacts)));
          outcomes.record();
          expect(bad).toBe(-1);
        } catch (error) {
          outcomes.record(error);
          expect(error).toBeInstanceOf(InvalidBundleError);
          expect((error as InvalidBundleError).field).toBe(`userDefinedMetadata.charrnn.labels[${bad}]`);
          expect((error as Error).message).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
        }
      }),
      fcParams(),
    );
    outcomes.report();
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.typed.get('InvalidBundleError') ?? 0).toBeGreaterThan(0);
  });

  it('prototype-named dtypes are unsupported dtypes, not crashes', async () => {
    for (const dtype of ['constructor', '__proto__', 'toString']) {
      const artifacts = validArtifacts();
      (artifacts.weightSpecs as { dtype: unknown }[])[1]!.dtype = dtype;
      await expect(loadBundle(memoryHandler(artifacts))).rejects.toThrow(
        `field weightSpecs[1].dtype: unsupported dtype "${dtype}" (expected float32 or int32)`,
      );
    }
    const artifacts = validArtifacts();
    (artifacts.userDefinedMetadata as { charrnn: { formatVersion: unknown } }).charrnn.formatVersion = 1n;
    await expect(loadBundle(memoryHandler(artifacts))).rejects.toThrow(
      'field userDefinedMetadata.charrnn.formatVersion: unsupported formatVersion 1n (this @charrnn/core reads 1)',
    );
  });
});

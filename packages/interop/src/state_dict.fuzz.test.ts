// Property-based tests of the state-dict readers: damaged `.pt` archives (bytes of the zip, or of
// the pickle inside it) and damaged or generated `.safetensors` files. Every case reads a
// consistent state dict or throws InvalidBundleError naming the file and the field.
import fc from 'fast-check';
import { InvalidBundleError } from '@charrnn/core';
import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { fcParams, Outcomes } from '../../../test-utils/fuzz.js';
import { readStateDict } from './read_state_dict.js';
import { readSafetensors } from './safetensors.js';
import type { StateDict } from './state_dict.js';
import { fixtureBytes } from './test-utils/fixtures.js';

/** One way to damage a byte string. */
type Damage =
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; length: number };

const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 9 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 9 }) }),
);

function damaged(bytes: Uint8Array, damages: readonly Damage[]): Uint8Array {
  let out = bytes.slice();
  for (const d of damages) {
    const at = out.length === 0 ? 0 : d.at % out.length;
    if (d.kind === 'flip') out[at] = d.value;
    else if (d.kind === 'truncate') out = out.slice(0, at);
    else if (d.kind === 'insert')
      out = Uint8Array.from([...out.subarray(0, at), ...d.bytes, ...out.subarray(at)]);
    else out = Uint8Array.from([...out.subarray(0, at), ...out.subarray(at + d.length)]);
  }
  return out;
}

/** A read either succeeds with a consistent state dict or fails naming the file and field. */
function check(outcomes: Outcomes, file: string, read: () => StateDict): void {
  let tensors: StateDict;
  try {
    tensors = read();
  } catch (error) {
    outcomes.record(error);
    expect(error).toBeInstanceOf(InvalidBundleError);
    expect((error as InvalidBundleError).file).toBe(file);
    expect((error as InvalidBundleError).field).toBeTruthy();
    return;
  }
  outcomes.record();
  for (const t of tensors.values()) expect(t.values.length).toBe(t.shape.reduce((n, d) => n * d, 1));
}

const PT = fixtureBytes('rnn.pt');
const PT_ENTRIES = unzipSync(PT);
const SAFETENSORS = fixtureBytes('rnn.safetensors');
const LIMITS = { maxTensorElements: 1 << 20 };

describe('state-dict readers on damaged inputs', () => {
  it('.pt: damaged zip bytes read or throw InvalidBundleError naming file and field', () => {
    const outcomes = new Outcomes('readStateDict(damaged .pt bytes)');
    fc.assert(
      fc.property(fc.array(damage, { minLength: 1, maxLength: 4 }), (damages) => {
        check(outcomes, 'rnn.pt', () => readStateDict(damaged(PT, damages), 'rnn.pt', LIMITS).tensors);
      }),
      fcParams(),
    );
    outcomes.report();
    expect(outcomes.total).toBe(fcParams().numRuns);
  });

  it('.pt: a damaged pickle (or storage) in an intact zip reads or throws InvalidBundleError', () => {
    const outcomes = new Outcomes('readStateDict(.pt with a damaged data.pkl)');
    const names = Object.keys(PT_ENTRIES);
    fc.assert(
      fc.property(
        fc.array(damage, { minLength: 1, maxLength: 4 }),
        fc.constantFrom(...names.filter((n) => n.endsWith('data.pkl')), ...names),
        (damages, target) => {
          const entries = { ...PT_ENTRIES, [target]: damaged(PT_ENTRIES[target] as Uint8Array, damages) };
          check(
            outcomes,
            'rnn.pt',
            () => readStateDict(zipSync(entries, { level: 0 }), 'rnn.pt', LIMITS).tensors,
          );
        },
      ),
      fcParams(),
    );
    outcomes.report();
    expect(outcomes.ok).toBeGreaterThan(0);
  });

  it('.safetensors: damaged bytes read or throw InvalidBundleError naming file and field', () => {
    const outcomes = new Outcomes('readStateDict(damaged .safetensors)');
    fc.assert(
      fc.property(fc.array(damage, { minLength: 1, maxLength: 4 }), (damages) => {
        check(
          outcomes,
          'rnn.safetensors',
          () => readStateDict(damaged(SAFETENSORS, damages), 'rnn.safetensors', LIMITS).tensors,
        );
      }),
      fcParams(),
    );
    outcomes.report();
    expect(outcomes.total).toBe(fcParams().numRuns);
  });

  it('.safetensors: generated headers (huge shapes, odd dtypes, any offsets) never allocate or crash', () => {
    const outcomes = new Outcomes('readSafetensors(generated headers)');
    const dim = fc.oneof(
      fc.integer({ min: 0, max: 4 }),
      fc.constantFrom(-1, 1.5, 2 ** 40, 100_000, '3', null),
    );
    const entry = fc.record({
      dtype: fc.constantFrom('F32', 'F16', 'BF16', 'I64', 'U8', 'BOOL', 'F8_E5M2', 'f32', '__proto__', 7),
      shape: fc.oneof(fc.array(dim, { maxLength: 9 }), fc.constant('x')),
      data_offsets: fc.oneof(
        fc.tuple(fc.integer({ min: -1, max: 64 }), fc.integer({ min: -1, max: 64 })),
        fc.constant([0, 10_000_000_000]),
        fc.constant(null),
      ),
    });
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.oneof(fc.string({ maxLength: 4 }), fc.constant('__metadata__')),
          fc.oneof(entry, fc.anything()),
          {
            maxKeys: 4,
          },
        ),
        fc.uint8Array({ maxLength: 64 }),
        (header, data) => {
          const json = new TextEncoder().encode(JSON.stringify(header));
          const bytes = new Uint8Array(8 + json.length + data.length);
          new DataView(bytes.buffer).setUint32(0, json.length, true);
          bytes.set(json, 8);
          bytes.set(data, 8 + json.length);
          check(outcomes, 'gen.safetensors', () => readSafetensors(bytes, 'gen.safetensors').tensors);
        },
      ),
      fcParams(),
    );
    outcomes.report();
    expect(outcomes.total).toBe(fcParams().numRuns);
  });
});

describe('importLayersModel on damaged model.json artifacts', () => {
  it('damaged topology JSON or weights import or throw a typed error naming the file', async () => {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    await tf.setBackend('cpu');
    tf.env().set('IS_TEST', true);
    const { CharClassifier } = await import('@charrnn/layers');
    const { Rng } = await import('@charrnn/core');
    const { importLayersModel } = await import('./import_layers.js');
    const { tutorialVocabulary } = await import('./torch_vocabulary.js');
    const model = CharClassifier.create(
      { cell: 'lstm', vocabSize: 59, embedDim: 3, hiddenSize: 2, numClasses: 3, bidirectional: 'concat' },
      new Rng(1),
    );
    const artifacts = model.toArtifacts();
    model.dispose();
    const json = new TextEncoder().encode(
      JSON.stringify({ modelTopology: artifacts.modelTopology, weightSpecs: artifacts.weightSpecs }),
    );
    const weights = new Uint8Array(artifacts.weightData);
    const outcomes = new Outcomes('importLayersModel(damaged model.json / weights)');
    fc.assert(
      fc.property(fc.array(damage, { minLength: 1, maxLength: 3 }), fc.boolean(), (damages, inJson) => {
        let parsed: { modelTopology: unknown; weightSpecs: unknown };
        try {
          parsed = JSON.parse(
            new TextDecoder().decode(inJson ? damaged(json, damages) : json),
          ) as typeof parsed;
        } catch {
          outcomes.record(); // not JSON: a loader refuses it before the importer sees it
          return;
        }
        const data = inJson ? weights : damaged(weights, damages);
        try {
          const imported = importLayersModel(
            {
              modelTopology: parsed?.modelTopology as object,
              weightSpecs: parsed?.weightSpecs as never,
              weightData: data.slice().buffer,
            },
            { vocabulary: tutorialVocabulary, file: 'm/model.json' },
          );
          imported.model.dispose();
          outcomes.record();
        } catch (error) {
          outcomes.record(error);
          expect(error).toBeInstanceOf(InvalidBundleError);
          expect((error as InvalidBundleError).file).toBe('m/model.json');
          expect((error as InvalidBundleError).field).toBeTruthy();
        }
      }),
      fcParams(),
    );
    outcomes.report();
    expect(outcomes.ok).toBeGreaterThan(0);
  });
});

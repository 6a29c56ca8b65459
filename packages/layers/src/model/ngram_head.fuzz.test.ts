// Property runs: whatever a bundle holds as an n-gram head, loading it either works or fails
// with InvalidBundleError naming the field; a head that loads scores any ids without crashing.
import fc from 'fast-check';
import { InvalidBundleError } from '@charrnn/core';
import { describe, expect, it } from 'vitest';
import { NgramHead, type NgramHeadJSON } from './ngram_head.js';
import { fcParams, Outcomes } from '../../../../test-utils/fuzz.js';

/** Our typed error, naming a field under `ngram` (anything else counts as a crash). */
const isBundleError = (error: unknown): error is Error =>
  error instanceof InvalidBundleError && /^field ngram(\.|:)/.test(error.message);

const valid: NgramHeadJSON = {
  minN: 1,
  maxN: 3,
  numClasses: 2,
  rnnScale: 0.5,
  grams: ['0', '5', '5.7', '0.5.7'],
};

/** A valid head, or one with a field replaced by an arbitrary value, or a gram mutated, or fields dropped. */
const mutated: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(valid),
  fc
    .tuple(fc.constantFrom('minN', 'maxN', 'numClasses', 'rnnScale', 'grams'), fc.anything({ maxDepth: 2 }))
    .map(([key, value]) => ({ ...valid, [key]: value })),
  fc
    .tuple(fc.nat(3), fc.oneof(fc.string(), fc.stringMatching(/^\d{1,3}(\.\d{1,3}){0,4}$/)))
    .map(([i, gram]) => ({
      ...valid,
      grams: valid.grams.map((g, j) => (j === i ? gram : g)),
    })),
  fc
    .subarray(Object.keys(valid))
    .map((keys) => Object.fromEntries(keys.map((k) => [k, valid[k as keyof NgramHeadJSON]]))),
  fc.anything({ maxDepth: 3 }),
);

describe('NgramHead.fromJSON (fuzz)', () => {
  it('loads a head or throws InvalidBundleError naming the field; a loaded head scores any ids', () => {
    const outcomes = new Outcomes('ngram head JSON', isBundleError);
    fc.assert(
      fc.property(
        mutated,
        fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: fc.nat(12), weight: 1 }),
        fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: fc.nat(3), weight: 1 }),
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 12 }),
        (json, kernelLength, biasLength, ids) => {
          // Mostly the sizes the JSON asks for (null), sometimes arbitrary ones.
          const asked = json as Partial<NgramHeadJSON> | null;
          const classes = typeof asked?.numClasses === 'number' ? asked.numClasses : 2;
          const grams = Array.isArray(asked?.grams) ? asked.grams.length : 0;
          const size = (n: number): number => (Number.isSafeInteger(n) && n >= 0 && n < 1e6 ? n : 0);
          const kernel = new Float32Array(kernelLength ?? size(grams * classes));
          const bias = new Float32Array(biasLength ?? size(classes));
          const head = outcomes.run(() => NgramHead.fromJSON(json, { kernel, bias }, 'ngram'));
          if (head === undefined) return;
          const scores = head.scores(Int32Array.from(ids), Int32Array.of(ids.length), 1, ids.length);
          expect(scores).toHaveLength(head.numClasses);
          expect(scores.every(Number.isFinite)).toBe(true);
        },
      ),
      fcParams(),
    );
    // The generators reach both outcomes.
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.typed.get('InvalidBundleError') ?? 0).toBeGreaterThan(0);
    outcomes.report();
  });
});

// Property-based tests: Tokenizer.fromJSON on arbitrary values, the maxLength truncation policy,
// decode on arbitrary ids. Every case succeeds or throws InvalidArgumentError naming the field.
import fc from 'fast-check';
import { InvalidArgumentError } from '@charrnn/core';
import { describe, expect, it } from 'vitest';
import { PAD_ID, UNK_ID } from './alphabet.js';
import { fcParams, Outcomes } from '../../../test-utils/fuzz.js';
import { Tokenizer } from './tokenizer.js';

const weird = fc.anything({
  withBigInt: true,
  withNullPrototype: true,
  withTypedArray: true,
  withSparseArray: true,
  withBoxedValues: true,
  withMap: true,
  withSet: true,
  withDate: true,
  maxDepth: 2,
});

/** Any string: code points of all planes, lone surrogates, controls, combining marks, RTL. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 30 }),
  fc.string({
    unit: fc.constantFrom(
      'a',
      'é',
      'e\u0301',
      '\u0301',
      'ß',
      'Ł',
      '😀',
      '\u202e',
      '\u0000',
      '\ud800',
      'ﬁ',
      'Ω',
      '\u2126',
      'ا',
      '王',
    ),
    maxLength: 30,
  }),
);

/** Mostly the valid value, sometimes anything. */
const mostly = <T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: valid, weight: 4 }, { arbitrary: invalid, weight: 1 });

/** A symbols array that is often valid: distinct single code points, some of them odd. */
const symbols = mostly(
  fc.uniqueArray(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), { minLength: 1, maxLength: 20 }),
  fc.oneof(
    fc.array(fc.string({ unit: 'binary', maxLength: 2 }), { maxLength: 8 }),
    fc.array(weird, { maxLength: 4 }),
    fc.constantFrom<unknown>(
      [],
      ['a', 'a'],
      ['é'],
      ['e\u0301'],
      ['\u2126'],
      ['\u0301'],
      ['😀'],
      ['\ud800'],
      'abc',
    ),
  ),
);

/** Objects shaped like TokenizerJSON, each field valid or not. */
const tokenizerJsonLike = fc.record(
  {
    format: mostly(fc.constant('charrnn-tokenizer'), weird),
    version: mostly(fc.constant(1), fc.oneof(fc.constantFrom<unknown>(2, 0, '1', 1n, 1.5, NaN), weird)),
    normalization: mostly(
      fc.constantFrom('unicode', 'ascii-fold'),
      fc.oneof(fc.constantFrom<unknown>('NFC', ''), weird),
    ),
    symbols,
    maxLength: mostly(
      fc.integer({ min: 1, max: 50 }),
      fc.oneof(fc.constantFrom<unknown>(0, -1, 1.5, NaN, Infinity, 1e300, '4', 4n, null), weird),
    ),
  },
  { requiredKeys: ['format', 'version', 'normalization', 'symbols'] },
);

/** fromJSON: a working tokenizer or an InvalidArgumentError naming the field (when it is an object). */
function check(outcomes: Outcomes, json: unknown, texts: readonly string[]): void {
  let tokenizer: Tokenizer;
  try {
    tokenizer = Tokenizer.fromJSON(json);
  } catch (error) {
    outcomes.record(error);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    const isObject = typeof json === 'object' && json !== null && !Array.isArray(json);
    if (isObject)
      expect((error as InvalidArgumentError).field).toMatch(
        /^(format|version|normalization|symbols(\[\d+\])?|maxLength)$/,
      );
    return;
  }
  outcomes.record();
  // A tokenizer that loads works on any text and serialises back to itself.
  const copy = Tokenizer.fromJSON(JSON.parse(JSON.stringify(tokenizer.toJSON())));
  expect(copy.toJSON()).toEqual(tokenizer.toJSON());
  for (const text of texts) {
    const ids = tokenizer.encode(text);
    for (const id of ids) expect(id >= UNK_ID && id < tokenizer.vocabSize).toBe(true);
    tokenizer.decode(ids);
    expect(Array.from(copy.encode(text))).toEqual(Array.from(ids));
  }
  const batch = tokenizer.encodeBatch([...texts]);
  if (tokenizer.maxLength !== undefined) expect(batch.maxLen).toBeLessThanOrEqual(tokenizer.maxLength);
}

describe('Tokenizer.fromJSON on generated input', () => {
  it('arbitrary JSON values', () => {
    const outcomes = new Outcomes('Tokenizer.fromJSON(fc.jsonValue())');
    fc.assert(
      fc.property(fc.jsonValue(), fc.array(anyText, { maxLength: 3 }), (json, texts) =>
        check(outcomes, json, texts),
      ),
      fcParams(),
    );
    outcomes.report();
  });

  it('arbitrary JavaScript values (BigInt, sparse arrays, Maps, typed arrays...)', () => {
    const outcomes = new Outcomes('Tokenizer.fromJSON(fc.anything())');
    fc.assert(
      fc.property(weird, (json) => check(outcomes, json, ['abc'])),
      fcParams(),
    );
    outcomes.report();
  });

  it('objects shaped like TokenizerJSON with valid and invalid fields', () => {
    const outcomes = new Outcomes('Tokenizer.fromJSON(TokenizerJSON-like)');
    fc.assert(
      fc.property(tokenizerJsonLike, fc.array(anyText, { maxLength: 3 }), (json, texts) =>
        check(outcomes, json, texts),
      ),
      fcParams(),
    );
    outcomes.report();
    expect(outcomes.ok).toBeGreaterThan(0);
  });
});

describe('fromJSON regressions found by the properties', () => {
  it('quotes BigInt, symbol and huge values in errors instead of crashing', () => {
    const valid = { format: 'charrnn-tokenizer', version: 1, normalization: 'unicode', symbols: ['a'] };
    expect(() => Tokenizer.fromJSON({ ...valid, format: 1n })).toThrow(
      new InvalidArgumentError('format must be "charrnn-tokenizer", got 1n', { field: 'format' }),
    );
    expect(() => Tokenizer.fromJSON({ ...valid, version: 1n })).toThrow(
      'field version: unsupported version 1n (expected 1)',
    );
    expect(() => Tokenizer.fromJSON({ ...valid, maxLength: 4n })).toThrow(
      'field maxLength: maxLength must be a positive integer, got 4n',
    );
    expect(() => Tokenizer.fromCorpus(['a'], { minCount: Symbol('x') as unknown as number })).toThrow(
      'field minCount: minCount must be a positive integer, got Symbol(x)',
    );
    const message = (() => {
      try {
        Tokenizer.fromJSON({ ...valid, symbols: ['x'.repeat(1e6)] });
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(message.length).toBeLessThan(200);
  });
});

describe('maxLength truncation policy', () => {
  const unicode = Tokenizer.fromCorpus(['abcdefghij éöñ😀王\u202eا']);

  it('rows keep the first min(length, limit) ids; the option overrides the tokenizer default', () => {
    const outcomes = new Outcomes('encodeBatch(texts, { maxLength }) truncation');
    fc.assert(
      fc.property(
        fc.array(anyText, { maxLength: 6 }),
        fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
        fc.boolean(),
        (texts, defaultLength, option, ascii) => {
          const base = ascii ? Tokenizer.tutorial() : unicode;
          const tokenizer = Tokenizer.fromJSON({ ...base.toJSON(), maxLength: defaultLength });
          const batch = outcomes.run(() =>
            tokenizer.encodeBatch(texts, option === undefined ? {} : { maxLength: option }),
          );
          if (batch === undefined) throw new Error('a valid maxLength was refused');
          const limit = option ?? defaultLength ?? Infinity;
          const rows = texts.map((t) => Array.from(tokenizer.encode(t)).slice(0, limit));
          expect(batch.batchSize).toBe(texts.length);
          expect(batch.maxLen).toBe(Math.max(0, ...rows.map((r) => r.length)));
          expect(batch.maxLen).toBeLessThanOrEqual(limit);
          expect(Array.from(batch.lengths)).toEqual(rows.map((r) => r.length));
          const padded = rows.flatMap((r) => [
            ...r,
            ...new Array<number>(batch.maxLen - r.length).fill(PAD_ID),
          ]);
          expect(Array.from(batch.ids)).toEqual(padded);
        },
      ),
      fcParams(),
    );
    outcomes.report();
  });

  it('invalid maxLength values are refused with InvalidArgumentError naming maxLength', () => {
    const outcomes = new Outcomes('encodeBatch with arbitrary maxLength');
    fc.assert(
      fc.property(weird, (maxLength) => {
        const result = outcomes.run(() =>
          unicode.encodeBatch(['abcdef'], { maxLength: maxLength as number }),
        );
        const valid =
          maxLength === undefined ||
          (typeof maxLength === 'number' && Number.isInteger(maxLength) && maxLength > 0);
        expect(result !== undefined).toBe(valid);
        if (result === undefined) {
          expect(() => unicode.encodeBatch(['a'], { maxLength: maxLength as number })).toThrow(
            /^field maxLength: /,
          );
        }
      }),
      fcParams(),
    );
    outcomes.report();
  });
});

describe('decode on arbitrary ids', () => {
  it('returns text or throws InvalidArgumentError naming the id', () => {
    const tokenizer = Tokenizer.tutorial();
    const outcomes = new Outcomes('decode(arbitrary ids)');
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.integer({ min: -2, max: 62 }), fc.double(), fc.constantFrom(NaN, Infinity, 2 ** 53)),
          {
            maxLength: 10,
          },
        ),
        (ids) => {
          const text = outcomes.run(() => tokenizer.decode(ids));
          const valid = ids.every((id) => Number.isInteger(id) && id >= 0 && id < tokenizer.vocabSize);
          expect(text !== undefined).toBe(valid);
        },
      ),
      fcParams(),
    );
    outcomes.report();
  });
});

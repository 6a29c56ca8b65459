import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@charrnn/core';
import { PAD_ID, TUTORIAL_ALPHABET, UNK_ID } from './alphabet.js';
import { foldToAscii } from './fold_to_ascii.js';
import { Tokenizer } from './tokenizer.js';
import type { TokenizerJSON } from './tokenizer.js';

const tutorial = Tokenizer.tutorial();

describe('Tokenizer.tutorial', () => {
  it('has PAD, UNK, then the alphabet in order', () => {
    expect(PAD_ID).toBe(0);
    expect(UNK_ID).toBe(1);
    expect(tutorial.vocabSize).toBe(59);
    expect(tutorial.normalization).toBe('ascii-fold');
    expect(tutorial.symbols.join('')).toBe(TUTORIAL_ALPHABET);
    expect(Array.from(tutorial.encode("azAZ .,;'"))).toEqual([2, 27, 28, 53, 54, 55, 56, 57, 58]);
  });

  it('folds then encodes: Ślusàrski = Slusarski', () => {
    expect(Array.from(tutorial.encode('Ślusàrski'))).toEqual([46, 13, 22, 20, 2, 19, 20, 12, 10]);
    expect(tutorial.decode(tutorial.encode('Ślusàrski'))).toBe('Slusarski');
    expect(tutorial.normalize("O'Néal")).toBe("O'Neal");
    expect(tutorial.decode(tutorial.encode('Łukasz'))).toBe('ukasz');
    expect(tutorial.encode('王芳').length).toBe(0); // ascii-fold drops, never UNK
  });

  it('decode(encode(x)) === normalize(x) for any text', () => {
    for (const x of ['Müller', 'Zoë Ångström', "D'Angelo, Jr.", 'Ана', '']) {
      expect(tutorial.decode(tutorial.encode(x))).toBe(tutorial.normalize(x));
      expect(tutorial.normalize(x)).toBe(foldToAscii(x));
    }
  });

  it('decode skips PAD, shows UNK as U+FFFD, rejects ids out of range', () => {
    expect(tutorial.decode([28, 0, 3, 1, 0])).toBe('Ab\uFFFD');
    expect(tutorial.decode(new Int32Array(0))).toBe('');
    expect(() => tutorial.decode([2, 59])).toThrow(
      new InvalidArgumentError('ids[1] = 59 is not a token id in [0, 59)', { field: 'ids[1]' }),
    );
    expect(() => tutorial.decode([-1])).toThrow('field ids[0]: ids[0] = -1 is not a token id in [0, 59)');
    expect(() => tutorial.decode([2.5])).toThrow(InvalidArgumentError);
  });
});

describe('Tokenizer.fromCorpus', () => {
  it('collects NFC code points sorted by code point; astral symbols are one symbol', () => {
    const t = Tokenizer.fromCorpus(['Zoe\u0308', 'ba😀', 'Ａ']);
    expect(t.normalization).toBe('unicode');
    // NFC composes e + U+0308 to ë (U+00EB); code point order: Z 5A, a 61, b 62, o 6F, ë EB, Ａ FF21, 😀 1F600
    expect(t.symbols).toEqual(['Z', 'a', 'b', 'o', 'ë', 'Ａ', '😀']);
    expect(t.vocabSize).toBe(9);
    expect(Array.from(t.encode('😀b'))).toEqual([8, 4]);
    expect(Array.from(t.encode('ë'))).toEqual([6]); // e + U+0308 normalizes to ë
    expect(Array.from(t.encode('x😃'))).toEqual([UNK_ID, UNK_ID]);
    expect(t.decode(t.encode('bë😀x'))).toBe('bë😀\uFFFD');
  });

  it('is independent of text order and honours minCount', () => {
    const a = Tokenizer.fromCorpus(['abc', 'cab', 'dd']);
    const b = Tokenizer.fromCorpus(['dd', 'cab', 'abc']);
    expect(a.symbols).toEqual(b.symbols);
    expect(a.symbols).toEqual(['a', 'b', 'c', 'd']);
    expect(Tokenizer.fromCorpus(['abc', 'cab', 'dd', 'e'], { minCount: 2 }).symbols).toEqual([
      'a',
      'b',
      'c',
      'd',
    ]);
    expect(Tokenizer.fromCorpus(new Set(['xy', 'yz']), { minCount: 2 }).symbols).toEqual(['y']);
  });

  it('in ascii-fold mode keeps the tutorial symbols seen', () => {
    const t = Tokenizer.fromCorpus(['Ślusàrski', 'Łu 😀'], { normalization: 'ascii-fold' });
    expect(t.symbols.join('')).toBe(' Saiklrsu'); // code point order: space, uppercase, lowercase
    expect(t.decode(t.encode('Sulzbach'))).toBe('Sula'); // characters outside the vocabulary are dropped
  });

  it('validates its options', () => {
    expect(() => Tokenizer.fromCorpus([])).toThrow(
      'field texts: no symbol occurs at least 1 time(s) in the corpus',
    );
    expect(() => Tokenizer.fromCorpus(['a'], { minCount: 2 })).toThrow(InvalidArgumentError);
    expect(() => Tokenizer.fromCorpus(['a'], { minCount: 0 })).toThrow(
      'field minCount: minCount must be a positive integer, got 0',
    );
    expect(() => Tokenizer.fromCorpus(['a'], { maxLength: -1 })).toThrow(
      'field maxLength: maxLength must be a positive integer, got -1',
    );
    expect(() => Tokenizer.fromCorpus(['a'], { normalization: 'nfkc' as 'unicode' })).toThrow(
      'field normalization:',
    );
  });
});

describe('encodeBatch', () => {
  it('right-pads with PAD and records exact lengths', () => {
    const batch = tutorial.encodeBatch(['Abe', 'Li', '', 'Zoë']);
    expect(batch.batchSize).toBe(4);
    expect(batch.maxLen).toBe(3);
    expect(Array.from(batch.lengths)).toEqual([3, 2, 0, 3]);
    expect(Array.from(batch.ids)).toEqual([28, 3, 6, 39, 10, 0, 0, 0, 0, 53, 16, 6]);
  });

  it('truncates to the first maxLength symbols (option overrides the tokenizer default)', () => {
    const batch = tutorial.encodeBatch(['Abcdef', 'Xy'], { maxLength: 3 });
    expect(batch.maxLen).toBe(3);
    expect(Array.from(batch.lengths)).toEqual([3, 2]);
    expect(Array.from(batch.ids)).toEqual([28, 3, 4, 51, 26, 0]);
    const limited = Tokenizer.fromJSON({ ...tutorial.toJSON(), maxLength: 2 });
    expect(Array.from(limited.encodeBatch(['Abcdef']).ids)).toEqual([28, 3]);
    expect(Array.from(limited.encodeBatch(['Abcdef'], { maxLength: 4 }).ids)).toEqual([28, 3, 4, 5]);
    expect(tutorial.encodeBatch(['Ab'], { maxLength: 10 }).maxLen).toBe(2);
    expect(() => tutorial.encodeBatch(['a'], { maxLength: 0 })).toThrow(
      'field maxLength: maxLength must be a positive integer, got 0',
    );
  });

  it('handles an empty batch', () => {
    expect(tutorial.encodeBatch([])).toEqual({
      ids: new Int32Array(0),
      lengths: new Int32Array(0),
      batchSize: 0,
      maxLen: 0,
    });
  });
});

describe('JSON', () => {
  it('round-trips through JSON.stringify', () => {
    for (const t of [tutorial, Tokenizer.fromCorpus(['ñandú 😀', 'Ωmega'], { maxLength: 12 })]) {
      const json = JSON.parse(JSON.stringify(t)) as TokenizerJSON;
      const copy = Tokenizer.fromJSON(json);
      expect(copy.toJSON()).toEqual(t.toJSON());
      expect(copy.vocabSize).toBe(t.vocabSize);
      expect(Array.from(copy.encode('ñ😀Ωx'))).toEqual(Array.from(t.encode('ñ😀Ωx')));
    }
    expect(tutorial.toJSON()).toEqual({
      format: 'charrnn-tokenizer',
      version: 1,
      normalization: 'ascii-fold',
      symbols: [...TUTORIAL_ALPHABET],
    });
    expect(Tokenizer.fromCorpus(['ab'], { maxLength: 12 }).toJSON().maxLength).toBe(12);
  });

  it('keeps the symbol order given (it defines the ids)', () => {
    const t = Tokenizer.fromJSON({
      format: 'charrnn-tokenizer',
      version: 1,
      normalization: 'unicode',
      symbols: ['z', 'a'],
    });
    expect(Array.from(t.encode('az'))).toEqual([3, 2]);
  });

  const valid = (): Record<string, unknown> => ({
    format: 'charrnn-tokenizer',
    version: 1,
    normalization: 'unicode',
    symbols: ['a', 'b'],
  });
  it.each<[string, Record<string, unknown> | unknown, string]>([
    ['not an object', [1], 'tokenizer JSON must be an object'],
    ['null', null, 'tokenizer JSON must be an object'],
    [
      'wrong format',
      { ...valid(), format: 'bpe' },
      'field format: format must be "charrnn-tokenizer", got "bpe"',
    ],
    ['wrong version', { ...valid(), version: 2 }, 'field version: unsupported version 2 (expected 1)'],
    [
      'missing version',
      { ...valid(), version: undefined },
      'field version: unsupported version undefined (expected 1)',
    ],
    [
      'bad normalization',
      { ...valid(), normalization: 'NFKC' },
      'field normalization: normalization must be "ascii-fold" or "unicode", got "NFKC"',
    ],
    [
      'symbols not an array',
      { ...valid(), symbols: 'ab' },
      'field symbols: symbols must be a non-empty array',
    ],
    ['empty symbols', { ...valid(), symbols: [] }, 'field symbols: symbols must be a non-empty array'],
    ['non-string symbol', { ...valid(), symbols: ['a', 7] }, 'field symbols[1]: symbol must be a string'],
    [
      'multi-character symbol',
      { ...valid(), symbols: ['a', 'ch'] },
      'field symbols[1]: symbol must be exactly one code point, got "ch"',
    ],
    [
      'empty symbol',
      { ...valid(), symbols: [''] },
      'field symbols[0]: symbol must be exactly one code point, got ""',
    ],
    ['duplicate symbol', { ...valid(), symbols: ['a', 'b', 'a'] }, 'field symbols[2]: duplicate symbol "a"'],
    [
      'non-NFC symbol',
      { ...valid(), symbols: ['\u2126'] },
      'field symbols[0]: symbol "\u2126" is not in NFC form',
    ],
    [
      'decomposable ascii-fold symbol',
      { ...valid(), normalization: 'ascii-fold', symbols: ['a', 'é'] },
      'field symbols[1]: symbol "é" cannot survive ascii-fold normalization (it decomposes or is a combining mark)',
    ],
    [
      'bad maxLength',
      { ...valid(), maxLength: 1.5 },
      'field maxLength: maxLength must be a positive integer, got 1.5',
    ],
  ])('fromJSON rejects %s', (_name, json, message) => {
    let error: unknown;
    try {
      Tokenizer.fromJSON(json);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toBe(message);
  });

  it('accepts an astral symbol and an ascii-fold symbol outside the tutorial alphabet', () => {
    expect(Tokenizer.fromJSON({ ...valid(), symbols: ['😀'] }).vocabSize).toBe(3);
    const t = Tokenizer.fromJSON({ ...valid(), normalization: 'ascii-fold', symbols: ['a', '-'] });
    expect(t.decode(t.encode('à-b'))).toBe('a-');
  });
});

describe('properties', () => {
  const anyCodePoints = fc.string({ unit: 'binary', maxLength: 40 });
  const anyUtf16 = fc.string({
    unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    maxLength: 40,
  });
  const unicode = Tokenizer.fromCorpus(['abcdefghijklmnopqrstuvwxyzàéöñ 😀王']);

  it('encode/decode never throw on any string, ids stay in range (full Unicode)', () => {
    fc.assert(
      fc.property(anyCodePoints, (text) => {
        for (const t of [tutorial, unicode]) {
          const ids = t.encode(text);
          for (const id of ids) if (!(id >= 1 && id < t.vocabSize)) return false;
          const decoded = t.decode(ids);
          if (t === tutorial && decoded !== t.normalize(text)) return false;
          if (t === tutorial && decoded !== foldToAscii(text)) return false;
        }
        return true;
      }),
      { numRuns: 2000 },
    );
  });

  it('encode/decode never throw on arbitrary UTF-16 (lone surrogates included)', () => {
    fc.assert(
      fc.property(anyUtf16, (text) => {
        unicode.decode(unicode.encode(text));
        tutorial.decode(tutorial.encode(text));
        unicode.encodeBatch([text, text.slice(1)], { maxLength: 7 });
      }),
      { numRuns: 1000 },
    );
  });

  it('unicode mode: decode(encode(x)) === normalize(x) for vocabulary text', () => {
    const vocab = fc.constantFrom(...unicode.symbols);
    fc.assert(
      fc.property(fc.array(vocab, { maxLength: 30 }), (chars) => {
        const text = chars.join('');
        return unicode.decode(unicode.encode(text)) === unicode.normalize(text);
      }),
      { numRuns: 1000 },
    );
  });

  it('encodeBatch rows equal encode, padded with PAD', () => {
    fc.assert(
      fc.property(
        fc.array(anyCodePoints, { maxLength: 6 }),
        fc.integer({ min: 1, max: 12 }),
        (texts, maxLength) => {
          const batch = unicode.encodeBatch(texts, { maxLength });
          return texts.every((text, b) => {
            const expected = Array.from(unicode.encode(text)).slice(0, maxLength);
            const row = Array.from(batch.ids.subarray(b * batch.maxLen, (b + 1) * batch.maxLen));
            return (
              batch.lengths[b] === expected.length &&
              row.join() ===
                [...expected, ...new Array<number>(batch.maxLen - expected.length).fill(PAD_ID)].join()
            );
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});

// fast-check generators of messy corpus files, and the invariants every parse result must hold.
import fc from 'fast-check';
import { expect } from 'vitest';
import type { ParsedCorpus } from '../parsed_corpus.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Pieces of text files as users have them: names, separators, line endings, encodings gone wrong. */
const TEXT_PIECES = [
  'Abel',
  'Zoë',
  'Ślusàrski',
  'e\u0301',
  '\u0301',
  '王芳',
  'Ωmega',
  '😀',
  'ا\u202eب',
  "O'Neal",
  'name',
  'label',
  '__proto__',
  'constructor',
  'toString',
  ' ',
  '  ',
  '\u00a0',
  '\u2028',
  '\ufeff',
  '\t',
  '\n',
  '\n',
  '\n',
  '\r\n',
  '\r\n',
  '\r',
  '\u001a',
  '\u007f',
  '\u0085',
  '\ufffd',
];

/** Byte sequences that are not (all) valid UTF-8, and raw controls. */
const BYTE_PIECES: Uint8Array[] = [
  Uint8Array.of(0xff),
  Uint8Array.of(0xc3), // truncated 2-byte sequence
  Uint8Array.of(0xed, 0xa0, 0x80), // an encoded surrogate
  Uint8Array.of(0xf4, 0x90, 0x80, 0x80), // beyond U+10FFFF
  Uint8Array.of(0xc0, 0xaf), // overlong '/'
  Uint8Array.of(0x80),
  Uint8Array.of(0xef, 0xbb, 0xbf), // a BOM in the middle
  Uint8Array.of(0x00), // NUL: makes a binary file when early
];

/** Whole lines, some repeated, some under two labels, a header. */
const LINES = [
  'Abel\tGerman\n',
  'Abel\tFrench\r\n',
  'Abel\n',
  'Zoë\tGreek\n',
  'Zoe\u0308\tGreek\n',
  ' Ślusàrski \t Polish \n',
  'name\tlabel\n',
  '__proto__\tconstructor\n',
  'toString\t__proto__\n',
  '王芳\t中文\n',
];

/** Strings made of pieces, plus lone surrogates and NUL. */
export const messyString: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { arbitrary: fc.constantFrom(...TEXT_PIECES), weight: 8 },
      { arbitrary: fc.constantFrom(...LINES), weight: 6 },
      { arbitrary: fc.constantFrom('\ud800', '\udc00', '\u0000'), weight: 1 },
      { arbitrary: fc.string({ unit: 'binary', maxLength: 4 }), weight: 2 },
      { arbitrary: fc.integer({ min: 100, max: 1500 }).map((n) => 'x'.repeat(n)), weight: 1 }, // long lines
    ),
    { maxLength: 40 },
  )
  .map((pieces) => pieces.join(''));

/** Byte files made of pieces: valid text, invalid UTF-8, BOMs, NULs, or random bytes. */
export const messyBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  {
    arbitrary: fc
      .array(
        fc.oneof(
          { arbitrary: fc.constantFrom(...TEXT_PIECES).map(utf8), weight: 8 },
          { arbitrary: fc.constantFrom(...LINES).map(utf8), weight: 6 },
          { arbitrary: fc.constantFrom(...BYTE_PIECES), weight: 2 },
          { arbitrary: fc.uint8Array({ minLength: 1, maxLength: 4 }), weight: 1 },
          { arbitrary: fc.integer({ min: 100, max: 1500 }).map((n) => utf8('y'.repeat(n))), weight: 1 },
        ),
        { maxLength: 40 },
      )
      .chain((parts) =>
        fc
          .oneof(
            { arbitrary: fc.constant<Uint8Array[]>([]), weight: 6 },
            { arbitrary: fc.constant([Uint8Array.of(0xef, 0xbb, 0xbf)]), weight: 3 },
            {
              arbitrary: fc.constantFrom([Uint8Array.of(0xff, 0xfe)], [Uint8Array.of(0xfe, 0xff)]),
              weight: 1,
            },
          )
          .map((prefix) => concatBytes([...prefix, ...parts])),
      ),
    weight: 6,
  },
  { arbitrary: fc.uint8Array({ maxLength: 200 }), weight: 1 },
  { arbitrary: messyString.map(utf8), weight: 2 },
);

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A small line limit, so that the long pieces above exceed it sometimes. */
export const maxLineBytes = fc.option(fc.integer({ min: 200, max: 2000 }), { nil: undefined });

/** True when the bytes (after a UTF-8 BOM) are refused as binary: a NUL in the first 8000 bytes. */
export function looksBinary(bytes: Uint8Array): boolean {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return bytes.subarray(start, 8000).includes(0);
}

/** True when the bytes start with a UTF-16 byte-order mark. */
export function looksUtf16(bytes: Uint8Array): boolean {
  return (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
}

const CONTROL = /\p{Cc}/u;

/**
 * The invariants of a parse result: counts add up, every line is accounted for exactly once, every
 * kept name is non-empty, trimmed, NFC and free of control characters, every dropped line has a
 * file and a line, perLabel matches the items.
 *
 * @param files the file names the items and issues may name (any non-empty name when undefined)
 */
export function expectConsistent(parsed: ParsedCorpus, files?: ReadonlySet<string>): void {
  const known = (file: string | undefined): boolean =>
    file !== undefined && (files === undefined ? file.length > 0 : files.has(file));
  const { corpus, report } = parsed;
  const dropped = [...report.empty, ...report.undecodable, ...report.malformed, ...report.duplicates];
  expect(report.total).toBe(report.kept + dropped.length);
  expect(report.kept).toBe(corpus.items.length);
  // Each line is counted once: kept or dropped (per file, line numbers are distinct).
  const seen = new Set<string>();
  for (const item of corpus.items) {
    expect(item.source).toBeDefined();
    seen.add(`${item.source?.file}\u0000${item.source?.line}`);
  }
  for (const issue of dropped) {
    expect(known(issue.file)).toBe(true);
    expect(Number.isSafeInteger(issue.line) && issue.line >= 1).toBe(true);
    expect(typeof issue.detail).toBe('string');
    seen.add(`${issue.file}\u0000${issue.line}`);
  }
  expect(seen.size).toBe(report.total);
  for (const item of corpus.items) {
    expect(known(item.source?.file)).toBe(true);
    expect(item.name.length).toBeGreaterThan(0);
    expect(item.name).toBe(item.name.trim());
    expect(item.name).toBe(item.name.normalize('NFC'));
    expect(CONTROL.test(item.name)).toBe(false);
    expect(item.name.includes('\uFFFD')).toBe(false);
    expect(item.label.length).toBeGreaterThan(0);
    expect(item.label).toBe(item.label.trim());
    expect(CONTROL.test(item.label)).toBe(false);
  }
  // perLabel: own keys, one per label, summing to kept.
  const perLabel = new Map<string, number>();
  for (const item of corpus.items) perLabel.set(item.label, (perLabel.get(item.label) ?? 0) + 1);
  expect(Object.keys(report.perLabel).sort()).toEqual([...perLabel.keys()].sort());
  for (const [label, n] of perLabel)
    expect(Object.getOwnPropertyDescriptor(report.perLabel, label)?.value).toBe(n);
  expect(corpus.labels).toEqual([...perLabel.keys()].sort());
  // Kept (name, label) pairs are distinct.
  expect(new Set(corpus.items.map((i) => `${i.name}\t${i.label}`)).size).toBe(corpus.items.length);
}

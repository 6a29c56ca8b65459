import fc from 'fast-check';
import { InvalidArgumentError, InvalidCorpusError } from '@charrnn/core';
import { describe, expect, it } from 'vitest';
import { BINARY_SNIFF_BYTES, LineSplitter, splitLines, type RawLine } from './line_splitter.js';
import { maxLineBytes, messyBytes } from './test-utils/corpus_arbitraries.js';
import { fcParams, Outcomes } from '../../../test-utils/fuzz.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const lines = (input: string | Uint8Array, maxLineBytes?: number): RawLine[] =>
  splitLines(input, { file: 'f.txt', maxLineBytes });
const texts = (input: string | Uint8Array): string[] => lines(input).map((l) => l.text);

/** Feeds `bytes` in chunks cut at `cuts`; returns the lines or the error message. */
function streamed(bytes: Uint8Array, cuts: number[], maxLineBytes?: number): RawLine[] | string {
  const splitter = new LineSplitter({ file: 'f.txt', maxLineBytes });
  const out: RawLine[] = [];
  try {
    const points = [...new Set([0, ...cuts.map((c) => c % (bytes.length + 1)), bytes.length])].sort(
      (a, b) => a - b,
    );
    for (let i = 1; i < points.length; i++) out.push(...splitter.push(bytes.slice(points[i - 1], points[i])));
    out.push(...splitter.end());
    return out;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('splitLines', () => {
  it('strips one UTF-8 BOM, accepts LF and CRLF, keeps a lone CR, drops the piece after a final break', () => {
    expect(texts('\uFEFFa\r\nb\nc')).toEqual(['a', 'b', 'c']);
    expect(texts('a\n\n')).toEqual(['a', '']);
    expect(texts('a\r\r\n')).toEqual(['a\r']);
    expect(texts('a\rb\n')).toEqual(['a\rb']);
    expect(texts('\uFEFF\uFEFFa')).toEqual(['\uFEFFa']);
    expect(texts('')).toEqual([]);
    expect(texts('\uFEFF')).toEqual([]);
    expect(texts('\r\n')).toEqual(['']);
    expect(lines('x\ny').map((l) => l.line)).toEqual([1, 2]);
  });

  it('marks invalid UTF-8 per line and U+FFFD; strings are encoded first (lone surrogate -> U+FFFD)', () => {
    expect(lines(Uint8Array.of(0x61, 0x0a, 0xff, 0x62, 0x0a, 0x63))).toEqual([
      { line: 1, text: 'a', undecodable: false },
      { line: 2, text: '\uFFFDb', undecodable: true },
      { line: 3, text: 'c', undecodable: false },
    ]);
    expect(lines('a\ud800b')).toEqual([{ line: 1, text: 'a\uFFFDb', undecodable: true }]);
    expect(lines('a\uFFFD')).toEqual([{ line: 1, text: 'a\uFFFD', undecodable: true }]);
  });

  it('refuses a binary file (NUL early) and UTF-16, naming the file', () => {
    const png = Uint8Array.of(
      0x89,
      0x50,
      0x4e,
      0x47,
      0x0d,
      0x0a,
      0x1a,
      0x0a,
      0,
      0,
      0,
      0x0d,
      0x49,
      0x48,
      0x44,
      0x52,
    );
    expect(() => lines(png)).toThrow(
      new InvalidCorpusError(
        'binary file (NUL byte at offset 8), expected UTF-8 text with one entry per line',
        {
          file: 'f.txt',
        },
      ),
    );
    expect(() => lines(Uint8Array.of(0xff, 0xfe, 0x41, 0))).toThrow(
      'f.txt: UTF-16 text (byte-order mark FF FE): save the file as UTF-8',
    );
    expect(() => lines(Uint8Array.of(0xfe, 0xff, 0, 0x41))).toThrow('byte-order mark FE FF');
    // A NUL after the first 8000 bytes is only a control character in its line.
    const late = new Uint8Array(BINARY_SNIFF_BYTES + 3).fill(0x61);
    late[100] = 0x0a;
    late[BINARY_SNIFF_BYTES + 1] = 0;
    expect(lines(late).map((l) => l.text.length)).toEqual([100, BINARY_SNIFF_BYTES + 3 - 101]);
    late[BINARY_SNIFF_BYTES - 1] = 0;
    expect(() => lines(late)).toThrow(`binary file (NUL byte at offset ${BINARY_SNIFF_BYTES - 1})`);
  });

  it('marks lines over maxLineBytes with their size and a preview, without keeping them', () => {
    const long = `${'é'.repeat(30)}\r\nok\n`; // 60 bytes + CRLF
    expect(lines(long, 60).map((l) => l.tooLong)).toEqual([undefined, undefined]);
    const [first, second] = lines(long, 59);
    expect(first).toEqual({ line: 1, text: `${'é'.repeat(30)}…`, undecodable: false, tooLong: 60 });
    expect(second).toEqual({ line: 2, text: 'ok', undecodable: false });
    expect(lines('x'.repeat(1000), 10)[0]?.text).toBe(`${'x'.repeat(11)}…`);
    expect(lines('x'.repeat(1000), 10)[0]?.tooLong).toBe(1000);
    expect(() => lines('x', 0)).toThrow(
      new InvalidArgumentError('maxLineBytes must be a positive integer', { field: 'maxLineBytes' }),
    );
  });

  it('a 10 MB single line is reported by size, streamed in 64 KiB chunks with bounded memory', () => {
    const splitter = new LineSplitter({ file: 'big.txt' });
    const chunk = new Uint8Array(64 * 1024).fill(0x7a);
    const out: RawLine[] = [];
    for (let i = 0; i < 160; i++) out.push(...splitter.push(chunk));
    out.push(...splitter.push(utf8('\nAbel\n')), ...splitter.end());
    expect(out.map((l) => [l.line, l.tooLong, l.text.length])).toEqual([
      [1, 160 * 64 * 1024, 41],
      [2, undefined, 4],
    ]);
  });

  it('gives the same lines whatever the chunking (1-byte chunks included)', () => {
    const outcomes = new Outcomes('LineSplitter chunked vs whole');
    fc.assert(
      fc.property(
        messyBytes,
        fc.array(fc.nat(), { maxLength: 12 }),
        maxLineBytes,
        fc.boolean(),
        (bytes, cuts, limit, bytewise) => {
          const whole = streamed(bytes, [], limit);
          const chunked = streamed(
            bytes,
            bytewise ? Array.from({ length: bytes.length }, (_, i) => i) : cuts,
            limit,
          );
          expect(chunked).toEqual(whole);
          outcomes.record(typeof whole === 'string' ? new InvalidCorpusError(whole) : undefined);
        },
      ),
      fcParams(),
    );
    outcomes.report();
  });
});

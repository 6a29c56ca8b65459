// Property-based tests of parseTsv and parseLabelFile on messy strings and bytes: every case parses
// with consistent counts or throws InvalidCorpusError (binary / UTF-16 file, strict mode).
import fc from 'fast-check';
import { InvalidCorpusError } from '@charrnn/core';
import { describe, expect, it } from 'vitest';
import { parseLabelFile } from './parse_label_file.js';
import { parseTsv } from './parse_tsv.js';
import type { ParsedCorpus, ParseOptions } from './parsed_corpus.js';
import {
  expectConsistent,
  looksBinary,
  looksUtf16,
  maxLineBytes,
  messyBytes,
  messyString,
} from './test-utils/corpus_arbitraries.js';
import { fcParams, Outcomes } from '../../../test-utils/fuzz.js';

const FILE = 'names/x.tsv';
const encoder = new TextEncoder();
const lenient = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

type Parse = (input: string | Uint8Array, options: ParseOptions) => ParsedCorpus;
const parsers: [string, Parse][] = [
  ['parseTsv', (input, options) => parseTsv(input, FILE, options)],
  ['parseLabelFile', (input, options) => parseLabelFile(input, 'Lab el', FILE, options)],
];

/** Parses, checks the invariants and the strict mode; returns the result or the typed error. */
function checkParse(
  parse: Parse,
  input: string | Uint8Array,
  limit: number | undefined,
): ParsedCorpus | undefined {
  const bytes = typeof input === 'string' ? encoder.encode(input) : input;
  const options = limit === undefined ? {} : { maxLineBytes: limit };
  let parsed: ParsedCorpus;
  try {
    parsed = parse(input, options);
  } catch (error) {
    // The only whole-file refusals: binary and UTF-16.
    expect(error).toBeInstanceOf(InvalidCorpusError);
    expect((error as InvalidCorpusError).file).toBe(FILE);
    expect(looksBinary(bytes) || looksUtf16(bytes)).toBe(true);
    throw error;
  }
  expect(looksBinary(bytes) || looksUtf16(bytes)).toBe(false);
  expectConsistent(parsed, new Set([FILE]));
  for (const issue of parsed.report.malformed)
    if (issue.detail.startsWith('line is ')) expect(issue.name.length).toBeLessThanOrEqual(81);
  // strict: throws at the first dropped (non-duplicate) line, or returns the same result.
  const { empty, undecodable, malformed } = parsed.report;
  const firstBad = Math.min(...[...empty, ...undecodable, ...malformed].map((i) => i.line));
  try {
    const strict = parse(input, { ...options, strict: true });
    expect(firstBad).toBe(Infinity);
    expect(strict).toEqual(parsed);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidCorpusError);
    expect((error as InvalidCorpusError).line).toBe(firstBad);
    expect((error as InvalidCorpusError).file).toBe(FILE);
  }
  return parsed;
}

describe.each(parsers)('%s on generated input', (name, parse) => {
  it('strings (CRLF, BOM, tabs, lone surrogates, NUL, long lines): consistent counts', () => {
    const outcomes = new Outcomes(`${name}(messy string)`);
    fc.assert(
      fc.property(messyString, maxLineBytes, (text, limit) => {
        outcomes.run(() => checkParse(parse, text, limit));
      }),
      fcParams(),
    );
    outcomes.report();
    expect(outcomes.ok).toBeGreaterThan(0);
  });

  it('bytes (invalid UTF-8, BOMs, NUL, random): consistent counts, same as the text when valid UTF-8', () => {
    const outcomes = new Outcomes(`${name}(messy bytes)`);
    fc.assert(
      fc.property(messyBytes, maxLineBytes, (bytes, limit) => {
        const parsed = outcomes.run(() => checkParse(parse, bytes, limit));
        let text: string | undefined;
        try {
          text = lenient.decode(bytes);
        } catch {
          text = undefined; // not UTF-8: nothing to compare with
        }
        if (parsed !== undefined && text !== undefined) {
          expect(parse(text, limit === undefined ? {} : { maxLineBytes: limit })).toEqual(parsed);
        }
      }),
      fcParams(),
    );
    outcomes.report();
    expect(outcomes.ok).toBeGreaterThan(0);
  });
});

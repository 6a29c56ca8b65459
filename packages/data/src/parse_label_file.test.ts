import { InvalidArgumentError, InvalidCorpusError } from '@charrnn/core';
import { describe, expect, it } from 'vitest';
import { parseLabelFile } from './parse_label_file.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('parseLabelFile', () => {
  it('strips a BOM, accepts CRLF, trims, NFC-normalises and records sources', () => {
    const { corpus, report } = parseLabelFile(
      '\uFEFFAbel  \r\n  Ame\u0301lie\r\nZoe\n',
      'French',
      'names/French.txt',
    );
    expect(corpus.labels).toEqual(['French']);
    expect(corpus.items).toEqual([
      { name: 'Abel', label: 'French', source: { file: 'names/French.txt', line: 1 } },
      { name: 'Amélie', label: 'French', source: { file: 'names/French.txt', line: 2 } },
      { name: 'Zoe', label: 'French', source: { file: 'names/French.txt', line: 3 } },
    ]);
    expect(report.total).toBe(3);
    expect(report.kept).toBe(3);
    expect(report.perLabel).toEqual({ French: 3 });
  });

  it('reads bytes the same way as text, BOM included', () => {
    const text = 'Abel\r\nŚlusàrski\n';
    const fromBytes = parseLabelFile(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(text)]), 'Polish');
    const fromText = parseLabelFile(text, 'Polish');
    expect(fromBytes).toEqual(fromText);
    expect(fromBytes.corpus.items.map((i) => i.name)).toEqual(['Abel', 'Ślusàrski']);
    expect(fromBytes.corpus.items[0]?.source).toEqual({ file: 'Polish.txt', line: 1 });
  });

  it('counts empty lines and duplicates, so that the counts add up', () => {
    const { corpus, report } = parseLabelFile('Abel\n\n   \nAbel\nAdam\nAbel\n', 'German', 'German.txt');
    expect(corpus.items.map((i) => i.name)).toEqual(['Abel', 'Adam']);
    expect(report.empty).toEqual([
      { file: 'German.txt', line: 2, name: '', detail: 'empty line' },
      { file: 'German.txt', line: 3, name: '', detail: 'empty line' },
    ]);
    expect(report.duplicates).toEqual([
      { file: 'German.txt', line: 4, name: 'Abel', detail: 'duplicate of line 1' },
      { file: 'German.txt', line: 6, name: 'Abel', detail: 'duplicate of line 1' },
    ]);
    expect(report.total).toBe(6);
    expect(report.kept + report.empty.length + report.duplicates.length + report.undecodable.length).toBe(
      report.total,
    );
  });

  it('reports invalid UTF-8 per line with its number and keeps the other lines', () => {
    const bytes = new Uint8Array([
      ...utf8('Abel\n'),
      0x41,
      0xff,
      0x42,
      0x0d,
      0x0a,
      ...utf8('Ärger\n'),
      0xc3,
      0x0a,
    ]);
    const { corpus, report } = parseLabelFile(bytes, 'German', 'German.txt');
    expect(corpus.items.map((i) => i.name)).toEqual(['Abel', 'Ärger']);
    expect(report.undecodable).toEqual([
      { file: 'German.txt', line: 2, name: 'A\uFFFDB', detail: 'invalid UTF-8' },
      { file: 'German.txt', line: 4, name: '\uFFFD', detail: 'invalid UTF-8' },
    ]);
    expect(report.total).toBe(4);
  });

  it('treats U+FFFD in a string as a line decoded lossily upstream', () => {
    const { report } = parseLabelFile('Abel\nA\uFFFDB\n', 'German');
    expect(report.undecodable.map((i) => i.line)).toEqual([2]);
    expect(report.kept).toBe(1);
  });

  it('counts no line for an empty file and none for the final newline', () => {
    expect(parseLabelFile('', 'Greek').report.total).toBe(0);
    expect(parseLabelFile('\uFEFF', 'Greek').report.total).toBe(0);
    expect(parseLabelFile('Abel\n', 'Greek').report.total).toBe(1);
    expect(parseLabelFile('Abel', 'Greek').report.total).toBe(1);
    expect(parseLabelFile('', 'Greek').corpus.labels).toEqual([]);
  });

  it('throws at the first problem in strict mode, naming file and line', () => {
    expect(() => parseLabelFile('Abel\n\nAdam\n', 'Greek', 'names/Greek.txt', { strict: true })).toThrow(
      new InvalidCorpusError('empty line', { file: 'names/Greek.txt', line: 2 }),
    );
    try {
      parseLabelFile(new Uint8Array([0x41, 0x0a, 0xff]), 'Greek', 'names/Greek.txt', { strict: true });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidCorpusError);
      expect((error as InvalidCorpusError).message).toBe('names/Greek.txt line 2: invalid UTF-8');
      expect((error as InvalidCorpusError).line).toBe(2);
    }
    // Duplicates are data, not errors.
    expect(parseLabelFile('Abel\nAbel\n', 'Greek', 'x', { strict: true }).report.duplicates).toHaveLength(1);
  });

  it('rejects an empty label', () => {
    expect(() => parseLabelFile('Abel', '  ', 'x.txt')).toThrow(InvalidArgumentError);
  });
});

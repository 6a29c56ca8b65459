import { InvalidCorpusError } from '@charrnn/core';
import { describe, expect, it } from 'vitest';
import { parseTsv } from './parse_tsv.js';

describe('parseTsv', () => {
  it('reads name<TAB>label lines and skips a header line', () => {
    const { corpus, report } = parseTsv('name\tlabel\r\nAbel\tGerman\r\nAdam \t French\r\n', 'train.tsv');
    expect(corpus.labels).toEqual(['French', 'German']);
    expect(corpus.items).toEqual([
      { name: 'Abel', label: 'German', source: { file: 'train.tsv', line: 2 } },
      { name: 'Adam', label: 'French', source: { file: 'train.tsv', line: 3 } },
    ]);
    expect(report.total).toBe(2);
    expect(report.perLabel).toEqual({ German: 1, French: 1 });
  });

  it('recognises the header in any case, on the first line only', () => {
    expect(parseTsv('Name\tLabel\nAbel\tGerman\n').report.total).toBe(1);
    expect(parseTsv('Abel\tGerman\nname\tlabel\n').corpus.items.map((i) => i.name)).toEqual(['Abel', 'name']);
  });

  it('counts malformed lines with file, line and reason', () => {
    const text = [
      'Abel\tGerman',
      'Adam',
      'Ada\tEnglish\textra',
      'Bo\t',
      '',
      '\tGreek',
      'Abel\tGerman',
      'Abel\tFrench',
    ].join('\n');
    const { corpus, report } = parseTsv(text, 'f.tsv');
    expect(corpus.items.map((i) => `${i.name}/${i.label}`)).toEqual(['Abel/German', 'Abel/French']);
    expect(report.malformed).toEqual([
      { file: 'f.tsv', line: 2, name: 'Adam', detail: 'no tab: expected name<TAB>label' },
      {
        file: 'f.tsv',
        line: 3,
        name: 'Ada\tEnglish\textra',
        detail: 'expected 2 tab-separated columns, found 3',
      },
      { file: 'f.tsv', line: 4, name: 'Bo\t', detail: 'empty label' },
    ]);
    expect(report.empty).toEqual([
      { file: 'f.tsv', line: 5, name: '', detail: 'empty line' },
      { file: 'f.tsv', line: 6, name: '', detail: 'empty name' },
    ]);
    expect(report.duplicates).toEqual([
      { file: 'f.tsv', line: 7, name: 'Abel', detail: 'duplicate of line 1' },
    ]);
    expect(report.crossLabel).toEqual([
      { file: 'f.tsv', line: 1, name: 'Abel', detail: 'under 2 labels: French, German' },
    ]);
    expect(report.total).toBe(8);
    const dropped =
      report.empty.length + report.malformed.length + report.duplicates.length + report.undecodable.length;
    expect(report.kept + dropped).toBe(report.total);
  });

  it('throws InvalidCorpusError on a malformed line in strict mode', () => {
    expect(() => parseTsv('Abel\tGerman\nAdam\n', 'f.tsv', { strict: true })).toThrow(
      'f.tsv line 2: no tab: expected name<TAB>label',
    );
    expect(() => parseTsv('Abel\tGerman\nAdam\n', 'f.tsv', { strict: true })).toThrow(InvalidCorpusError);
  });

  it('reports invalid UTF-8 bytes by line', () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('Abel\tGerman\n'), 0xfe, 0x09, 0x41, 0x0a]);
    const { report } = parseTsv(bytes, 'f.tsv');
    expect(report.undecodable).toEqual([
      { file: 'f.tsv', line: 2, name: '\uFFFD\tA', detail: 'invalid UTF-8' },
    ]);
    expect(report.kept).toBe(1);
  });
});

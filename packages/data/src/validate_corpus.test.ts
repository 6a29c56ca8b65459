import { InvalidCorpusError } from '@charrnn/core';
import { describe, expect, it } from 'vitest';
import { dedupe, mergeCorpora, validateCorpus } from './validate_corpus.js';
import { parseLabelFile } from './parse_label_file.js';
import { formatReport } from './validation_report.js';

describe('dedupe', () => {
  it('keeps the first of each (name, label) pair and all distinct pairs', () => {
    const items = [
      { name: 'Abel', label: 'German' },
      { name: 'Abel', label: 'French' },
      { name: 'Abel', label: 'German' },
      { name: 'abel', label: 'German' },
    ];
    expect(dedupe(items)).toEqual([items[0], items[1], items[3]]);
  });
});

describe('validateCorpus', () => {
  it('cleans, drops and reports in-memory items by position', () => {
    const { corpus, report } = validateCorpus([
      { name: ' Abel ', label: 'German' },
      { name: '', label: 'German' },
      { name: 'Adam', label: ' ' },
      { name: 'Abel', label: 'German' },
      { name: 'Abel', label: 'Dutch' },
    ]);
    expect(corpus.items).toEqual([
      { name: 'Abel', label: 'German' },
      { name: 'Abel', label: 'Dutch' },
    ]);
    expect(corpus.labels).toEqual(['Dutch', 'German']);
    expect(report.empty).toEqual([{ file: '<items>', line: 2, name: '', detail: 'empty name' }]);
    expect(report.malformed).toEqual([{ file: '<items>', line: 3, name: 'Adam', detail: 'empty label' }]);
    expect(report.duplicates).toEqual([
      { file: '<items>', line: 4, name: 'Abel', detail: 'duplicate of line 1' },
    ]);
    expect(report.crossLabel).toEqual([
      { file: '<items>', line: 1, name: 'Abel', detail: 'under 2 labels: Dutch, German' },
    ]);
    expect(report).toMatchObject({ total: 5, kept: 2, perLabel: { German: 1, Dutch: 1 } });
  });

  it('throws in strict mode', () => {
    expect(() =>
      validateCorpus(
        [
          { name: 'A', label: 'B' },
          { name: ' ', label: 'B' },
        ],
        { strict: true },
      ),
    ).toThrow(new InvalidCorpusError('empty name', { file: '<items>', line: 2 }));
  });
});

describe('mergeCorpora', () => {
  it('sums totals, finds duplicates across parts and cross-label names over the whole', () => {
    const a = parseLabelFile('Abel\nAbel\nChan\n', 'German', 'German.txt');
    const b = parseLabelFile('Chan\n\nLee\n', 'Chinese', 'Chinese.txt');
    const c = parseLabelFile('Abel\n', 'German', 'more/German.txt');
    const { corpus, report } = mergeCorpora([a, b, c]);
    expect(corpus.labels).toEqual(['Chinese', 'German']);
    expect(corpus.items.map((i) => `${i.label}:${i.name}`)).toEqual([
      'German:Abel',
      'German:Chan',
      'Chinese:Chan',
      'Chinese:Lee',
    ]);
    expect(report.total).toBe(7);
    expect(report.kept).toBe(4);
    expect(report.duplicates).toEqual([
      { file: 'German.txt', line: 2, name: 'Abel', detail: 'duplicate of line 1' },
      { file: 'more/German.txt', line: 1, name: 'Abel', detail: 'duplicate of German.txt line 1' },
    ]);
    expect(report.empty).toEqual([{ file: 'Chinese.txt', line: 2, name: '', detail: 'empty line' }]);
    expect(report.crossLabel).toEqual([
      { file: 'German.txt', line: 3, name: 'Chan', detail: 'under 2 labels: Chinese, German' },
    ]);
    expect(report.perLabel).toEqual({ German: 2, Chinese: 2 });
  });
});

describe('formatReport', () => {
  it('summarises counts and the first issues of each kind', () => {
    const a = parseLabelFile('Abel\nAbel\nAbel\nChan\n\n', 'German', 'German.txt');
    const b = parseLabelFile('Chan\n', 'Chinese', 'Chinese.txt');
    const { report } = mergeCorpora([a, b]);
    report.skippedFiles.push('README.md');
    expect(formatReport(report, { examples: 1 })).toBe(
      [
        '6 lines read, 3 names kept under 2 labels',
        'per label: Chinese 1, German 2',
        'duplicates (dropped): 2, e.g. German.txt line 2: "Abel" (duplicate of line 1); 1 more',
        'empty lines (dropped): 1, e.g. German.txt line 5: "" (empty line)',
        'names under several labels (kept under each): 1, e.g. German.txt line 4: "Chan" (under 2 labels: Chinese, German)',
        'skipped files (not .txt): README.md',
      ].join('\n'),
    );
  });
});

describe('validateCorpus: control characters', () => {
  it('drops names and labels holding a control character as malformed', () => {
    const { corpus, report } = validateCorpus([
      { name: 'Ab\u0000el', label: 'German' },
      { name: 'Adam', label: 'Ger\u007fman' },
      { name: 'Ok', label: 'German' },
    ]);
    expect(corpus.items).toEqual([{ name: 'Ok', label: 'German' }]);
    expect(report.malformed).toEqual([
      { file: '<items>', line: 1, name: 'Ab\u0000el', detail: 'control character U+0000 in name' },
      { file: '<items>', line: 2, name: 'Adam', detail: 'control character U+007F in label' },
    ]);
    expect(report.total).toBe(3);
  });
});

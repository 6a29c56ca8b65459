import { InvalidArgumentError, InvalidCorpusError } from '@charrnn/core';
import { describe, expect, it } from 'vitest';
import { encodeExamples } from './encode_examples.js';
import { emptyReport } from './validation_report.js';

/** Letters a-z as ids 2..27 (case-folded); everything else dropped. */
const letters = {
  encode(text: string): Int32Array {
    return Int32Array.from(
      [...text.toLowerCase()].filter((c) => c >= 'a' && c <= 'z').map((c) => c.charCodeAt(0) - 95),
    );
  },
};

describe('encodeExamples', () => {
  it('encodes names and maps labels to their index in the label list', () => {
    const examples = encodeExamples(
      [
        { name: 'Ab', label: 'German' },
        { name: 'c', label: 'Arabic' },
      ],
      letters,
      ['Arabic', 'German'],
    );
    expect(examples).toEqual([
      { ids: Int32Array.from([2, 3]), label: 1 },
      { ids: Int32Array.from([4]), label: 0 },
    ]);
  });

  it('drops names that encode to nothing and reports them', () => {
    const report = emptyReport();
    const examples = encodeExamples(
      [
        { name: 'Ab', label: 'A' },
        { name: '123', label: 'A', source: { file: 'A.txt', line: 7 } },
        { name: '!!', label: 'A' },
      ],
      letters,
      ['A'],
      { report },
    );
    expect(examples).toHaveLength(1);
    expect(report.unencodable).toEqual([
      { file: 'A.txt', line: 7, name: '123', detail: 'encodes to no tokens' },
      { file: '<items>', line: 3, name: '!!', detail: 'encodes to no tokens' },
    ]);
    expect(encodeExamples([{ name: '1', label: 'A' }], letters, ['A'])).toEqual([]);
  });

  it('names an unknown label, with file and line when known', () => {
    expect(() =>
      encodeExamples([{ name: 'Ab', label: 'Klingon', source: { file: 't.tsv', line: 4 } }], letters, [
        'A',
        'B',
      ]),
    ).toThrow(
      new InvalidCorpusError('unknown label "Klingon" for "Ab" (known: A, B)', { file: 't.tsv', line: 4 }),
    );
    expect(() => encodeExamples([], letters, ['A', 'A'])).toThrow(InvalidArgumentError);
  });
});

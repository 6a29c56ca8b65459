import { InvalidCorpusError } from '@charrnn/core';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { parseLabelFiles } from './parse_label_files.js';
import { parseLabelZip } from './parse_label_zip.js';

// Made-up names, not from any data set.
const zip = zipSync({
  'data/names/Zorbish.txt': strToU8('Quaxley\nBrindlewort\nQuaxley\n'),
  'data/names/Florian.txt': strToU8('\uFEFFMorvana\r\nTellisande\r\n'),
  'data/names/README.md': strToU8('not a label'),
  'data/names/nested/Other.txt': strToU8('Nope\n'),
  'data/eng-fra.txt': strToU8('ignored\n'),
});

describe('parseLabelZip', () => {
  it('reads the <Label>.txt files directly inside data/names/', () => {
    const { corpus, report } = parseLabelZip(zip, { source: 'data.zip' });
    expect(corpus.labels).toEqual(['Florian', 'Zorbish']);
    expect(corpus.items.map((i) => `${i.label}:${i.name}`)).toEqual([
      'Florian:Morvana',
      'Florian:Tellisande',
      'Zorbish:Quaxley',
      'Zorbish:Brindlewort',
    ]);
    expect(corpus.items[0]?.source).toEqual({ file: 'data/names/Florian.txt', line: 1 });
    expect(report.duplicates).toEqual([
      { file: 'data/names/Zorbish.txt', line: 3, name: 'Quaxley', detail: 'duplicate of line 1' },
    ]);
    expect(report.skippedFiles).toEqual(['data/names/README.md']);
    expect(report.total).toBe(5);
  });

  it('reads another folder when asked', () => {
    expect(parseLabelZip(zip, { directory: 'data/names/nested' }).corpus.items).toEqual([
      { name: 'Nope', label: 'Other', source: { file: 'data/names/nested/Other.txt', line: 1 } },
    ]);
  });

  it('refuses entries over the size limit, bad archives and archives without label files', () => {
    expect(() => parseLabelZip(zip, { source: 'data.zip', maxBytes: 10 })).toThrow(
      'data.zip: zip entry data/names/Zorbish.txt is 28 B, over the 10 B limit (raise maxBytes to read it)',
    );
    expect(() => parseLabelZip(new Uint8Array([1, 2, 3]), { source: 'bad.zip' })).toThrow(InvalidCorpusError);
    expect(() => parseLabelZip(new Uint8Array([1, 2, 3]), { source: 'bad.zip' })).toThrow(
      /^bad\.zip: not a readable zip archive/,
    );
    expect(() => parseLabelZip(zip, { source: 'data.zip', directory: 'elsewhere/' })).toThrow(
      'data.zip: no elsewhere/<Label>.txt entries in the zip archive',
    );
  });
});

describe('parseLabelFiles', () => {
  it('takes labels from file names and skips other files', () => {
    const { corpus, report } = parseLabelFiles([
      { name: 'C:\\names\\Alpha.TXT', data: 'Xeno\n' },
      { name: 'notes.md', data: 'x' },
      { name: '.hidden.txt', data: 'x' },
      { name: 'names/Beta.txt', data: new TextEncoder().encode('Yarrow\n') },
    ]);
    expect(corpus.labels).toEqual(['Alpha', 'Beta']);
    expect(report.skippedFiles).toEqual(['notes.md', '.hidden.txt']);
    expect(() => parseLabelFiles([{ name: 'a.md', data: '' }], { source: 'upload' })).toThrow(
      'upload: no <Label>.txt files found',
    );
  });
});

// Corpus files as users have them: empty, blank, CRLF, BOM, invalid UTF-8, binary, odd file names,
// enormous lines and files. Each gives a counted report line (file + line) or one clear error.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidCorpusError, IoError } from '@charrnn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLabelFile } from '../parse_label_file.js';
import { loadCorpus, loadLabelDirectory, loadTsvFile } from './load_corpus.js';
import { readLines } from './read_lines.js';
import type { RawLine } from '../line_splitter.js';

let root: string;
let n = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'charrnn-data-edge-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh directory holding `files` (name -> content). */
async function dirWith(files: Record<string, string | Uint8Array>): Promise<string> {
  const dir = join(root, `d${++n}`);
  await mkdir(dir);
  for (const [name, data] of Object.entries(files)) await writeFile(join(dir, name), data);
  return dir;
}

const PNG = Uint8Array.of(
  0x89,
  0x50,
  0x4e,
  0x47,
  0x0d,
  0x0a,
  0x1a,
  0x0a,
  0x00,
  0x00,
  0x00,
  0x0d,
  0x49,
  0x48,
  0x44,
  0x52,
  0x00,
  0x00,
);

describe('label directories: edge cases', () => {
  it('an empty file adds no label; a directory of only empty files is an error naming it', async () => {
    const dir = await dirWith({ 'Empty.txt': '', 'Greek.txt': 'Abel\n' });
    const { corpus, report } = await loadLabelDirectory(dir);
    expect(corpus.labels).toEqual(['Greek']);
    expect([report.total, report.kept]).toEqual([1, 1]);
    const empty = await dirWith({ 'Empty.txt': '', 'Other.txt': '\uFEFF' });
    await expect(loadLabelDirectory(empty)).rejects.toThrow(
      new InvalidCorpusError('no names: 0 lines read', { file: empty }),
    );
  });

  it('a file of only blank lines: every line counted as empty with file and line', async () => {
    const dir = await dirWith({ 'Blank.txt': '\n  \r\n\u00a0\n\t\n', 'Greek.txt': 'Abel\n' });
    const file = join(dir, 'Blank.txt');
    const { report } = await loadLabelDirectory(dir);
    expect(report.empty).toEqual(
      [1, 2, 3, 4].map((line) => ({ file, line, name: '', detail: 'empty line' })),
    );
    expect(report.total).toBe(5);
    const alone = await dirWith({ 'Blank.txt': '\n  \r\n' });
    await expect(loadLabelDirectory(alone)).rejects.toThrow(
      `${alone}: no names: 2 lines read, all dropped (2 empty)`,
    );
  });

  it('CRLF, BOM and invalid UTF-8: names kept, bad lines counted with file and line', async () => {
    const bytes = Uint8Array.from([
      0xef,
      0xbb,
      0xbf,
      ...new TextEncoder().encode('Zoë\r\nAbel\r\n'),
      0x41,
      0xff,
      0x42,
      0x0d,
      0x0a,
      0x43,
      0x0d,
      0x0a,
    ]);
    const dir = await dirWith({ 'French.txt': bytes });
    const file = join(dir, 'French.txt');
    const { corpus, report } = await loadLabelDirectory(dir);
    expect(corpus.items.map((i) => [i.name, i.source?.line])).toEqual([
      ['Zoë', 1],
      ['Abel', 2],
      ['C', 4],
    ]);
    expect(report.undecodable).toEqual([{ file, line: 3, name: 'A\uFFFDB', detail: 'invalid UTF-8' }]);
    expect(report.total).toBe(4);
  });

  it('lone CR, tab and other control characters make a line malformed, not a name', async () => {
    const dir = await dirWith({ 'Greek.txt': 'Abel\rAdam\nAbel\tGerman\nOk\u001aNo\nGood\n' });
    const file = join(dir, 'Greek.txt');
    const { corpus, report } = await loadLabelDirectory(dir);
    expect(corpus.items.map((i) => i.name)).toEqual(['Good']);
    expect(report.malformed).toEqual([
      { file, line: 1, name: 'Abel\rAdam', detail: 'control character U+000D in name' },
      { file, line: 2, name: 'Abel\tGerman', detail: 'control character U+0009 in name' },
      { file, line: 3, name: 'Ok\u001aNo', detail: 'control character U+001A in name' },
    ]);
  });

  it('a binary file (PNG header + NULs) is refused with an InvalidCorpusError naming it', async () => {
    const dir = await dirWith({ 'Greek.txt': 'Abel\n', 'Photo.txt': PNG });
    await expect(loadLabelDirectory(dir)).rejects.toThrow(
      new InvalidCorpusError(
        'binary file (NUL byte at offset 8), expected UTF-8 text with one entry per line',
        {
          file: join(dir, 'Photo.txt'),
        },
      ),
    );
    // A binary file that is not a .txt is just skipped.
    const skipped = await dirWith({ 'Greek.txt': 'Abel\n', 'photo.png': PNG });
    expect((await loadLabelDirectory(skipped)).report.skippedFiles).toEqual([join(skipped, 'photo.png')]);
    // UTF-16 (Windows "Unicode") text gets its own message.
    const utf16 = await dirWith({ 'Greek.txt': Uint8Array.of(0xff, 0xfe, 0x41, 0x00, 0x0a, 0x00) });
    await expect(loadLabelDirectory(utf16)).rejects.toThrow(
      `${join(utf16, 'Greek.txt')}: UTF-16 text (byte-order mark FF FE): save the file as UTF-8`,
    );
  });

  it('a directory without <Label>.txt files (hidden, sub-directories, other types) is an error naming it', async () => {
    const dir = await dirWith({ '.hidden.txt': 'Abel\n', 'notes.md': 'x', 'data.csv': 'a,b\n' });
    await mkdir(join(dir, 'sub.txt'));
    await expect(loadLabelDirectory(dir)).rejects.toThrow(
      new InvalidCorpusError('no <Label>.txt files in directory', { file: dir }),
    );
    await expect(loadCorpus(dir)).rejects.toBeInstanceOf(InvalidCorpusError);
  });

  it('odd file names: spaces, unicode (NFD on disk), markup, prototype names; hidden and control ones skipped', async () => {
    const dir = await dirWith({
      'Old Norse.txt': 'Ragnar\n',
      'Franc\u0327ais.txt': 'Zoé\n', // NFD, as macOS writes it
      '<script>alert(1)<script>.txt': 'Xss\n',
      '__proto__.txt': 'Proto\n',
      'constructor.txt': 'Ctor\nCtor2\n',
      '.DS_Store.txt': 'hidden\n',
      'tab\there.txt': 'Tabbed\n',
      ' .txt': 'nameless\n',
    });
    const { corpus, report } = await loadLabelDirectory(dir);
    expect(corpus.labels).toEqual([
      '<script>alert(1)<script>',
      'Français',
      'Old Norse',
      '__proto__',
      'constructor',
    ]);
    expect(Object.keys(report.perLabel).sort()).toEqual([...corpus.labels].sort());
    expect(report.perLabel['__proto__']).toBe(1);
    expect(report.perLabel['constructor']).toBe(2);
    expect(report.skippedFiles.sort()).toEqual(
      [' .txt', '.DS_Store.txt', 'tab\there.txt'].map((name) => join(dir, name)).sort(),
    );
    expect(corpus.items.find((i) => i.name === 'Zoé')?.label).toBe('Français'.normalize('NFC'));
  });

  it('duplicate and conflicting names across files are counted and listed', async () => {
    const dir = await dirWith({ 'A.txt': 'Abel\nAbel\n', 'B.txt': 'Abel\n' });
    const { corpus, report } = await loadLabelDirectory(dir);
    expect(corpus.items.map((i) => `${i.label}:${i.name}`)).toEqual(['A:Abel', 'B:Abel']);
    expect(report.duplicates).toEqual([
      { file: join(dir, 'A.txt'), line: 2, name: 'Abel', detail: 'duplicate of line 1' },
    ]);
    expect(report.crossLabel).toEqual([
      { file: join(dir, 'A.txt'), line: 1, name: 'Abel', detail: 'under 2 labels: A, B' },
    ]);
  });

  it('an enormous line (10 MB) is dropped as malformed with its size; the other lines are kept', async () => {
    const big = new Uint8Array(10 * 1024 * 1024 + 6);
    big.fill(0x7a, 0, 10 * 1024 * 1024);
    big.set(new TextEncoder().encode('\nAbel\n'), 10 * 1024 * 1024);
    const dir = await dirWith({ 'Greek.txt': big });
    const { corpus, report } = await loadLabelDirectory(dir);
    expect(corpus.items.map((i) => i.name)).toEqual(['Abel']);
    expect(report.malformed).toEqual([
      {
        file: join(dir, 'Greek.txt'),
        line: 1,
        name: `${'z'.repeat(40)}…`,
        detail: 'line is 10.0 MiB, over the 64.0 KiB line limit',
      },
    ]);
    // Raising the line limit keeps it (as a name of 10 MiB: the caller asked for it).
    const raised = await loadLabelDirectory(dir, { maxLineBytes: 16 * 1024 * 1024 });
    expect(raised.corpus.items[0]?.name.length).toBe(10 * 1024 * 1024);
  });
});

describe('big-file guard and streaming', () => {
  async function sparse(path: string, bytes: number): Promise<void> {
    const handle = await open(path, 'w');
    await handle.truncate(bytes); // a hole: no disk used, reads as NULs
    await handle.close();
  }

  it('a 1 GiB file is refused from its size, with an IoError naming it, without being read', async () => {
    const dir = await dirWith({ 'Greek.txt': 'Abel\n' });
    const file = join(dir, 'Huge.txt');
    await sparse(file, 1024 ** 3);
    const started = performance.now();
    await expect(loadLabelDirectory(dir)).rejects.toThrow(
      new IoError('file is 1024.0 MiB, over the 256.0 MiB limit (raise maxBytes to load it)', { file }),
    );
    await expect(loadTsvFile(file, { maxBytes: 4096 })).rejects.toThrow(
      `${file}: file is 1024.0 MiB, over the 4.0 KiB limit (raise maxBytes to load it)`,
    );
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('with the limit raised, a 1 GiB file is streamed, not loaded whole (it stops at the first chunk)', async () => {
    const file = join(root, 'huge.tsv');
    await sparse(file, 1024 ** 3);
    const before = process.memoryUsage().arrayBuffers;
    const started = performance.now();
    await expect(loadTsvFile(file, { maxBytes: 2 * 1024 ** 3 })).rejects.toThrow(
      `${file}: binary file (NUL byte at offset 0)`,
    );
    expect(performance.now() - started).toBeLessThan(500);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('a small maxBytes refuses a small file too', async () => {
    const dir = await dirWith({ 'Big.txt': 'x'.repeat(2048) });
    await expect(loadLabelDirectory(dir, { maxBytes: 1024 })).rejects.toThrow(
      new IoError('file is 2.0 KiB, over the 1.0 KiB limit (raise maxBytes to load it)', {
        file: join(dir, 'Big.txt'),
      }),
    );
  });

  it('reading in chunks of any size gives the lines of the whole file', async () => {
    const text = '\uFEFFAbel\r\nZoë\n\nŚlusàrski\r\n王芳\nlast';
    const file = join(root, 'chunks.txt');
    await writeFile(file, text);
    const whole = parseLabelFile(text, 'L', file);
    for (const chunkBytes of [1, 2, 3, 5, 7, 64]) {
      const lines: RawLine[] = [];
      await readLines(file, { maxBytes: 1024, chunkBytes }, (line) => lines.push(line));
      expect(lines.map((l) => l.text)).toEqual(['Abel', 'Zoë', '', 'Ślusàrski', '王芳', 'last']);
    }
    const dir = join(root, 'chunks-dir');
    await mkdir(dir);
    await writeFile(join(dir, 'L.txt'), text);
    const loaded = await loadLabelDirectory(dir);
    expect(loaded.corpus.items.map((i) => i.name)).toEqual(whole.corpus.items.map((i) => i.name));
  });

  it('a FIFO named like a label file is skipped, and refused as a TSV file (never blocks)', async (ctx) => {
    const dir = await dirWith({ 'Greek.txt': 'Abel\n' });
    const fifo = join(dir, 'Pipe.txt');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      ctx.skip('mkfifo is not available');
      return;
    }
    expect((await loadLabelDirectory(dir)).report.skippedFiles).toEqual([`${fifo}/`]);
    await expect(loadTsvFile(fifo)).rejects.toThrow(new IoError('not a regular file', { file: fifo }));
  });
});

describe('TSV files: edge cases', () => {
  it('empty, header-only and all-dropped files are errors naming the file', async () => {
    const dir = await dirWith({
      'empty.tsv': '',
      'header.tsv': 'name\tlabel\r\n',
      'bad.tsv': 'Abel\nAbel\tGerman\tExtra\n\n',
    });
    await expect(loadTsvFile(join(dir, 'empty.tsv'))).rejects.toThrow(
      new InvalidCorpusError('no names: 0 lines read', { file: join(dir, 'empty.tsv') }),
    );
    await expect(loadTsvFile(join(dir, 'header.tsv'))).rejects.toThrow(
      `${join(dir, 'header.tsv')}: no names: 0 lines read`,
    );
    await expect(loadCorpus(join(dir, 'bad.tsv'))).rejects.toThrow(
      `${join(dir, 'bad.tsv')}: no names: 3 lines read, all dropped (1 empty, 2 malformed)`,
    );
  });

  it('counts every dropped line with file and line', async () => {
    const text =
      'name\tlabel\nAbel\tGerman\n\nAdam\n\tGreek\nZoë\t\nAbel\tGerman\nA\u0007b\tX\nOk\tFrench\r\n';
    const dir = await dirWith({ 'f.tsv': text });
    const file = join(dir, 'f.tsv');
    const { corpus, report } = await loadTsvFile(file);
    expect(corpus.items.map((i) => [i.name, i.label, i.source?.line])).toEqual([
      ['Abel', 'German', 2],
      ['Ok', 'French', 9],
    ]);
    const dropped = [...report.empty, ...report.malformed, ...report.duplicates, ...report.undecodable]
      .map((i) => [i.file === file, i.line, i.detail])
      .sort((a, b) => (a[1] as number) - (b[1] as number));
    expect(dropped).toEqual([
      [true, 3, 'empty line'],
      [true, 4, 'no tab: expected name<TAB>label'],
      [true, 5, 'empty name'],
      [true, 6, 'empty label'],
      [true, 7, 'duplicate of line 2'],
      [true, 8, 'control character U+0007 in name'],
    ]);
    expect(report.total).toBe(report.kept + dropped.length);
  });
});

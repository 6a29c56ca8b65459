import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { InvalidCorpusError, IoError } from '@charrnn/core';
import { DEFAULT_MAX_BYTES } from '../limits.js';
import { createCorpus } from '../corpus.js';
import type { ParsedCorpus, ParseOptions } from '../parsed_corpus.js';
import { LabelFileParser } from '../parse_label_file.js';
import { labelOfFileName } from '../parse_label_files.js';
import { TsvParser } from '../parse_tsv.js';
import { mergeCorpora } from '../validate_corpus.js';
import { emptyReport } from '../validation_report.js';
import { readLines } from './read_lines.js';
import { statPath } from './read_file_limited.js';

/** Options of the file loaders. */
export interface LoadOptions extends ParseOptions {
  /**
   * Largest file read, in bytes (default 256 MiB, `DEFAULT_MAX_BYTES`); a larger file is refused
   * with an `IoError` naming it, from its size, before it is read. Files are streamed in 1 MiB
   * chunks, never loaded whole, so raising the limit costs only the memory of the names kept.
   */
  maxBytes?: number;
}

/**
 * Loads a directory of `<Label>.txt` files (the tutorial's `names/` layout): the label is the
 * file name without `.txt`, files are read in sorted order, and anything else in the directory
 * (other files, sub-directories) is listed in `report.skippedFiles`. Files whose name is not valid
 * UTF-8 (no label can be read from it) are skipped and listed in `report.badFileNames`.
 *
 * Each file is streamed (see {@link LoadOptions.maxBytes}) and parsed as `parseLabelFile` does.
 *
 * A `<Label>.txt` file without any usable name (empty, or only dropped lines, all counted in the
 * report) adds no label.
 *
 * @throws NotFoundError when `dir` does not exist; InvalidCorpusError naming `dir` when it holds
 * no `<Label>.txt` file or no name at all (`no names: 3 lines read, all dropped (3 empty)`), or
 * naming a file that is binary (a NUL byte in its first 8000 bytes) or UTF-16; IoError naming a
 * file over `maxBytes`.
 *
 * @example
 * ```ts
 * const { corpus, report } = await loadLabelDirectory('data/names');
 * console.log(formatReport(report));
 * ```
 */
export async function loadLabelDirectory(dir: string, options: LoadOptions = {}): Promise<ParsedCorpus> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const info = await statPath(dir);
  if (!info.isDirectory()) throw new IoError('not a directory', { file: dir });
  let rawEntries;
  try {
    // As bytes: a name that is not valid UTF-8 would otherwise come back with U+FFFD in place of
    // its bad bytes, and opening that altered name would fail as "no such file".
    rawEntries = await readdir(dir, { withFileTypes: true, encoding: 'buffer' });
  } catch (error) {
    throw new IoError(`cannot list directory (${(error as Error).message})`, { file: dir, cause: error });
  }
  const parts: ParsedCorpus[] = [];
  const skipped: string[] = [];
  const badNames: string[] = [];
  const entries: { name: string; entry: (typeof rawEntries)[number] }[] = [];
  for (const entry of rawEntries) {
    const name = decodeFileName(entry.name);
    if (name === undefined) badNames.push(join(dir, escapeBytes(entry.name)));
    else entries.push({ name, entry });
  }
  for (const { name, entry } of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, name);
    const isFile =
      entry.isFile() ||
      (entry.isSymbolicLink() &&
        (await stat(path).then(
          (s) => s.isFile(),
          () => false,
        )));
    const label = isFile ? labelOfFileName(name) : undefined;
    if (label === undefined) {
      skipped.push(isFile ? path : `${path}/`);
      continue;
    }
    const parser = new LabelFileParser(label, path, options);
    await readLines(path, { maxBytes, maxLineBytes: options.maxLineBytes }, (line) => parser.push(line));
    parts.push(parser.finish());
  }
  if (parts.length === 0) throw new InvalidCorpusError('no <Label>.txt files in directory', { file: dir });
  const skippedReport = emptyReport();
  skippedReport.skippedFiles = skipped;
  skippedReport.badFileNames = badNames;
  return requireNames(mergeCorpora([...parts, { corpus: createCorpus([]), report: skippedReport }]), dir);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A file name's bytes as text, or undefined when they are not valid UTF-8. */
function decodeFileName(bytes: Uint8Array): string | undefined {
  try {
    return UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** A file name that is not valid UTF-8, printable: ASCII kept, other bytes as `\xNN`. */
function escapeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes)
    out += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return out;
}

/** Refuses a corpus that kept no name: training or evaluating on it could only fail later, less clearly. */
function requireNames(parsed: ParsedCorpus, file: string): ParsedCorpus {
  const { report } = parsed;
  if (report.kept > 0) return parsed;
  const dropped = [
    [report.empty.length, 'empty'],
    [report.undecodable.length, 'undecodable'],
    [report.malformed.length, 'malformed'],
    [report.duplicates.length, 'duplicate'],
  ]
    .filter(([n]) => (n as number) > 0)
    .map(([n, what]) => `${n} ${what}`);
  const lines = `${report.total} line${report.total === 1 ? '' : 's'} read`;
  throw new InvalidCorpusError(
    `no names: ${lines}${dropped.length > 0 ? `, all dropped (${dropped.join(', ')})` : ''}`,
    { file },
  );
}

/**
 * Loads a `name<TAB>label` file (see `parseTsv`), streamed, refusing files over `maxBytes`
 * (IoError naming the file) before reading them, and files without any name
 * (InvalidCorpusError naming the file: `no names: 1 line read, all dropped (1 malformed)`).
 *
 * @example
 * ```ts
 * const { corpus } = await loadTsvFile('names-split/train.tsv');
 * ```
 */
export async function loadTsvFile(path: string, options: LoadOptions = {}): Promise<ParsedCorpus> {
  const parser = new TsvParser(path, options);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  await readLines(path, { maxBytes, maxLineBytes: options.maxLineBytes }, (line) => parser.push(line));
  return requireNames(parser.finish(), path);
}

/**
 * Loads a corpus from a path: a directory is read with {@link loadLabelDirectory}, a `.tsv` or
 * `.txt` file with {@link loadTsvFile}.
 *
 * @throws NotFoundError when the path does not exist; InvalidCorpusError for another file type.
 *
 * @example
 * ```ts
 * const { corpus, report } = await loadCorpus(process.argv[2] ?? 'data/names');
 * ```
 */
export async function loadCorpus(path: string, options: LoadOptions = {}): Promise<ParsedCorpus> {
  const info = await statPath(path);
  if (info.isDirectory()) return loadLabelDirectory(path, options);
  const ext = extname(path).toLowerCase();
  if (ext === '.tsv' || ext === '.txt') return loadTsvFile(path, options);
  throw new InvalidCorpusError(
    `unsupported corpus file type ${JSON.stringify(ext)}: expected a directory of <Label>.txt files or a name<TAB>label .tsv/.txt file`,
    { file: path },
  );
}

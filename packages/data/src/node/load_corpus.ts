import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { InvalidCorpusError, IoError } from '@charrnn/core';
import { DEFAULT_MAX_BYTES } from '../limits.js';
import type { ParsedCorpus, ParseOptions } from '../parsed_corpus.js';
import { labelOfFileName, parseLabelFiles, type NamedFile } from '../parse_label_files.js';
import { parseTsv } from '../parse_tsv.js';
import { readFileLimited, statPath } from './read_file_limited.js';

/** Options of the file loaders. */
export interface LoadOptions extends ParseOptions {
  /** Largest file read, in bytes (default 256 MiB); larger files are refused with an `IoError`. */
  maxBytes?: number;
}

/**
 * Loads a directory of `<Label>.txt` files (the tutorial's `names/` layout): the label is the
 * file name without `.txt`, files are read in sorted order, and anything else in the directory
 * (other files, sub-directories) is listed in `report.skippedFiles`.
 *
 * @throws NotFoundError when `dir` does not exist; InvalidCorpusError naming `dir` when it holds
 * no `.txt` file; IoError for a file over `maxBytes`.
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
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new IoError(`cannot list directory (${(error as Error).message})`, { file: dir, cause: error });
  }
  const files: NamedFile[] = [];
  const skipped: string[] = [];
  for (const entry of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, entry.name);
    const isFile =
      entry.isFile() ||
      (entry.isSymbolicLink() &&
        (await stat(path).then(
          (s) => s.isFile(),
          () => false,
        )));
    if (isFile && labelOfFileName(entry.name) !== undefined)
      files.push({ name: path, data: await readFileLimited(path, maxBytes) });
    else skipped.push(isFile ? path : `${path}/`);
  }
  if (files.length === 0) throw new InvalidCorpusError('no <Label>.txt files in directory', { file: dir });
  const parsed = parseLabelFiles(files, { ...options, source: dir });
  parsed.report.skippedFiles.push(...skipped);
  return parsed;
}

/**
 * Loads a `name<TAB>label` file (see `parseTsv`), refusing files over `maxBytes`.
 *
 * @example
 * ```ts
 * const { corpus } = await loadTsvFile('names-split/train.tsv');
 * ```
 */
export async function loadTsvFile(path: string, options: LoadOptions = {}): Promise<ParsedCorpus> {
  const bytes = await readFileLimited(path, options.maxBytes ?? DEFAULT_MAX_BYTES);
  return parseTsv(bytes, path, options);
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

import { InvalidCorpusError } from '@charrnn/core';
import { createCorpus } from './corpus.js';
import { controlCharacterIn } from './line_checks.js';
import type { ParsedCorpus, ParseOptions } from './parsed_corpus.js';
import { parseLabelFile } from './parse_label_file.js';
import { mergeCorpora } from './validate_corpus.js';
import { emptyReport } from './validation_report.js';

/** A file given by name and content: a browser `File` read into memory, a zip entry, a test fixture. */
export interface NamedFile {
  /** File name or path; the label is its base name without `.txt`. */
  name: string;
  /** The content, as text or raw bytes. */
  data: string | Uint8Array;
}

/**
 * `'dir/Greek.txt'` -> `'Greek'`; `undefined` for names that are not `<Label>.txt` files: other
 * extensions, hidden files (`.Greek.txt`), an empty label (`' .txt'`) or a label holding a control
 * character (a tab or newline in a file name). Any other character is kept as it is: spaces
 * (`'Old Norse.txt'`), non-ASCII letters (NFC-normalised later, so macOS's NFD file names give the
 * same label) and markup such as `'<script>.txt'`, which is data, to be escaped by whoever
 * displays it.
 *
 * @example
 * ```ts
 * labelOfFileName('names/Old Norse.txt'); // 'Old Norse'
 * labelOfFileName('names/.DS_Store');     // undefined
 * ```
 */
export function labelOfFileName(name: string): string | undefined {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  if (!/\.txt$/i.test(base) || base.startsWith('.')) return undefined;
  const label = base.slice(0, -4).trim();
  return label.length === 0 || controlCharacterIn(label) !== undefined ? undefined : label;
}

/**
 * Parses a set of `<Label>.txt` files (the tutorial's `names/` layout), one label per file, and
 * merges them with {@link mergeCorpora}. Files that are not `<Label>.txt` (see
 * {@link labelOfFileName}) are not read and are listed in `report.skippedFiles`. Files are read in
 * the order given.
 *
 * @param source what to name in the error when no `.txt` file is present (a directory, a zip).
 * @throws InvalidCorpusError when no file is a `<Label>.txt` file, or naming the file when one is
 *   binary or UTF-16 (see `parseLabelFile`).
 *
 * @example
 * ```ts
 * // In a browser, from <input type="file" multiple>:
 * const files = await Promise.all([...input.files].map(async (f) => ({ name: f.name, data: new Uint8Array(await f.arrayBuffer()) })));
 * const { corpus, report } = parseLabelFiles(files);
 * ```
 */
export function parseLabelFiles(
  files: readonly NamedFile[],
  options: ParseOptions & { source?: string } = {},
): ParsedCorpus {
  const parts: ParsedCorpus[] = [];
  const skipped: string[] = [];
  for (const file of files) {
    const label = labelOfFileName(file.name);
    if (label === undefined) skipped.push(file.name);
    else parts.push(parseLabelFile(file.data, label, file.name, options));
  }
  if (parts.length === 0) {
    throw new InvalidCorpusError(
      'no <Label>.txt files found',
      options.source === undefined ? {} : { file: options.source },
    );
  }
  const skippedReport = emptyReport();
  skippedReport.skippedFiles = skipped;
  return mergeCorpora([...parts, { corpus: createCorpus([]), report: skippedReport }]);
}

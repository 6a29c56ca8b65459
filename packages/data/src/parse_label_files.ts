import { InvalidCorpusError } from '@charrnn/core';
import { createCorpus } from './corpus.js';
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

/** `'dir/Greek.txt'` -> `'Greek'`; `undefined` for names that are not `<Label>.txt`. */
export function labelOfFileName(name: string): string | undefined {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  if (!/\.txt$/i.test(base) || base.startsWith('.')) return undefined;
  const label = base.slice(0, -4).trim();
  return label.length === 0 ? undefined : label;
}

/**
 * Parses a set of `<Label>.txt` files (the tutorial's `names/` layout), one label per file, and
 * merges them with {@link mergeCorpora}. Files that are not `.txt` (or hidden) are not read and
 * are listed in `report.skippedFiles`. Files are read in the order given.
 *
 * @param source what to name in the error when no `.txt` file is present (a directory, a zip).
 * @throws InvalidCorpusError when no file is a `<Label>.txt` file.
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

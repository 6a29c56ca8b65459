import { InvalidArgumentError, InvalidCorpusError } from '@charrnn/core';
import type { LabeledName } from './corpus.js';
import type { ParsedCorpus, ParseOptions } from './parsed_corpus.js';
import { splitLines } from './split_lines.js';
import { finishCorpus } from './validate_corpus.js';
import { emptyReport } from './validation_report.js';

/**
 * Parses one `<Label>.txt` file of the tutorial's layout: one name per line, all under `label`.
 * Accepts a string or raw bytes (UTF-8, optional BOM, LF or CRLF). Names are trimmed and
 * NFC-normalised. Empty lines and undecodable lines (invalid UTF-8, reported with their line
 * number) are counted and dropped; repeated names are counted as duplicates and dropped after the
 * first.
 *
 * @param file name used in the report and in errors (default `<label>.txt`).
 *
 * @example
 * ```ts
 * const { corpus, report } = parseLabelFile('Abel\r\nAbel\n\nAdamidis\n', 'Greek', 'names/Greek.txt');
 * corpus.items.map((i) => i.name); // ['Abel', 'Adamidis']
 * report.duplicates[0];             // { file: 'names/Greek.txt', line: 2, name: 'Abel', detail: 'duplicate of line 1' }
 * ```
 */
export function parseLabelFile(
  input: string | Uint8Array,
  label: string,
  file: string = `${label}.txt`,
  options: ParseOptions = {},
): ParsedCorpus {
  const cleanLabel = label.trim().normalize('NFC');
  if (cleanLabel.length === 0 || cleanLabel.includes('\t')) {
    throw new InvalidArgumentError(
      `label must be non-empty and contain no tab, got ${JSON.stringify(label)}`,
      { file },
    );
  }
  const base = emptyReport();
  const items: LabeledName[] = [];
  for (const { line, text, undecodable } of splitLines(input)) {
    base.total += 1;
    const name = text.trim().normalize('NFC');
    if (undecodable) {
      if (options.strict === true) throw new InvalidCorpusError('invalid UTF-8', { file, line });
      base.undecodable.push({ file, line, name, detail: 'invalid UTF-8' });
    } else if (name.length === 0) {
      if (options.strict === true) throw new InvalidCorpusError('empty line', { file, line });
      base.empty.push({ file, line, name, detail: 'empty line' });
    } else {
      items.push({ name, label: cleanLabel, source: { file, line } });
    }
  }
  return finishCorpus(items, base);
}

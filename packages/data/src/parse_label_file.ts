import { formatValue, InvalidArgumentError, InvalidCorpusError, labelProblem } from '@charrnn/core';
import type { LabeledName } from './corpus.js';
import { readNameLine } from './name_line.js';
import { splitLines, type RawLine } from './line_splitter.js';
import type { ParsedCorpus, ParseOptions } from './parsed_corpus.js';
import { finishCorpus } from './validate_corpus.js';
import { emptyReport, type ValidationReport } from './validation_report.js';

/** A label as the parsers store it: trimmed, NFC. @internal */
export function cleanLabel(label: string, file: string): string {
  const clean = label.trim().normalize('NFC');
  const problem = labelProblem(clean);
  if (problem !== undefined) {
    throw new InvalidArgumentError(
      `label must be non-empty and contain no tab or other control character (${problem}), got ${formatValue(label)}`,
      { file },
    );
  }
  return clean;
}

/**
 * Line-by-line form of {@link parseLabelFile}, fed by a streaming reader (`@charrnn/data/node`).
 * @internal
 */
export class LabelFileParser {
  private readonly base: ValidationReport = emptyReport();
  private readonly items: LabeledName[] = [];
  private readonly label: string;

  constructor(
    label: string,
    private readonly file: string,
    private readonly options: ParseOptions = {},
  ) {
    this.label = cleanLabel(label, file);
  }

  /** Adds one line of the file. */
  push(raw: RawLine): void {
    const { base, file } = this;
    base.total += 1;
    const { line, name, problem, issue } = readNameLine(raw, this.options.maxLineBytes);
    if (problem !== undefined && issue !== undefined) {
      if (this.options.strict === true) throw new InvalidCorpusError(problem, { file, line });
      base[issue].push({ file, line, name, detail: problem });
      return;
    }
    this.items.push({ name, label: this.label, source: { file, line } });
  }

  /** The corpus and report of the lines pushed. */
  finish(): ParsedCorpus {
    return finishCorpus(this.items, this.base);
  }
}

/**
 * Parses one `<Label>.txt` file of the tutorial's layout: one name per line, all under `label`.
 * Accepts a string or raw bytes (UTF-8, optional BOM, LF or CRLF). Names are trimmed and
 * NFC-normalised. Counted and dropped, each with file and line: empty lines (`empty`), lines that
 * are not valid UTF-8 (`undecodable`), lines holding a control character such as a tab, a lone CR
 * or NUL, and lines over `maxLineBytes` (`malformed`); repeated names are counted as duplicates
 * and dropped after the first. A file with a NUL byte in its first 8000 bytes (an image, say) or
 * a UTF-16 byte-order mark is refused as a whole.
 *
 * @param file name used in the report and in errors (default `<label>.txt`).
 * @throws InvalidArgumentError when `label` is empty or holds a control character;
 *   InvalidCorpusError naming the file for a binary or UTF-16 file, and (with `strict`) naming
 *   file and line at the first dropped line.
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
  const parser = new LabelFileParser(label, file, options);
  for (const line of splitLines(input, { file, maxLineBytes: options.maxLineBytes })) parser.push(line);
  return parser.finish();
}

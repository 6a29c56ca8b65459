import { InvalidCorpusError } from '@charrnn/core';
import type { LabeledName } from './corpus.js';
import { DEFAULT_MAX_LINE_BYTES } from './limits.js';
import { controlCharacterIn, tooLongDetail } from './line_checks.js';
import { splitLines, type RawLine } from './line_splitter.js';
import type { ParsedCorpus, ParseOptions } from './parsed_corpus.js';
import { finishCorpus } from './validate_corpus.js';
import { emptyReport, type Issue, type ValidationReport } from './validation_report.js';

function isHeader(text: string): boolean {
  const cells = text.split('\t').map((cell) => cell.trim().toLowerCase());
  return cells.length === 2 && cells[0] === 'name' && cells[1] === 'label';
}

/**
 * Line-by-line form of {@link parseTsv}, fed by a streaming reader (`@charrnn/data/node`).
 * @internal
 */
export class TsvParser {
  private readonly base: ValidationReport = emptyReport();
  private readonly items: LabeledName[] = [];

  constructor(
    private readonly file: string,
    private readonly options: ParseOptions = {},
  ) {}

  /** Adds one line of the file. */
  push({ line, text, undecodable, tooLong }: RawLine): void {
    const { base, file } = this;
    if (line === 1 && !undecodable && tooLong === undefined && isHeader(text)) return;
    base.total += 1;
    const drop = (list: Issue[], name: string, detail: string): void => {
      if (this.options.strict === true) throw new InvalidCorpusError(detail, { file, line });
      list.push({ file, line, name, detail });
    };
    if (tooLong !== undefined)
      return drop(
        base.malformed,
        text,
        tooLongDetail(tooLong, this.options.maxLineBytes, DEFAULT_MAX_LINE_BYTES),
      );
    if (undecodable) return drop(base.undecodable, text, 'invalid UTF-8');
    if (text.trim().length === 0) return drop(base.empty, '', 'empty line');
    const cells = text.split('\t');
    if (cells.length === 1) return drop(base.malformed, text, 'no tab: expected name<TAB>label');
    if (cells.length > 2)
      return drop(base.malformed, text, `expected 2 tab-separated columns, found ${cells.length}`);
    const name = (cells[0] ?? '').trim().normalize('NFC');
    const label = (cells[1] ?? '').trim().normalize('NFC');
    if (label.length === 0) return drop(base.malformed, text, 'empty label');
    if (name.length === 0) return drop(base.empty, '', 'empty name');
    for (const [what, value] of [
      ['name', name],
      ['label', label],
    ] as const) {
      const control = controlCharacterIn(value);
      if (control !== undefined) return drop(base.malformed, text, `control character ${control} in ${what}`);
    }
    this.items.push({ name, label, source: { file, line } });
  }

  /** The corpus and report of the lines pushed. */
  finish(): ParsedCorpus {
    return finishCorpus(this.items, this.base);
  }
}

/**
 * Parses `name<TAB>label` lines (the layout of the benchmark split files). A first line reading
 * `name<TAB>label` (any case) is taken as a header and not counted. Names and labels are trimmed
 * and NFC-normalised. Counted and dropped, each with file and line: empty lines and empty names
 * (`empty`), invalid UTF-8 (`undecodable`), lines without a tab, with more than two columns, with
 * an empty label, with a control character (a lone CR, NUL...) in the name or label, or over
 * `maxLineBytes` (`malformed`), and repeated (name, label) pairs (`duplicates`). A file with a NUL
 * byte in its first 8000 bytes or a UTF-16 byte-order mark is refused as a whole. With `strict`,
 * the first empty, undecodable or malformed line throws an `InvalidCorpusError` naming file and
 * line.
 *
 * @param file name used in the report and in errors (default `'<input>'`).
 * @throws InvalidCorpusError naming the file for a binary or UTF-16 file (and, with `strict`, for
 *   the first dropped line); InvalidArgumentError for a bad `maxLineBytes`.
 *
 * @example
 * ```ts
 * const { corpus, report } = parseTsv('name\tlabel\nAbel\tGerman\nAdam\n', 'train.tsv');
 * corpus.items;             // [{ name: 'Abel', label: 'German', source: { file: 'train.tsv', line: 2 } }]
 * report.malformed[0].line; // 3
 * ```
 */
export function parseTsv(
  input: string | Uint8Array,
  file = '<input>',
  options: ParseOptions = {},
): ParsedCorpus {
  const parser = new TsvParser(file, options);
  for (const line of splitLines(input, { file, maxLineBytes: options.maxLineBytes })) parser.push(line);
  return parser.finish();
}

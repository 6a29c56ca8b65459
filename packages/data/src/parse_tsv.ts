import { InvalidCorpusError } from '@charrnn/core';
import type { LabeledName } from './corpus.js';
import type { ParsedCorpus, ParseOptions } from './parsed_corpus.js';
import { splitLines } from './split_lines.js';
import { finishCorpus } from './validate_corpus.js';
import { emptyReport, type Issue } from './validation_report.js';

function isHeader(text: string): boolean {
  const cells = text.split('\t').map((cell) => cell.trim().toLowerCase());
  return cells.length === 2 && cells[0] === 'name' && cells[1] === 'label';
}

/**
 * Parses `name<TAB>label` lines (the layout of the benchmark split files). A first line reading
 * `name<TAB>label` (any case) is taken as a header and not counted. Names and labels are trimmed
 * and NFC-normalised. Counted and dropped: empty lines and empty names (`empty`), invalid UTF-8
 * (`undecodable`), lines without a tab, with more than two columns or with an empty label
 * (`malformed`), and repeated (name, label) pairs (`duplicates`). With `strict`, the first empty,
 * undecodable or malformed line throws an `InvalidCorpusError` naming file and line.
 *
 * @param file name used in the report and in errors (default `'<input>'`).
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
  const base = emptyReport();
  const items: LabeledName[] = [];
  const lines = splitLines(input);
  const report = (list: Issue[], line: number, name: string, detail: string): void => {
    if (options.strict === true) throw new InvalidCorpusError(detail, { file, line });
    list.push({ file, line, name, detail });
  };
  lines.forEach(({ line, text, undecodable }, index) => {
    if (index === 0 && !undecodable && isHeader(text)) return;
    base.total += 1;
    if (undecodable) return report(base.undecodable, line, text, 'invalid UTF-8');
    if (text.trim().length === 0) return report(base.empty, line, '', 'empty line');
    const cells = text.split('\t');
    if (cells.length === 1) return report(base.malformed, line, text, 'no tab: expected name<TAB>label');
    if (cells.length > 2)
      return report(base.malformed, line, text, `expected 2 tab-separated columns, found ${cells.length}`);
    const name = (cells[0] ?? '').trim().normalize('NFC');
    const label = (cells[1] ?? '').trim().normalize('NFC');
    if (label.length === 0) return report(base.malformed, line, text, 'empty label');
    if (name.length === 0) return report(base.empty, line, '', 'empty name');
    items.push({ name, label, source: { file, line } });
  });
  return finishCorpus(items, base);
}

import { InvalidArgumentError, InvalidCorpusError } from '@charrnn/core';
import type { Tokenizer } from '@charrnn/tokenizer';
import type { LabeledName } from './corpus.js';
import type { ValidationReport } from './validation_report.js';

/** One training example: a name's token ids and its label's index. */
export interface Example {
  /** Token ids from `Tokenizer.encode`, never empty. */
  ids: Int32Array;
  /** Index of the label in the label list given to {@link encodeExamples}. */
  label: number;
}

/** Options of {@link encodeExamples}. */
export interface EncodeOptions {
  /** When given, each name that encodes to no tokens is added to `report.unencodable`. */
  report?: ValidationReport;
}

/**
 * Encodes labelled names into {@link Example}s with a tokenizer. Names that encode to no tokens
 * (say `'ßßß'`... under a tokenizer that drops every character) are dropped, never passed on as
 * empty sequences; they are listed in `options.report.unencodable` when a report is given.
 *
 * @param labels the label list that fixes label indices (usually `corpus.labels`).
 * @throws InvalidCorpusError naming the label (and the file and line when known) for a label not in `labels`.
 * @throws InvalidArgumentError when `labels` has duplicates.
 *
 * @example
 * ```ts
 * const tokenizer = Tokenizer.tutorial();
 * const examples = encodeExamples(split.train, tokenizer, corpus.labels, { report });
 * ```
 */
export function encodeExamples(
  items: readonly LabeledName[],
  tokenizer: Pick<Tokenizer, 'encode'>,
  labels: readonly string[],
  options: EncodeOptions = {},
): Example[] {
  const index = new Map<string, number>();
  labels.forEach((label, i) => {
    if (index.has(label))
      throw new InvalidArgumentError(`label ${JSON.stringify(label)} is listed twice`, { field: 'labels' });
    index.set(label, i);
  });
  const examples: Example[] = [];
  items.forEach((item, i) => {
    const at = item.source ?? { file: '<items>', line: i + 1 };
    const label = index.get(item.label);
    if (label === undefined) {
      throw new InvalidCorpusError(
        `unknown label ${JSON.stringify(item.label)} for ${JSON.stringify(item.name)} (known: ${labels.join(', ')})`,
        at,
      );
    }
    const ids = tokenizer.encode(item.name);
    if (ids.length === 0) {
      options.report?.unencodable.push({ ...at, name: item.name, detail: 'encodes to no tokens' });
      return;
    }
    examples.push({ ids, label });
  });
  return examples;
}

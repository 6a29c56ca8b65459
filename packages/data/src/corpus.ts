/** One labelled name, with where it was read from when it came from a file. */
export interface LabeledName {
  /** The name, trimmed and NFC-normalised by the parsers. */
  name: string;
  /** Its label (language), e.g. `'Greek'`. */
  label: string;
  /** File (or zip entry, or URL) and 1-based line the name was read from. */
  source?: { file: string; line: number };
}

/** A set of labelled names and the sorted list of labels that occur in it. */
export interface Corpus {
  /** Distinct labels of `items`, sorted by UTF-16 code units (`Array.prototype.sort`). */
  labels: string[];
  /** The names, in the order they were read. */
  items: LabeledName[];
}

/**
 * Builds a {@link Corpus} from items: the label list is the sorted set of their labels. Items are
 * taken as they are (no validation, no deduplication; see `validateCorpus` for that).
 *
 * @example
 * ```ts
 * createCorpus([{ name: 'Abel', label: 'German' }, { name: 'Adam', label: 'French' }]).labels;
 * // ['French', 'German']
 * ```
 */
export function createCorpus(items: LabeledName[]): Corpus {
  const labels = [...new Set(items.map((item) => item.label))].sort();
  return { labels, items };
}

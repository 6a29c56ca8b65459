import { createCorpus, type Corpus, type LabeledName } from './corpus.js';
import data from './default-corpus/corpus.json' with { type: 'json' };

/** Shape of `default-corpus/corpus.json`. */
interface DefaultCorpusJson {
  source: string;
  license: string;
  notice: string;
  labels: Record<string, string[]>;
}

const json: DefaultCorpusJson = data;

/** Where the embedded corpus comes from, and what is in it. */
export interface DefaultCorpusInfo {
  /** The data's origin (faker version and the lists read). */
  readonly source: string;
  /** The data's licence (MIT, from faker-js). */
  readonly license: string;
  /** faker-js's full licence text: the copyright and permission notice the MIT licence asks to keep. */
  readonly notice: string;
  /** Its labels, sorted. */
  readonly labels: readonly string[];
  /** Number of (name, label) pairs. */
  readonly count: number;
}

/**
 * Provenance and size of {@link defaultCorpus}: surnames of 37 languages or nationalities from
 * the locale lists of `@faker-js/faker` (MIT), non-Latin scripts transliterated to ASCII. See
 * `src/default-corpus/PROVENANCE.md` for the locales, transliteration tables and counts.
 */
export const DEFAULT_CORPUS_INFO: DefaultCorpusInfo = Object.freeze({
  source: json.source,
  license: json.license,
  notice: json.notice,
  labels: Object.freeze(Object.keys(json.labels).sort()),
  count: Object.values(json.labels).reduce((n, names) => n + names.length, 0),
});

/**
 * The embedded default corpus: about 14,600 surnames under 37 labels, derived from faker's
 * locale surname lists (never from the tutorial's data). Each name folds to non-empty ASCII over
 * the tutorial alphabet; (name, label) pairs are distinct, but some names occur under several
 * labels (e.g. Scandinavian `Hansen`). Returns a fresh copy on each call.
 *
 * @example
 * ```ts
 * const corpus = defaultCorpus();
 * const { train, val, test } = stratifiedSplit(corpus.items, { val: 0.1, test: 0.1, seed: 1 });
 * ```
 */
export function defaultCorpus(): Corpus {
  const items: LabeledName[] = [];
  for (const label of DEFAULT_CORPUS_INFO.labels) {
    for (const name of json.labels[label] ?? []) items.push({ name, label });
  }
  return createCorpus(items);
}

import { InvalidCorpusError } from '@charrnn/core';
import { createCorpus, type LabeledName } from './corpus.js';
import { controlCharacterIn } from './line_checks.js';
import type { ParsedCorpus, ParseOptions } from './parsed_corpus.js';
import { emptyReport, type Issue, type ValidationReport } from './validation_report.js';

const IN_MEMORY = '<items>';

type Location = { file: string; line: number };

function where(item: LabeledName, index: number): Location {
  return item.source ?? { file: IN_MEMORY, line: index + 1 };
}

/** Key of a (name, label) pair; a tab cannot occur in a parsed label. */
function pairKey(item: LabeledName): string {
  return `${item.name}\t${item.label}`;
}

/**
 * Removes repeated (name, label) pairs, keeping the first occurrence. Names are compared as exact
 * strings (parsers have already trimmed and NFC-normalised them).
 *
 * @example
 * ```ts
 * dedupe([{ name: 'Abel', label: 'German' }, { name: 'Abel', label: 'German' }, { name: 'Abel', label: 'French' }]);
 * // [{ name: 'Abel', label: 'German' }, { name: 'Abel', label: 'French' }]
 * ```
 */
export function dedupe(items: readonly LabeledName[]): LabeledName[] {
  return dedupeWithIssues(items).items;
}

function dedupeWithIssues(
  items: readonly LabeledName[],
  locations?: readonly Location[],
): { items: LabeledName[]; duplicates: Issue[]; locations: Location[] } {
  const first = new Map<string, Location>();
  const kept: LabeledName[] = [];
  const keptAt: Location[] = [];
  const duplicates: Issue[] = [];
  items.forEach((item, index) => {
    const key = pairKey(item);
    const seen = first.get(key);
    const at = locations?.[index] ?? where(item, index);
    if (seen === undefined) {
      first.set(key, at);
      kept.push(item);
      keptAt.push(at);
      return;
    }
    const detail =
      seen.file === at.file
        ? `duplicate of line ${seen.line}`
        : `duplicate of ${seen.file} line ${seen.line}`;
    duplicates.push({ ...at, name: item.name, detail });
  });
  return { items: kept, duplicates, locations: keptAt };
}

function crossLabelIssues(items: readonly LabeledName[], locations: readonly Location[]): Issue[] {
  const byName = new Map<string, { at: Location; labels: Set<string> }>();
  items.forEach((item, index) => {
    const entry = byName.get(item.name);
    if (entry === undefined)
      byName.set(item.name, { at: locations[index] ?? where(item, index), labels: new Set([item.label]) });
    else entry.labels.add(item.label);
  });
  const issues: Issue[] = [];
  for (const [name, { at, labels }] of byName) {
    if (labels.size < 2) continue;
    issues.push({ ...at, name, detail: `under ${labels.size} labels: ${[...labels].sort().join(', ')}` });
  }
  return issues;
}

/**
 * Finishes a report from items that passed the line checks: dedupes them, finds cross-label names
 * and counts per label. `base` carries the line-level counts and issues gathered so far;
 * `locations` (parallel to `items`) overrides where items without a source are reported.
 * @internal
 */
export function finishCorpus(
  items: readonly LabeledName[],
  base: ValidationReport,
  locations?: readonly Location[],
): ParsedCorpus {
  const { items: kept, duplicates, locations: keptAt } = dedupeWithIssues(items, locations);
  const counts = new Map<string, number>();
  for (const item of kept) counts.set(item.label, (counts.get(item.label) ?? 0) + 1);
  // fromEntries defines own properties, so labels such as "__proto__" or "constructor" count too.
  const perLabel: Record<string, number> = Object.fromEntries(counts);
  const report: ValidationReport = {
    ...base,
    kept: kept.length,
    perLabel,
    duplicates: [...base.duplicates, ...duplicates],
    crossLabel: crossLabelIssues(kept, keptAt),
  };
  return { corpus: createCorpus(kept), report };
}

/**
 * Validates labelled names that did not come from a parser (built in code, read from JSON...):
 * names and labels are trimmed and NFC-normalised, empty names are dropped (`empty`), empty labels
 * and names or labels holding a control character (tab, CR, NUL...) are dropped (`malformed`),
 * repeated (name, label) pairs are dropped (`duplicates`), and names under several labels are
 * reported (`crossLabel`) but kept under each label.
 *
 * @example
 * ```ts
 * const { corpus, report } = validateCorpus([{ name: ' Abel ', label: 'German' }, { name: '', label: 'German' }]);
 * corpus.items; // [{ name: 'Abel', label: 'German' }]
 * report.empty.length; // 1
 * ```
 */
export function validateCorpus(items: readonly LabeledName[], options: ParseOptions = {}): ParsedCorpus {
  const base = emptyReport();
  base.total = items.length;
  const good: LabeledName[] = [];
  const locations: Location[] = [];
  items.forEach((item, index) => {
    const at = where(item, index);
    const name = item.name.trim().normalize('NFC');
    const label = item.label.trim().normalize('NFC');
    let problem: { list: Issue[]; detail: string } | undefined;
    if (name.length === 0) problem = { list: base.empty, detail: 'empty name' };
    else if (label.length === 0) problem = { list: base.malformed, detail: 'empty label' };
    else if (label.includes('\t')) problem = { list: base.malformed, detail: 'label contains a tab' };
    else {
      const inName = controlCharacterIn(name);
      const inLabel = controlCharacterIn(label);
      if (inName !== undefined)
        problem = { list: base.malformed, detail: `control character ${inName} in name` };
      else if (inLabel !== undefined)
        problem = { list: base.malformed, detail: `control character ${inLabel} in label` };
    }
    if (problem !== undefined) {
      if (options.strict === true) throw new InvalidCorpusError(problem.detail, at);
      problem.list.push({ ...at, name: item.name, detail: problem.detail });
      return;
    }
    good.push(item.source === undefined ? { name, label } : { name, label, source: item.source });
    locations.push(at);
  });
  return finishCorpus(good, base, locations);
}

/**
 * Combines corpora read separately (one per file, say) into one: items are concatenated in order,
 * (name, label) pairs repeated across parts are dropped and added to `duplicates`, cross-label
 * names are found again over the whole, and totals and line issues are summed.
 *
 * @example
 * ```ts
 * const merged = mergeCorpora([parseLabelFile(greek, 'Greek'), parseLabelFile(czech, 'Czech')]);
 * merged.corpus.labels; // ['Czech', 'Greek']
 * ```
 */
export function mergeCorpora(parts: readonly ParsedCorpus[]): ParsedCorpus {
  const base = emptyReport();
  const items: LabeledName[] = [];
  // Element by element: spreading a large array into push() overflows the call stack.
  const append = <T>(into: T[], from: readonly T[]): void => {
    for (const x of from) into.push(x);
  };
  for (const { corpus, report } of parts) {
    append(items, corpus.items);
    base.total += report.total;
    append(base.empty, report.empty);
    append(base.undecodable, report.undecodable);
    append(base.malformed, report.malformed);
    append(base.duplicates, report.duplicates);
    append(base.unencodable, report.unencodable);
    append(base.skippedFiles, report.skippedFiles);
    append(base.badFileNames, report.badFileNames);
  }
  return finishCorpus(items, base);
}

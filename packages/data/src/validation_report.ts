/** One problem found while reading or validating a corpus. */
export interface Issue {
  /** File, zip entry or URL; `'<items>'` for items given in memory. */
  file: string;
  /** 1-based line number (for in-memory items: 1-based position). */
  line: number;
  /** The name as read (lossily decoded for undecodable lines, the raw line for malformed ones). */
  name: string;
  /** What is wrong, e.g. `'empty line'` or `'duplicate of line 3'`. */
  detail: string;
}

/**
 * What reading a corpus found. For parsed sources the counts add up:
 * `total = kept + empty + undecodable + malformed + duplicates` (list lengths). Cross-label names
 * are reported but kept; `unencodable` is filled later by `encodeExamples` when given the report.
 */
export interface ValidationReport {
  /** Data lines read (a TSV header line and the empty piece after a final newline are not counted). */
  total: number;
  /** Distinct (name, label) pairs kept. */
  kept: number;
  /** Kept names per label. */
  perLabel: Record<string, number>;
  /** Empty lines, or lines whose name is empty after trimming. Dropped. */
  empty: Issue[];
  /** Lines that are not valid UTF-8 (or contain U+FFFD when given as a string). Dropped. */
  undecodable: Issue[];
  /** TSV lines that are not `name<TAB>label`, or have an empty label. Dropped. */
  malformed: Issue[];
  /** Repeats of a (name, label) pair already read; the first occurrence is kept, repeats dropped. */
  duplicates: Issue[];
  /** Names (exact strings) kept under more than one label: one entry per name, at its first occurrence. */
  crossLabel: Issue[];
  /** Names that encode to no tokens (filled by `encodeExamples`). Dropped from the examples. */
  unencodable: Issue[];
  /** Files that were seen but not read (not `.txt`), e.g. in a label directory or zip. */
  skippedFiles: string[];
  /**
   * Files skipped because their name is not valid UTF-8 (so no label can be read from it), each
   * shown with its undecodable bytes as `\xNN`.
   */
  badFileNames: string[];
}

/** A report with nothing in it. */
export function emptyReport(): ValidationReport {
  return {
    total: 0,
    kept: 0,
    perLabel: {},
    empty: [],
    undecodable: [],
    malformed: [],
    duplicates: [],
    crossLabel: [],
    unencodable: [],
    skippedFiles: [],
    badFileNames: [],
  };
}

function describe(issue: Issue): string {
  return `${issue.file} line ${issue.line}: ${JSON.stringify(issue.name)} (${issue.detail})`;
}

/**
 * Human-readable summary of a report: totals, per-label counts, and the first few issues of each
 * kind with file and line.
 *
 * @param options.examples how many issues of each kind to list (default 3).
 *
 * @example
 * ```ts
 * console.log(formatReport(report));
 * // 20074 lines read, 17459 names kept under 18 labels
 * // per label: Arabic 108, Chinese 268, ...
 * // duplicates (dropped): 2615, e.g. names/Arabic.txt line 8: "Nahas" (duplicate of line 3)
 * ```
 */
export function formatReport(report: ValidationReport, options: { examples?: number } = {}): string {
  const examples = options.examples ?? 3;
  const labels = Object.keys(report.perLabel).sort();
  const lines = [
    `${report.total} lines read, ${report.kept} names kept under ${labels.length} label${labels.length === 1 ? '' : 's'}`,
  ];
  if (labels.length > 0) {
    lines.push(`per label: ${labels.map((label) => `${label} ${report.perLabel[label] ?? 0}`).join(', ')}`);
  }
  const kinds: [string, Issue[]][] = [
    ['duplicates (dropped)', report.duplicates],
    ['empty lines (dropped)', report.empty],
    ['undecodable lines (dropped)', report.undecodable],
    ['malformed lines (dropped)', report.malformed],
    ['names that encode to nothing (dropped)', report.unencodable],
    ['names under several labels (kept under each)', report.crossLabel],
  ];
  for (const [title, issues] of kinds) {
    if (issues.length === 0) continue;
    const shown = issues.slice(0, examples).map(describe);
    const more = issues.length > shown.length ? `; ${issues.length - shown.length} more` : '';
    lines.push(`${title}: ${issues.length}${shown.length > 0 ? `, e.g. ${shown.join('; ')}` : ''}${more}`);
  }
  if (report.skippedFiles.length > 0) {
    lines.push(`skipped files (not .txt): ${report.skippedFiles.join(', ')}`);
  }
  if (report.badFileNames.length > 0) {
    lines.push(
      `skipped files (name not valid UTF-8): ${report.badFileNames.length}: ${report.badFileNames.join(', ')}`,
    );
  }
  return lines.join('\n');
}

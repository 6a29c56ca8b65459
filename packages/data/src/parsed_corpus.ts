import type { Corpus } from './corpus.js';
import type { ValidationReport } from './validation_report.js';

/** A corpus together with the report of how it was read. Every parser and loader returns one. */
export interface ParsedCorpus {
  /** The names kept. */
  corpus: Corpus;
  /** What was read, kept and dropped, with file and line for each problem. */
  report: ValidationReport;
}

/** Options shared by the parsers. */
export interface ParseOptions {
  /**
   * Throw an `InvalidCorpusError` (with file and line) at the first empty, undecodable or
   * malformed line instead of counting it in the report. Duplicates and cross-label names are
   * never errors. Default `false`.
   */
  strict?: boolean;
  /**
   * Longest line accepted, in bytes of UTF-8 (line break excluded; default 64 KiB,
   * `DEFAULT_MAX_LINE_BYTES`). A longer line is a malformed line (`line is 10.0 MiB, over the
   * 64.0 KiB line limit`), reported with the start of its text; it is never held in memory whole.
   */
  maxLineBytes?: number;
}

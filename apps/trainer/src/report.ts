import type { ClassificationReport } from '@charrnn/core';
import type { ValidationReport } from '@charrnn/data';
import { summarizeConfusion } from './report/confusion_summary.js';
import { terminalText } from './terminal_text.js';

/** One line about a loaded data file: what was kept and what was dropped, with counts. */
export function formatReportLine(file: string, report: ValidationReport): string {
  const labels = Object.keys(report.perLabel).length;
  const dropped: string[] = [];
  const count = (n: number, what: string): void => {
    if (n > 0) dropped.push(`${n} ${what}`);
  };
  count(report.duplicates.length, 'duplicate');
  count(report.empty.length, 'empty');
  count(report.undecodable.length, 'undecodable');
  count(report.malformed.length, 'malformed');
  const cross =
    report.crossLabel.length > 0 ? `, ${report.crossLabel.length} names under several labels (kept)` : '';
  const droppedText = dropped.length > 0 ? `; dropped ${dropped.join(', ')} line(s)` : '';
  const list = (files: readonly string[]): string =>
    files.length <= 5 ? files.join(', ') : `${files.slice(0, 5).join(', ')} and ${files.length - 5} more`;
  const badNames =
    (report.skippedFiles.length > 0
      ? `; skipped ${report.skippedFiles.length} file(s) that are not <Label>.txt: ${list(report.skippedFiles)}`
      : '') +
    (report.badFileNames.length > 0
      ? `; skipped ${report.badFileNames.length} file(s) whose name is not valid UTF-8: ${list(report.badFileNames)}`
      : '');
  return terminalText(
    `${file}: ${report.kept} names in ${labels} labels from ${report.total} lines${droppedText}${cross}${badNames}`,
  );
}

/** Largest of `values` and `floor`, without spreading a possibly huge array into a call. */
function widest(values: Iterable<number>, floor: number): number {
  let max = floor;
  for (const v of values) if (v > max) max = v;
  return max;
}

/**
 * Per-class table and confusion matrix as aligned text, safe for a terminal (labels through
 * `terminalText`). Past `MAX_MATRIX_LABELS` labels the matrix is summarized (see
 * `summarizeConfusion`); the per-class table always lists every label.
 */
export function formatClassificationReport(report: ClassificationReport): string {
  const shownLabels = report.labels.map(terminalText);
  const width = widest(
    shownLabels.map((l) => l.length),
    5,
  );
  const pct = (x: number): string => x.toFixed(3).padStart(9);
  const lines = [
    `accuracy ${report.accuracy.toFixed(4)}  macro-F1 ${report.macroF1.toFixed(4)}  ` +
      `balanced accuracy ${report.balancedAccuracy.toFixed(4)}  (${report.count} names)`,
    '',
    `${'label'.padEnd(width)} precision    recall        f1   support`,
  ];
  for (const c of report.perClass) {
    lines.push(
      `${terminalText(c.label).padEnd(width)}${pct(c.precision)} ${pct(c.recall)} ${pct(c.f1)} ${String(c.support).padStart(9)}`,
    );
  }
  const view = summarizeConfusion(report.labels, report.confusion);
  const labels = view.labels.map(terminalText);
  lines.push(
    '',
    view.folded === 0
      ? 'confusion matrix (rows: true label, columns: predicted, in the order above)'
      : `confusion matrix of the ${labels.length - 1} of ${view.total} labels with the most errors, the other ${view.folded} summed in the last row and column (rows: true label, columns: predicted)`,
  );
  const rowWidth = widest(
    labels.map((l) => l.length),
    5,
  );
  let cell = 4;
  for (const row of view.confusion)
    cell = widest(
      row.map((v) => String(v).length + 1),
      cell,
    );
  const short = labels.map((l) => l.slice(0, cell - 1).padStart(cell));
  lines.push(`${''.padEnd(rowWidth)}${short.join('')}`);
  view.confusion.forEach((row, i) => {
    lines.push(`${(labels[i] ?? '').padEnd(rowWidth)}${row.map((v) => String(v).padStart(cell)).join('')}`);
  });
  return lines.join('\n');
}

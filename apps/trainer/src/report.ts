import type { ClassificationReport } from '@charrnn/core';
import type { ValidationReport } from '@charrnn/data';

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
  return `${file}: ${report.kept} names in ${labels} labels from ${report.total} lines${droppedText}${cross}`;
}

/** Per-class table and confusion matrix as aligned text. */
export function formatClassificationReport(report: ClassificationReport): string {
  const width = Math.max(5, ...report.labels.map((l) => l.length));
  const pct = (x: number): string => x.toFixed(3).padStart(9);
  const lines = [
    `accuracy ${report.accuracy.toFixed(4)}  macro-F1 ${report.macroF1.toFixed(4)}  ` +
      `balanced accuracy ${report.balancedAccuracy.toFixed(4)}  (${report.count} names)`,
    '',
    `${'label'.padEnd(width)} precision    recall        f1   support`,
  ];
  for (const c of report.perClass) {
    lines.push(
      `${c.label.padEnd(width)}${pct(c.precision)} ${pct(c.recall)} ${pct(c.f1)} ${String(c.support).padStart(9)}`,
    );
  }
  lines.push('', 'confusion matrix (rows: true label, columns: predicted, in the order above)');
  const cell = Math.max(4, ...report.confusion.flat().map((v) => String(v).length + 1));
  const short = report.labels.map((l) => l.slice(0, cell - 1).padStart(cell));
  lines.push(`${''.padEnd(width)}${short.join('')}`);
  report.confusion.forEach((row, i) => {
    lines.push(
      `${(report.labels[i] ?? '').padEnd(width)}${row.map((v) => String(v).padStart(cell)).join('')}`,
    );
  });
  return lines.join('\n');
}

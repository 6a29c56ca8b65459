import { spreadsheetSafe } from './spreadsheet_safe.js';
import type { ReportSection } from './types.js';

/** Quotes a CSV field when it holds a comma, quote or line break (RFC 4180). */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The per-class table as CSV: header `label,precision,recall,f1,support`, one row per label in
 * label order, full-precision numbers, `\n` line ends. A label a spreadsheet would run as a
 * formula (`=...`, `+...`, `@...`) is written with a leading `'` (see {@link spreadsheetSafe}).
 */
export function perClassCsv(section: ReportSection): string {
  const rows = section.per_class.map((c) =>
    [
      csvField(spreadsheetSafe(c.label)),
      String(c.precision),
      String(c.recall),
      String(c.f1),
      String(c.support),
    ].join(','),
  );
  return ['label,precision,recall,f1,support', ...rows].join('\n') + '\n';
}

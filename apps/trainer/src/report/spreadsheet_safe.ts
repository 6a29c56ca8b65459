/**
 * A CSV field that a spreadsheet reads as text, not as a formula: a field starting with `=`, `+`,
 * `-`, `@`, a tab or a CR (how Excel, LibreOffice and Google Sheets recognise formulas and DDE
 * calls) gets a leading `'`, the usual guard against CSV formula injection. Other text is kept.
 *
 * @example
 * ```ts
 * spreadsheetSafe('=HYPERLINK("http://x")'); // "'=HYPERLINK(\"http://x\")"
 * spreadsheetSafe('Greek');                   // 'Greek'
 * ```
 */
export function spreadsheetSafe(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

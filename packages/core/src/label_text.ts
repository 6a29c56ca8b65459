/**
 * Characters that never belong in a label or a name: controls (Unicode category Cc: C0 controls
 * including tab, CR, LF, NUL and ESC, DEL, C1 controls) and the line and paragraph separators
 * U+2028 / U+2029, which several readers treat as line breaks.
 */
const FORBIDDEN = /[\p{Cc}\u2028\u2029]/u;

/**
 * `'U+001B'` for the first control character or line separator in `text` (see
 * {@link labelProblem}), or undefined when there is none.
 *
 * @example
 * ```ts
 * controlCharacterIn('Greek');       // undefined
 * controlCharacterIn('Gr\teek');     // 'U+0009'
 * ```
 */
export function controlCharacterIn(text: string): string | undefined {
  const match = FORBIDDEN.exec(text);
  if (match === null) return undefined;
  return `U+${(match[0].codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Why `label` cannot be a class label, or undefined when it can. A label is printed on
 * terminals, written as one TSV field and one CSV field, and put in HTML reports, so it must be
 * non-empty, free of surrounding white space and hold no control character (tab, newline, CR,
 * ESC, BEL, NUL...) or line separator. Corpus loaders (`@charrnn/data`) and bundle loading
 * (`loadBundle`) apply the same rule.
 *
 * @example
 * ```ts
 * labelProblem('Old Norse');       // undefined
 * labelProblem('\u001b[2JGreek');  // 'control character U+001B'
 * ```
 */
export function labelProblem(label: string): string | undefined {
  if (label.length === 0) return 'empty label';
  const control = controlCharacterIn(label);
  if (control !== undefined) return `control character ${control}`;
  if (label.trim() !== label) return 'white space at the start or end';
  return undefined;
}

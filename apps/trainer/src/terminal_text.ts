/**
 * What a terminal acts on instead of showing: C0 and C1 controls (ESC starts colour, cursor,
 * screen-clearing and OSC 8 hyperlink sequences; BEL rings; CR rewrites the line), DEL, the line
 * and paragraph separators, and the bidirectional controls that reorder what follows them.
 */
const UNSAFE = /[\p{Cc}\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/**
 * `text` made safe to print on a terminal: every control character, line separator and
 * bidirectional control is replaced by a visible escape (`\x1b`, `\u202e`), so text that came
 * from a file (a name, a label of an untrusted bundle) is shown, never executed. Everything else,
 * non-ASCII letters included, is kept as it is.
 *
 * @example
 * ```ts
 * terminalText('\u001b]8;;https://x\u0007Greek'); // '\\x1b]8;;https://x\\x07Greek'
 * ```
 */
export function terminalText(text: string): string {
  return text.replace(UNSAFE, (ch) => {
    const code = ch.charCodeAt(0);
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

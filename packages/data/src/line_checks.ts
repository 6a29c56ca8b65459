import { formatBytes } from './limits.js';

const CONTROL = /\p{Cc}/u;

/**
 * `'U+0009'` for the first control character (Unicode category Cc: C0 controls including tab, CR
 * and NUL, DEL, C1 controls) in `text`, or undefined when there is none. Such characters never
 * belong in a name or label; they come from binary data, wrong line endings or copy-paste.
 * @internal
 */
export function controlCharacterIn(text: string): string | undefined {
  const match = CONTROL.exec(text);
  if (match === null) return undefined;
  return `U+${(match[0].codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Detail of an issue for a line over the length limit. @internal */
export function tooLongDetail(bytes: number, maxLineBytes: number | undefined, defaultMax: number): string {
  return `line is ${formatBytes(bytes)}, over the ${formatBytes(maxLineBytes ?? defaultMax)} line limit`;
}

import { formatBytes } from './limits.js';

/**
 * `'U+0009'` for the first control character or line separator in `text` (core's rule for labels,
 * applied to names too), or undefined. Such characters never belong in a name or label; they come
 * from binary data, wrong line endings or copy-paste.
 * @internal
 */
export { controlCharacterIn } from '@charrnn/core';

/** Detail of an issue for a line over the length limit. @internal */
export function tooLongDetail(bytes: number, maxLineBytes: number | undefined, defaultMax: number): string {
  return `line is ${formatBytes(bytes)}, over the ${formatBytes(maxLineBytes ?? defaultMax)} line limit`;
}

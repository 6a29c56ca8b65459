/** Default longest rendering of {@link formatValue}, in UTF-16 code units (the ellipsis included). */
const DEFAULT_MAX_LENGTH = 120;
/** Nesting deeper than this is shown as `…`. */
const MAX_DEPTH = 4;
/** Array items and object entries shown per level before `…`. */
const MAX_ENTRIES = 16;

function render(value: unknown, depth: number, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'boolean':
    case 'undefined':
      return String(value);
    case 'symbol':
      return value.toString();
    case 'function':
      return '[Function]';
  }
  if (value === null) return 'null';
  const object = value as object;
  if (seen.has(object)) return '[Circular]';
  const tag = Object.prototype.toString.call(object).slice(8, -1);
  if (tag === 'ArrayBuffer' || tag === 'SharedArrayBuffer')
    return `${tag}(${(object as ArrayBuffer).byteLength})`;
  if (ArrayBuffer.isView(object)) return `${tag}(${object.byteLength} bytes)`;
  if (depth >= MAX_DEPTH) return Array.isArray(object) ? '[…]' : '{…}';
  seen.add(object);
  try {
    if (Array.isArray(object)) {
      const shown = object.slice(0, MAX_ENTRIES).map((item) => render(item, depth + 1, seen));
      if (object.length > MAX_ENTRIES) shown.push(`… ${object.length - MAX_ENTRIES} more`);
      return `[${shown.join(',')}]`;
    }
    const keys = Object.keys(object);
    const shown = keys
      .slice(0, MAX_ENTRIES)
      .map(
        (key) =>
          `${JSON.stringify(key)}:${render((object as Record<string, unknown>)[key], depth + 1, seen)}`,
      );
    if (keys.length > MAX_ENTRIES) shown.push(`… ${keys.length - MAX_ENTRIES} more`);
    return `{${shown.join(',')}}`;
  } finally {
    seen.delete(object);
  }
}

/**
 * Renders any value for an error message, like `JSON.stringify` for plain JSON values
 * (`"bpe"`, `[2,-3]`, `{"a":1}`) but never throws and never produces a huge string: BigInts
 * (`12n`), symbols, functions, `undefined`, `NaN`, binary buffers (`ArrayBuffer(4)`), cycles
 * (`[Circular]`) and deep or long structures (`…`) are shown too, and the result is cut to
 * `maxLength` code units. Control characters (C0, DEL, C1) and line separators come out escaped
 * (`\u001b`), so the result is safe on a terminal. Use it whenever an error message quotes
 * untrusted input.
 *
 * @param value anything, e.g. a field read from a file
 * @param maxLength longest result, in UTF-16 code units (default 120)
 *
 * @example
 * ```ts
 * formatValue([2, -3]);      // '[2,-3]'
 * formatValue(7n);           // '7n'
 * formatValue('x'.repeat(500), 10); // '"xxxxxxxx…'
 * ```
 */
export function formatValue(value: unknown, maxLength: number = DEFAULT_MAX_LENGTH): string {
  let text: string;
  try {
    text = render(value, 0, new Set());
  } catch {
    // A proxy or getter that throws: say so rather than fail while reporting another error.
    text = '[unprintable value]';
  }
  // JSON escapes C0 controls only: DEL, C1 controls (\u009b starts terminal sequences too) and the
  // line separators are escaped as well, so the message is safe to print.
  text = text.replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  if (text.length <= maxLength) return text;
  let cut = Math.max(0, maxLength - 1);
  // Do not split a surrogate pair.
  if (cut > 0 && /[\uD800-\uDBFF]/.test(text.charAt(cut - 1))) cut -= 1;
  return `${text.slice(0, cut)}…`;
}

/** One line of a text file, before any trimming. */
export interface RawLine {
  /** 1-based line number. */
  line: number;
  /** The line's text without its line break (lossily decoded when `undecodable`). */
  text: string;
  /** The line is not valid UTF-8 (bytes), or contains U+FFFD (strings: decoded lossily upstream). */
  undecodable: boolean;
}

const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lossy = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

function splitString(text: string): RawLine[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (body.length === 0) return [];
  const pieces = body.split(/\r?\n/);
  if (pieces[pieces.length - 1] === '') pieces.pop();
  return pieces.map((piece, i) => ({ line: i + 1, text: piece, undecodable: piece.includes('\uFFFD') }));
}

function splitBytes(bytes: Uint8Array): RawLine[] {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const body = bytes.subarray(start);
  try {
    // Fast path: the whole file is valid UTF-8.
    return splitString(fatal.decode(body));
  } catch {
    // Decode line by line so each bad line is reported with its number and the rest are kept.
  }
  const lines: RawLine[] = [];
  let from = 0;
  while (from < body.length) {
    let to = body.indexOf(0x0a, from);
    const next = to === -1 ? body.length : to + 1;
    if (to === -1) to = body.length;
    const end = to > from && body[to - 1] === 0x0d ? to - 1 : to;
    const piece = body.subarray(from, end);
    let text: string;
    let undecodable = false;
    try {
      text = fatal.decode(piece);
      undecodable = text.includes('\uFFFD');
    } catch {
      text = lossy.decode(piece);
      undecodable = true;
    }
    lines.push({ line: lines.length + 1, text, undecodable });
    from = next;
  }
  return lines;
}

/**
 * Splits a text file into lines: strips a UTF-8 byte-order mark, accepts LF and CRLF, drops the
 * empty piece after a final line break, and marks lines that are not valid UTF-8 (decoded with
 * `TextDecoder('utf-8', { fatal: true })` line by line) instead of silently replacing them.
 * @internal
 */
export function splitLines(input: string | Uint8Array): RawLine[] {
  return typeof input === 'string' ? splitString(input) : splitBytes(input);
}

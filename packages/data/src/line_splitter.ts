import { InvalidArgumentError, InvalidCorpusError } from '@charrnn/core';
import { DEFAULT_MAX_LINE_BYTES } from './limits.js';

/** One line of a text file, before any trimming. @internal */
export interface RawLine {
  /** 1-based line number. */
  line: number;
  /**
   * The line's text without its line break (lossily decoded when `undecodable`); for a line over
   * the limit (`tooLong`), only the start of it, ending with `…`.
   */
  text: string;
  /** The line is not valid UTF-8, or contains U+FFFD (in strings: decoded lossily upstream). */
  undecodable: boolean;
  /** Set when the line is longer than `maxLineBytes`: its length in bytes (line break excluded). */
  tooLong?: number;
}

/** Options of {@link LineSplitter}. @internal */
export interface LineSplitterOptions {
  /** File named in errors. */
  file: string;
  /** Longest line kept, in bytes (default {@link DEFAULT_MAX_LINE_BYTES}). */
  maxLineBytes?: number;
}

/** A NUL byte this early marks a binary file (git's heuristic looks at the first 8000 bytes too). */
export const BINARY_SNIFF_BYTES = 8000;
const LF = 0x0a;
const CR = 0x0d;
/** Code points shown of a line that is too long. */
const PREVIEW_CODE_POINTS = 40;

const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lossy = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const encoder = new TextEncoder();

/** UTF-8 length of a string without allocating (lone surrogates count 3, as U+FFFD). */
function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1 && parts[0]?.length === length) return parts[0];
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part.subarray(0, length - offset), offset);
    offset += Math.min(part.length, length - offset);
  }
  return out;
}

function checkMaxLineBytes(value: unknown): number {
  if (value === undefined) return DEFAULT_MAX_LINE_BYTES;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0)
    throw new InvalidArgumentError('maxLineBytes must be a positive integer', { field: 'maxLineBytes' });
  return value;
}

/**
 * Splits UTF-8 text into lines incrementally, so that a file can be read in chunks of any size
 * with bounded memory: only the current line is buffered, and at most `maxLineBytes + 1` bytes of
 * it. Strips a UTF-8 byte-order mark, accepts LF and CRLF (a CR elsewhere stays in the line),
 * marks lines that are not valid UTF-8 (decoded with `TextDecoder('utf-8', { fatal: true })`)
 * instead of silently replacing them, and marks lines over `maxLineBytes`. The empty piece after
 * a final line break is not a line. Whatever the chunking, the lines are the same.
 *
 * @throws InvalidCorpusError naming the file for a UTF-16 byte-order mark (`FF FE`, `FE FF`) or a
 *   NUL byte in the first {@link BINARY_SNIFF_BYTES} bytes (a binary file, e.g. an image).
 * @internal
 */
export class LineSplitter {
  private readonly file: string;
  private readonly maxLineBytes: number;
  /** Bytes seen before the byte-order mark could be decided; undefined once decided. */
  private head: Uint8Array | undefined = new Uint8Array(0);
  /** Bytes of the input consumed so far (BOM included). */
  private offset = 0;
  private lineNo = 0;
  /** Start of the current, unfinished line: at most `maxLineBytes + 1` bytes are kept. */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** Its length in bytes, all of it. */
  private lineBytes = 0;
  private lastByte = -1;

  constructor(options: LineSplitterOptions) {
    this.file = options.file;
    this.maxLineBytes = checkMaxLineBytes(options.maxLineBytes);
  }

  /** Feeds the next chunk; returns the lines it completes. */
  push(chunk: Uint8Array): RawLine[] {
    const lines: RawLine[] = [];
    if (this.head !== undefined) {
      const head = concat([this.head, chunk], this.head.length + chunk.length);
      if (head.length < 3) {
        this.head = head;
        return lines;
      }
      this.head = undefined;
      this.consume(this.skipByteOrderMark(head), lines);
    } else this.consume(chunk, lines);
    return lines;
  }

  /** Ends the input; returns the last line when it had no final line break. */
  end(): RawLine[] {
    const lines: RawLine[] = [];
    if (this.head !== undefined) {
      const head = this.head;
      this.head = undefined;
      this.consume(this.skipByteOrderMark(head), lines);
    }
    if (this.lineBytes > 0) this.emitPending(lines);
    return lines;
  }

  private skipByteOrderMark(head: Uint8Array): Uint8Array {
    const [a, b, c] = head;
    if ((a === 0xff && b === 0xfe) || (a === 0xfe && b === 0xff)) {
      throw new InvalidCorpusError(
        `UTF-16 text (byte-order mark ${a === 0xff ? 'FF FE' : 'FE FF'}): save the file as UTF-8`,
        { file: this.file },
      );
    }
    const skip = a === 0xef && b === 0xbb && c === 0xbf ? 3 : 0;
    this.offset += skip;
    return head.subarray(skip);
  }

  private consume(chunk: Uint8Array, lines: RawLine[]): void {
    if (this.offset < BINARY_SNIFF_BYTES) {
      const nul = chunk.subarray(0, BINARY_SNIFF_BYTES - this.offset).indexOf(0);
      if (nul !== -1) {
        throw new InvalidCorpusError(
          `binary file (NUL byte at offset ${this.offset + nul}), expected UTF-8 text with one entry per line`,
          { file: this.file },
        );
      }
    }
    this.offset += chunk.length;
    let start = 0;
    const first = chunk.indexOf(LF);
    if (first === -1) {
      this.append(chunk);
      return;
    }
    if (this.lineBytes > 0) {
      // Finish the line begun in an earlier chunk.
      this.append(chunk.subarray(0, first));
      this.emitPending(lines);
      start = first + 1;
    }
    const last = chunk.lastIndexOf(LF);
    if (last >= start) {
      this.emitRegion(chunk.subarray(start, last), lines);
      start = last + 1;
    }
    this.append(chunk.subarray(start));
  }

  /** Adds bytes to the current line, keeping at most `maxLineBytes + 1` of them. */
  private append(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const room = this.maxLineBytes + 1 - this.pendingBytes;
    if (room > 0) {
      const kept = bytes.slice(0, room); // a copy: the caller may reuse its buffer
      this.pending.push(kept);
      this.pendingBytes += kept.length;
    }
    this.lineBytes += bytes.length;
    this.lastByte = bytes[bytes.length - 1] as number;
  }

  private emitPending(lines: RawLine[]): void {
    const content = this.lineBytes - (this.lastByte === CR ? 1 : 0);
    const bytes = concat(this.pending, Math.min(this.pendingBytes, content));
    lines.push(this.lineOf(bytes, content));
    this.pending = [];
    this.pendingBytes = 0;
    this.lineBytes = 0;
    this.lastByte = -1;
  }

  /** Emits the complete lines of `region` (lines separated by LF, no final LF). */
  private emitRegion(region: Uint8Array, lines: RawLine[]): void {
    // Fast path: one decode for many lines, when all of them are valid UTF-8 and short enough.
    let text: string | undefined;
    try {
      text = fatal.decode(region);
    } catch {
      text = undefined;
    }
    if (text !== undefined) {
      const pieces = text.split('\n');
      const limit = this.maxLineBytes;
      const short = pieces.every(
        (p) => p.length * 3 <= limit || utf8Length(p) <= limit + (p.endsWith('\r') ? 1 : 0),
      );
      if (short) {
        for (const piece of pieces) {
          const clean = piece.endsWith('\r') ? piece.slice(0, -1) : piece;
          lines.push({ line: ++this.lineNo, text: clean, undecodable: clean.includes('\uFFFD') });
        }
        return;
      }
    }
    // Slow path: line by line, so each bad line is reported with its number and the rest kept.
    let from = 0;
    while (from <= region.length) {
      let to = region.indexOf(LF, from);
      if (to === -1) to = region.length;
      const end = to > from && region[to - 1] === CR ? to - 1 : to;
      const content = end - from;
      lines.push(this.lineOf(region.subarray(from, Math.min(end, from + this.maxLineBytes + 1)), content));
      from = to + 1;
    }
  }

  /** A line from its first bytes (all of them unless too long) and its length in bytes. */
  private lineOf(bytes: Uint8Array, content: number): RawLine {
    const line = ++this.lineNo;
    if (content > this.maxLineBytes) {
      const preview = Array.from(lossy.decode(bytes)).slice(0, PREVIEW_CODE_POINTS).join('');
      return { line, text: `${preview}…`, undecodable: false, tooLong: content };
    }
    try {
      const text = fatal.decode(bytes);
      return { line, text, undecodable: text.includes('\uFFFD') };
    } catch {
      return { line, text: lossy.decode(bytes), undecodable: true };
    }
  }
}

/**
 * Splits a whole text into lines (see {@link LineSplitter}); strings are encoded to UTF-8 first,
 * so text and bytes give the same lines (a lone surrogate becomes U+FFFD: undecodable).
 * @internal
 */
export function splitLines(input: string | Uint8Array, options: LineSplitterOptions): RawLine[] {
  const splitter = new LineSplitter(options);
  const lines = splitter.push(typeof input === 'string' ? encoder.encode(input) : input);
  for (const line of splitter.end()) lines.push(line);
  return lines;
}

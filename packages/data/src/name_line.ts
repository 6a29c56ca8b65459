import { DEFAULT_MAX_LINE_BYTES } from './limits.js';
import { controlCharacterIn, tooLongDetail } from './line_checks.js';
import type { RawLine } from './line_splitter.js';

/** Why a line holds no usable name, as the corpus report files it. @internal */
export type NameLineIssue = 'empty' | 'undecodable' | 'malformed';

/** One line of names read: the name (trimmed, NFC), or why there is none. */
export interface NameLine {
  /** 1-based line number. */
  line: number;
  /**
   * The name, trimmed and NFC-normalised; when {@link NameLine.problem} is set, the line as read
   * (lossily decoded, or the start of an over-long line).
   */
  name: string;
  /**
   * Why the line holds no usable name: `'empty line'`, `'invalid UTF-8'`, `'control character
   * U+0009 in name'`, `'line is 3.0 MiB, over the 64.0 KiB line limit'`. Absent for a good name.
   */
  problem?: string;
}

/**
 * Checks one line that should hold one name, the way every corpus loader does: over-long lines,
 * lines that are not valid UTF-8, empty lines and lines with a control character are not names.
 * @internal
 */
export function readNameLine(
  { line, text, undecodable, tooLong }: RawLine,
  maxLineBytes?: number,
): NameLine & { issue?: NameLineIssue } {
  if (tooLong !== undefined)
    return {
      line,
      name: text,
      problem: tooLongDetail(tooLong, maxLineBytes, DEFAULT_MAX_LINE_BYTES),
      issue: 'malformed',
    };
  const name = text.trim().normalize('NFC');
  if (undecodable) return { line, name, problem: 'invalid UTF-8', issue: 'undecodable' };
  if (name.length === 0) return { line, name, problem: 'empty line', issue: 'empty' };
  const control = controlCharacterIn(name);
  if (control !== undefined)
    return { line, name, problem: `control character ${control} in name`, issue: 'malformed' };
  return { line, name };
}

import { createReadStream } from 'node:fs';
import { IoError, isCharRnnError } from '@charrnn/core';
import { LineSplitter } from '../line_splitter.js';
import { readNameLine, type NameLine } from '../name_line.js';
import { statPath } from './read_file_limited.js';

/** Options of {@link readNameLines}. */
export interface ReadNameLinesOptions {
  /** Longest line read as a name (default 64 KiB, as the corpus loaders); longer lines get a `problem`. */
  maxLineBytes?: number;
  /** Bytes read at a time (default 256 KiB): each yielded batch holds the lines of one chunk. */
  chunkBytes?: number;
  /** Name used in errors when reading a stream (default `'<stdin>'`). */
  file?: string;
}

const DEFAULT_CHUNK_BYTES = 256 * 1024;

/**
 * Streams a file of names, one per line, in batches (the lines completed by each chunk read), so
 * any size is read with bounded memory. Every line is yielded, in order, checked the way the
 * corpus loaders check names (UTF-8, optional BOM, LF or CRLF; names trimmed and NFC-normalised):
 * an empty line, a line that is not valid UTF-8, one with a control character (a lone CR, NUL...)
 * or one over `maxLineBytes` comes with a `problem` instead of being dropped, so a caller can keep
 * one output row per input line. A binary file (NUL in its first 8000 bytes) or a UTF-16 one is
 * refused as a whole.
 *
 * @param source a path, or a byte stream such as `process.stdin`
 * @throws NotFoundError when the path does not exist; IoError naming it when it is a directory or
 *   cannot be read; InvalidCorpusError naming it for a binary or UTF-16 file
 *
 * @example
 * ```ts
 * for await (const lines of readNameLines('names.txt'))
 *   for (const { line, name, problem } of lines) console.log(line, problem ?? name);
 * ```
 */
export async function* readNameLines(
  source: string | AsyncIterable<Uint8Array>,
  options: ReadNameLinesOptions = {},
): AsyncGenerator<NameLine[]> {
  const file = typeof source === 'string' ? source : (options.file ?? '<stdin>');
  let chunks: AsyncIterable<Uint8Array>;
  if (typeof source === 'string') {
    const info = await statPath(source);
    if (info.isDirectory()) throw new IoError('is a directory, not a file of names', { file });
    chunks = createReadStream(source, { highWaterMark: options.chunkBytes ?? DEFAULT_CHUNK_BYTES });
  } else {
    chunks = source;
  }
  const splitter = new LineSplitter({ file, maxLineBytes: options.maxLineBytes });
  const check = (lines: Iterable<Parameters<typeof readNameLine>[0]>): NameLine[] => {
    const out: NameLine[] = [];
    for (const raw of lines) {
      const { issue: _issue, ...line } = readNameLine(raw, options.maxLineBytes);
      out.push(line);
    }
    return out;
  };
  try {
    for await (const chunk of chunks) {
      const lines = check(splitter.push(chunk));
      if (lines.length > 0) yield lines;
    }
  } catch (error) {
    if (isCharRnnError(error)) throw error;
    throw new IoError(`cannot read (${error instanceof Error ? error.message : String(error)})`, {
      file,
      cause: error,
    });
  }
  const last = check(splitter.end());
  if (last.length > 0) yield last;
}

import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { IoError } from '@charrnn/core';
import { formatBytes } from '../limits.js';
import { LineSplitter, type RawLine } from '../line_splitter.js';
import { statPath } from './read_file_limited.js';

/** Bytes read per system call. */
const CHUNK_BYTES = 1024 * 1024;

/** Options of {@link readLines}. @internal */
export interface ReadLinesOptions {
  /** Largest file accepted; a larger one is refused before anything is read. */
  maxBytes: number;
  /** Longest line kept (see `ParseOptions.maxLineBytes`). */
  maxLineBytes?: number | undefined;
  /** Bytes per read (tests use small chunks). */
  chunkBytes?: number;
}

/**
 * Streams the lines of a UTF-8 text file to `onLine`, reading it in 1 MiB chunks: memory stays
 * bounded by the chunk, the longest kept line and what `onLine` keeps, whatever the file size.
 * A file over `maxBytes` is refused from its size before it is opened.
 *
 * @throws NotFoundError when the file does not exist; IoError naming the file when it is not a
 *   regular file, is over `maxBytes` (or grows past it while read) or cannot be read;
 *   InvalidCorpusError from the splitter (binary or UTF-16 file) or from `onLine`.
 * @internal
 */
export async function readLines(
  path: string,
  options: ReadLinesOptions,
  onLine: (line: RawLine) => void,
): Promise<void> {
  const { maxBytes } = options;
  const info = await statPath(path);
  if (!info.isFile()) throw new IoError('not a regular file', { file: path });
  const overLimit = (size: number): IoError =>
    new IoError(
      `file is ${formatBytes(size)}, over the ${formatBytes(maxBytes)} limit (raise maxBytes to load it)`,
      { file: path },
    );
  if (info.size > maxBytes) throw overLimit(info.size);
  const splitter = new LineSplitter({ file: path, maxLineBytes: options.maxLineBytes });
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new IoError(`cannot read (${(error as Error).message})`, { file: path, cause: error });
  }
  try {
    const buffer = new Uint8Array(options.chunkBytes ?? CHUNK_BYTES);
    let total = 0;
    for (;;) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, 0, buffer.length, null));
      } catch (error) {
        throw new IoError(`cannot read (${(error as Error).message})`, { file: path, cause: error });
      }
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw overLimit(total);
      for (const line of splitter.push(buffer.subarray(0, bytesRead))) onLine(line);
    }
    for (const line of splitter.end()) onLine(line);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

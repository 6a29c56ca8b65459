import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { IoError, NotFoundError } from '@charrnn/core';
import { formatBytes } from '../limits.js';

function isMissing(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT';
}

/** `stat` that turns a missing path into a `NotFoundError` and other failures into an `IoError`. @internal */
export async function statPath(path: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (error) {
    if (isMissing(error)) throw new NotFoundError('no such file or directory', { file: path, cause: error });
    throw new IoError(`cannot read (${(error as Error).message})`, { file: path, cause: error });
  }
}

/**
 * Reads a whole file as bytes, refusing (before reading) files larger than `maxBytes`.
 * @internal
 */
export async function readFileLimited(path: string, maxBytes: number): Promise<Uint8Array> {
  const info = await statPath(path);
  if (!info.isFile()) throw new IoError('not a regular file', { file: path });
  if (info.size > maxBytes) {
    throw new IoError(
      `file is ${formatBytes(info.size)}, over the ${formatBytes(maxBytes)} limit (raise maxBytes to load it)`,
      { file: path },
    );
  }
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw new IoError(`cannot read (${(error as Error).message})`, { file: path, cause: error });
  }
}

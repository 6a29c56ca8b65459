import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { IoError } from '../errors.js';

/** Message of an unknown thrown value. @internal */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `code` of a Node system error (`'ENOENT'`...), if any. @internal */
export function errnoCode(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Name of the temporary file {@link writeFileAtomic} writes before renaming it to `name`:
 * `.<name>.<12 hex digits>.tmp`, in the same directory.
 * @internal
 */
export function tempFileName(name: string): string {
  return `.${name}.${randomBytes(6).toString('hex')}.tmp`;
}

/** fsyncs a directory so that a rename in it survives a power loss (best effort). @internal */
export async function fsyncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Best effort: directories cannot be opened or fsync'ed on every platform (Windows).
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Writes a file so that readers see either the old content or the complete new content, never
 * a partial file: the data goes to a temporary file `.<name>.<random>.tmp` in the same
 * directory, is fsync'ed, then renamed over `path`; the directory is then fsync'ed (best effort).
 * On failure the temporary file is removed. A process killed mid-write (SIGKILL) leaves `path`
 * untouched (old content, or absent) and at worst a stray temporary file, which is never read.
 *
 * @param path destination; its directory must exist
 * @param data text (written as UTF-8) or bytes
 * @throws IoError naming `path` when any step fails
 *
 * @example
 * ```ts
 * await writeFileAtomic('runs/best/metrics.json', JSON.stringify(report, null, 2));
 * ```
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, tempFileName(basename(path)));
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'wx');
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, path);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    throw new IoError(`cannot write file: ${messageOf(error)}`, { file: path, cause: error });
  }
  await fsyncDirectory(dir);
}

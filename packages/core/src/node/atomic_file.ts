import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { IoError } from '../errors.js';
import { fsyncDirectory, messageOf } from './write_file_atomic.js';

/** A file being written by {@link openAtomicFile}: invisible at its path until {@link AtomicFile.commit}. */
export interface AtomicFile {
  /** The destination. */
  readonly path: string;
  /** Appends text (UTF-8) or bytes to the temporary file. */
  write(data: string | Uint8Array): Promise<void>;
  /** fsyncs the temporary file and renames it over {@link AtomicFile.path} (then fsyncs the directory). */
  commit(): Promise<void>;
  /** Closes and removes the temporary file; the destination is untouched. Never throws. */
  abort(): Promise<void>;
}

/** `.<name>.<12 hex>.<pid>.tmp`: the writer's pid tells a later run whether it is still alive. */
function streamTempName(name: string): string {
  return `.${name}.${randomBytes(6).toString('hex')}.${process.pid}.tmp`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * True unless no process `pid` exists on this machine (a process of another user counts as
 * alive). Used to tell a crashed writer's leftovers (temp files, run locks) from a live one's.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM';
  }
}

/**
 * Removes the temporary files of earlier {@link openAtomicFile} writes of `path` whose process
 * is gone (killed mid-write); those of live writers are kept. Returns how many were removed.
 */
async function removeStaleTempFiles(path: string): Promise<number> {
  const pattern = new RegExp(`^\\.${escapeRegExp(basename(path))}\\.[0-9a-f]{12}\\.(\\d+)\\.tmp$`);
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    const pid = pattern.exec(name)?.[1];
    if (pid === undefined || isProcessAlive(Number(pid))) continue;
    await rm(join(dirname(path), name), { force: true }).then(
      () => (removed += 1),
      () => undefined,
    );
  }
  return removed;
}

/**
 * Opens a file for writing in pieces (a stream of any length) with the guarantee of
 * `writeFileAtomic`: readers see the old content or the complete new one, never a part. The data
 * goes to `.<name>.<random>.<pid>.tmp` in the same directory, renamed over `path` by `commit`.
 * Temporary files that earlier writes of `path` left behind when they were killed (their process
 * is gone) are removed first. For regular files only: a device, FIFO or symlink must not be
 * replaced by a rename (the caller decides how to write those).
 *
 * @throws IoError naming `path` when the temporary file cannot be created, written or renamed
 *
 * @example
 * ```ts
 * const file = await openAtomicFile('preds.tsv');
 * try {
 *   for (const row of rows) await file.write(`${row}\n`);
 *   await file.commit();
 * } catch (error) {
 *   await file.abort();
 *   throw error;
 * }
 * ```
 */
export async function openAtomicFile(path: string): Promise<AtomicFile> {
  await removeStaleTempFiles(path);
  const temp = join(dirname(path), streamTempName(basename(path)));
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'wx');
  } catch (error) {
    throw new IoError(`cannot write file: ${messageOf(error)}`, { file: path, cause: error });
  }
  const fail = async (error: unknown): Promise<never> => {
    await handle?.close().catch(() => undefined);
    handle = undefined;
    await rm(temp, { force: true }).catch(() => undefined);
    throw new IoError(`cannot write file: ${messageOf(error)}`, { file: path, cause: error });
  };
  return {
    path,
    async write(data) {
      if (handle === undefined) throw new IoError('file already committed or aborted', { file: path });
      try {
        await handle.writeFile(data);
      } catch (error) {
        await fail(error);
      }
    },
    async commit() {
      if (handle === undefined) throw new IoError('file already committed or aborted', { file: path });
      try {
        await handle.sync();
        await handle.close();
        handle = undefined;
        await rename(temp, path);
      } catch (error) {
        await fail(error);
      }
      await fsyncDirectory(dirname(path));
    },
    async abort() {
      await handle?.close().catch(() => undefined);
      handle = undefined;
      await rm(temp, { force: true }).catch(() => undefined);
    },
  };
}

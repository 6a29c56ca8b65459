import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { lstat, open, realpath, stat } from 'node:fs/promises';
import { IoError } from '@charrnn/core';
import { openAtomicFile } from '@charrnn/core/node';
import { writeStdout } from './process_life.js';

/** Where a command writes its output, chosen by {@link openOutput}. */
export interface OutputTarget {
  /** How the target is written: `'file'` (atomic), `'through'` (device, FIFO), `'stdout'`. */
  readonly kind: 'file' | 'through' | 'stdout';
  /** Appends text. */
  write(text: string): Promise<void>;
  /** Makes the output final: renames a file into place; closes a device. */
  commit(): Promise<void>;
  /** Drops what was written to a file (the old content stays); closes a device. Never throws. */
  abort(): Promise<void>;
}

function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isFIFO()) return 'a FIFO';
  return 'a regular file';
}

function writeThrough(handle: FileHandle): OutputTarget {
  return {
    kind: 'through',
    write: async (text) => {
      await handle.writeFile(text);
    },
    commit: () => handle.close(),
    abort: () => handle.close().catch(() => undefined),
  };
}

async function openThrough(path: string): Promise<OutputTarget> {
  try {
    // No O_CREAT, no O_TRUNC: a device or FIFO is written to, never created or replaced.
    return writeThrough(await open(path, constants.O_WRONLY));
  } catch (error) {
    throw new IoError(`cannot write: ${(error as Error).message}`, { file: path, cause: error });
  }
}

async function openFile(path: string): Promise<OutputTarget> {
  const file = await openAtomicFile(path);
  return {
    kind: 'file',
    write: (text) => file.write(text),
    commit: () => file.commit(),
    abort: () => file.abort(),
  };
}

/**
 * Opens an output target by what it is, so that writing never replaces something that is not
 * the caller's file:
 * - `-`: standard output;
 * - a regular file, or a path that does not exist yet: written atomically (temporary file in the
 *   same folder, renamed over the path at `commit`; a killed write leaves the old file and a
 *   temporary file that the next write of the same path removes);
 * - a character device (`/dev/null`, a terminal) or a FIFO: written through, never replaced;
 * - a symlink: followed; its target is handled as above (a regular file is replaced atomically at
 *   its real path, the link stays); a link to nothing is refused;
 * - a directory, block device or socket: refused.
 *
 * @throws IoError naming the path when it is refused or cannot be opened
 */
export async function openOutput(path: string): Promise<OutputTarget> {
  if (path === '-')
    return { kind: 'stdout', write: writeStdout, commit: async () => {}, abort: async () => {} };
  let link: Stats;
  try {
    link = await lstat(path);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return openFile(path);
    throw new IoError(`cannot write: ${(error as Error).message}`, { file: path, cause: error });
  }
  let info = link;
  let target = path;
  if (link.isSymbolicLink()) {
    try {
      info = await stat(path);
      target = await realpath(path);
    } catch (error) {
      throw new IoError(
        `is a symlink to nothing (${(error as Error).message}); refusing to write through it`,
        {
          file: path,
          cause: error,
        },
      );
    }
    // /dev/stdout -> /proc/self/fd/1 -> a pipe, terminal or file that is not ours to replace.
    if (target.startsWith('/proc/')) return openThrough(path);
  }
  if (info.isFile()) return openFile(target);
  if (info.isCharacterDevice() || info.isFIFO()) return openThrough(path);
  throw new IoError(`is ${kindOf(info)}; write the output to a file, a device, a FIFO or - (stdout)`, {
    file: path,
  });
}

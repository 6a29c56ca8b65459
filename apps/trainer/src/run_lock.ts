import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { IoError } from '@charrnn/core';
import { isProcessAlive } from '@charrnn/core/node';

/** The lock file of a run directory: who writes it now. */
export const LOCK_FILE = '.charrnn-lock';

/** What the lock file holds. */
interface LockOwner {
  pid: number;
  host: string;
  started: string;
  /** Random, so that a process tells its own lock from one a pid reuse left behind. */
  token: string;
}

/** A held run-directory lock. */
export interface RunLock {
  /** Removes the lock file if it is still this process's (also done when the process exits). */
  release(): void;
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const json = JSON.parse(text) as Partial<LockOwner>;
    if (typeof json.pid === 'number' && typeof json.host === 'string' && typeof json.token === 'string')
      return { pid: json.pid, host: json.host, started: String(json.started), token: json.token };
  } catch {
    // A lock being written right now, or garbage: decided by its age below.
  }
  return undefined;
}

/** Seconds after which a lock file that holds no owner (a crash mid-write) counts as stale. */
const UNREADABLE_STALE_SECONDS = 10;

/**
 * Takes the lock of run directory `dir` (created if missing) for this process: a second
 * `charrnn train` on the same `--out`, or a `--resume` of a run that is still training, is
 * refused with one line naming the owner (pid, host, start time). A lock left by a process that
 * died (same host, pid gone) is taken over; so is a lock file that never got its content. The lock
 * is released by {@link RunLock.release} and, whatever happens, when the process exits.
 *
 * @throws IoError naming `dir` when another live process holds it, or the lock cannot be written
 */
export async function lockRunDirectory(dir: string): Promise<RunLock> {
  const file = path.join(dir, LOCK_FILE);
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    started: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  const text = `${JSON.stringify(me)}\n`;
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new IoError(`cannot write the run directory ${dir}: ${(error as Error).message}`, {
      field: '--out',
      cause: error,
    });
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(text);
      await handle.close();
      return held(file, me);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST')
        throw new IoError(`cannot lock the run directory: ${(error as Error).message}`, {
          file,
          cause: error,
        });
    }
    const current = await readFile(file, 'utf8').catch(() => undefined);
    if (current === undefined) continue; // released meanwhile: try again
    const owner = parseOwner(current);
    let stale: boolean;
    if (owner === undefined) {
      const age = await stat(file).then(
        (s) => (Date.now() - s.mtimeMs) / 1000,
        () => 0,
      );
      stale = age > UNREADABLE_STALE_SECONDS;
      if (!stale) {
        await sleep(100);
        continue;
      }
    } else {
      stale = owner.host === me.host && !isProcessAlive(owner.pid);
      if (!stale)
        throw new IoError(
          `the run directory is in use by another charrnn process (pid ${owner.pid} on ${owner.host}, since ${owner.started}); ` +
            `wait for it to finish or stop it${owner.host === me.host ? '' : `, or delete ${file} if that process is gone`}`,
          { file: dir, field: '--out' },
        );
    }
    // Take the stale lock over: replace it atomically, then check that no other process
    // taking it over at the same moment replaced it after us.
    const temp = `${file}.${me.token}.tmp`;
    await rm(temp, { force: true });
    const handle = await open(temp, 'wx');
    await handle.writeFile(text);
    await handle.close();
    await rename(temp, file);
    await sleep(50);
    const after = parseOwner(await readFile(file, 'utf8').catch(() => ''));
    if (after?.token === me.token) return held(file, me);
  }
  throw new IoError('cannot take the lock of the run directory (it keeps changing hands)', { file });
}

function held(file: string, me: LockOwner): RunLock {
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.off('exit', release);
    try {
      if (parseOwner(readFileSync(file, 'utf8'))?.token === me.token) unlinkSync(file);
    } catch {
      // Already gone.
    }
  };
  process.on('exit', release);
  return { release };
}

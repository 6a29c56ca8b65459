import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCK_FILE, lockRunDirectory } from './run_lock.js';

const work = mkdtempSync(path.join(tmpdir(), 'charrnn-lock-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('lockRunDirectory', () => {
  it('refuses a second owner with one line naming the first, and frees the directory on release', async () => {
    const dir = path.join(work, 'run');
    const lock = await lockRunDirectory(dir);
    const owner = JSON.parse(readFileSync(path.join(dir, LOCK_FILE), 'utf8')) as {
      pid: number;
      host: string;
    };
    expect(owner).toMatchObject({ pid: process.pid, host: hostname() });
    // A live process other than this one holds it: a child that sleeps.
    lock.release();
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      writeFileSync(
        path.join(dir, LOCK_FILE),
        JSON.stringify({ pid: child.pid, host: hostname(), started: '2026-01-01T00:00:00.000Z', token: 'x' }),
      );
      await expect(lockRunDirectory(dir)).rejects.toThrow(
        `${dir} field --out: the run directory is in use by another charrnn process (pid ${child.pid} on ${hostname()}, since 2026-01-01T00:00:00.000Z); wait for it to finish or stop it`,
      );
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('takes over the lock of a process that died, and of a lock file left empty long ago', async () => {
    const dir = path.join(work, 'stale');
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => dead.on('exit', resolve));
    const lockFile = path.join(dir, LOCK_FILE);
    (await lockRunDirectory(dir)).release();
    writeFileSync(
      lockFile,
      JSON.stringify({ pid: dead.pid, host: hostname(), started: 'then', token: 'old' }),
    );
    const taken = await lockRunDirectory(dir);
    expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toMatchObject({ pid: process.pid });
    taken.release();
    writeFileSync(lockFile, '');
    const { utimesSync } = await import('node:fs');
    utimesSync(lockFile, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    (await lockRunDirectory(dir)).release();
    expect(existsSync(lockFile)).toBe(false);
  });

  it('lets exactly one of many concurrent takers win', async () => {
    const dir = path.join(work, 'race');
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => lockRunDirectory(dir)));
    // Same process: the first holds it, the others see a live owner (this pid) and are refused.
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'fulfilled') r.value.release();
  });
});

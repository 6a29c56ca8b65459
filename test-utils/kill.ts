// Shared by the kill-during-save tests: child processes that save in a loop are SIGKILLed at
// random moments, and after each kill the saved state must load, complete.
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { Rng } from '@charrnn/core';
import { expect } from 'vitest';

/** A child started by {@link startReadyChild}: stdin, stdout and stderr piped. */
export type ReadyChild = ChildProcessByStdio<Writable, Readable, Readable>;

/**
 * Runs `node script ...args` and resolves once the child writes its first output (its "ready"
 * line, after its imports); rejects with its stderr if it exits before that.
 */
export function startReadyChild(script: string, args: readonly string[]): Promise<ReadyChild> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
  return new Promise((resolve, reject) => {
    child.stdout.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before it was ready: ${stderr}`)));
  });
}

/** SIGKILLs `child` and waits until it is gone. */
export async function killChild(child: ReadyChild): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What {@link killLoop} needs. */
export interface KillLoopOptions {
  /** Children to kill, one after the other. */
  kills: number;
  /** A child is killed 0..maxDelayMs ms after it was told to start saving. */
  maxDelayMs: number;
  /** Starts a child that waits for its first version number on stdin, then saves versions from it on. */
  start: () => Promise<ReadyChild>;
  /** Loads what is on disk (failing the test if it is not complete) and returns its version. */
  check: () => Promise<number>;
  /** True when the files show that this kill interrupted a save (temp files, two data files...). */
  interruptedSave: () => Promise<boolean>;
}

/**
 * Kills `kills` saving children at random moments (seed `CHARRNN_KILL_SEED`, default 2024); after
 * each kill the saved version must load and never go back. The next child is started (imports
 * done) while the current one runs, to keep the test short.
 */
export async function killLoop(
  options: KillLoopOptions,
): Promise<{ versions: number[]; interrupted: number }> {
  const rng = new Rng(Number(process.env['CHARRNN_KILL_SEED'] ?? 2024));
  const versions: number[] = [];
  let interrupted = 0;
  let last = await options.check();
  let pending = options.start();
  for (let i = 0; i < options.kills; i++) {
    const child = await pending;
    pending = options.start();
    child.stdin.write(`${last + 1}\n`);
    await sleep(rng.int(options.maxDelayMs + 1));
    await killChild(child);
    const version = await options.check();
    expect(version).toBeGreaterThanOrEqual(last); // never goes back to an older save
    last = version;
    versions.push(version);
    if (await options.interruptedSave()) interrupted += 1;
  }
  await killChild(await pending);
  return { versions, interrupted };
}

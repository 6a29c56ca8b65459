import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, IoError } from '@charrnn/core';
import { CHECKPOINT_DIR, MEMBERS_DIR, STATE_FILE } from '@charrnn/trainer/node';
import { clearPreviousRun } from './run_manifest.js';

/** Fails before training, not after it, when the run directory cannot be written. */
export async function checkWritable(out: string): Promise<void> {
  const probe = path.join(out, `.charrnn-write-test-${process.pid}`);
  try {
    await mkdir(out, { recursive: true });
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (error) {
    throw new IoError(`cannot write the run directory ${out}: ${(error as Error).message}`, {
      field: '--out',
      cause: error,
    });
  }
}

/** Files whose presence means a directory already holds a run. */
const RUN_MARKERS = [
  'model.json',
  'metrics.json',
  path.join(CHECKPOINT_DIR, STATE_FILE),
  path.join(MEMBERS_DIR, '1', CHECKPOINT_DIR, STATE_FILE),
];

/**
 * Refuses a directory that holds a run unless `--force`; with it, removes what the previous run
 * wrote there (only that: see `clearPreviousRun`).
 */
export async function prepareOutputDir(out: string, force: boolean): Promise<void> {
  if (!existsSync(out)) return;
  const found = RUN_MARKERS.filter((marker) => existsSync(path.join(out, marker)));
  if (found.length === 0) return;
  if (!force) {
    const hint = found.some((f) => f.endsWith(path.join(CHECKPOINT_DIR, STATE_FILE)))
      ? `; continue it with --resume ${out}, or pass --force to start over`
      : '; pass --force to overwrite';
    throw new InvalidArgumentError(`${out} already holds a run (${found.join(', ')})${hint}`, {
      field: '--out',
    });
  }
  await clearPreviousRun(out);
}

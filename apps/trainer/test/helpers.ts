// Shared by the CLI tests: run the built `charrnn`, and a synthetic corpus a small model learns.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The app's folder (the CLI runs with it as working directory). */
export const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The CLI's entry point. */
export const bin = path.join(appDir, 'bin', 'charrnn.js');

/** Fails with a clear message when the app has not been built. */
export function checkBuilt(): void {
  if (!existsSync(path.join(appDir, 'dist', 'cli.js')))
    throw new Error('apps/trainer is not built: run `pnpm build` (pnpm test does it) before these tests');
}

/** What one CLI run printed and returned. */
export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `charrnn ...args` to completion (2 minutes at most), with extra environment variables. */
export function charrnn(args: string[], env: Record<string, string> = {}): Run {
  const run = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    cwd: appDir,
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/**
 * A `name<TAB>label` TSV whose label is given away by the suffix (`Alpha` → "ski", ...), so that
 * a small model learns it; deterministic by `seed`, duplicates removed.
 */
export function syntheticTsv(
  count: number,
  seed: number,
  suffixes: Record<string, string> = { Alpha: 'ski', Beta: 'ov', Gamma: 'ez' },
  maxExtra = 4,
): string {
  const letters = 'bcdfghklmnprstvz';
  let state = seed;
  const rand = (n: number): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  const rows: string[] = [];
  const labels = Object.keys(suffixes);
  for (let i = 0; i < count; i++) {
    const label = labels[i % labels.length] as string;
    let stem = letters[rand(letters.length)]?.toUpperCase() ?? 'B';
    for (let k = 0; k < 2 + rand(maxExtra); k++)
      stem += (k % 2 === 0 ? 'aeiou' : letters)[rand(k % 2 === 0 ? 5 : letters.length)];
    rows.push(`${stem}${suffixes[label]}\t${label}`);
  }
  return `${[...new Set(rows)].join('\n')}\n`;
}

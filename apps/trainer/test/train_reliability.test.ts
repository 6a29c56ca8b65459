// `charrnn train` against what an adversarial pass broke (issue 18): two writers on one run
// directory and --force (class 1), budgets (class 6), SIGTERM/SIGHUP and a closed stdout (class
// 7), many labels (class 5). Child processes run the built CLI.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appDir, bin, charrnn, checkBuilt, syntheticTsv } from './helpers.js';

let work = '';
let data: string[] = [];
beforeAll(() => {
  checkBuilt();
  work = mkdtempSync(path.join(tmpdir(), 'charrnn-reliability-'));
  writeFileSync(path.join(work, 'train.tsv'), syntheticTsv(600, 1));
  data = ['--data', path.join(work, 'train.tsv'), '--backend', 'wasm', '--ngram', 'none'];
});
afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

const SMALL = ['--hidden', '16', '--embed', '8', '--batch', '8'];

/** Starts `charrnn args` and resolves once `trigger` shows on stdout. */
function startUntil(
  args: string[],
  trigger: RegExp,
): Promise<{
  child: ChildProcessWithoutNullStreams;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: appDir });
    let stdout = '';
    let stderr = '';
    const exit = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    void exit.then(() => clearTimeout(timer));
    let started = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += String(d);
      if (!started && trigger.test(stdout)) {
        started = true;
        resolve({ child, out: () => stdout, err: () => stderr, exit });
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
    child.once('error', reject);
    void exit.then(() => {
      if (!started) reject(new Error(`exited before ${trigger}: ${stdout}\n${stderr}`));
    });
  });
}

describe('one writer per run directory (class 1) and stop signals (class 7)', () => {
  it('refuses a second train and a --resume while a run trains; SIGTERM saves a checkpoint and exits 143', async () => {
    const dir = path.join(work, 'shared');
    const first = await startUntil(
      ['train', ...data, ...SMALL, '--epochs', '200', '--out', dir],
      /^epoch 1:/m,
    );
    try {
      const second = charrnn(['train', ...data, ...SMALL, '--iters', '5', '--out', dir, '--force']);
      expect(second.status).toBe(1);
      const lines = second.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(
          `^charrnn: IoError: ${dir} field --out: the run directory is in use by another charrnn process \\(pid ${first.child.pid} on `,
        ),
      );
      const resume = charrnn(['train', '--resume', dir]);
      expect(resume.status).toBe(1);
      expect(resume.stderr).toContain('the run directory is in use by another charrnn process');
      // The first run's files are untouched by the refused writers.
      expect(existsSync(path.join(dir, 'checkpoint', 'state.json'))).toBe(true);
      first.child.kill('SIGTERM');
      expect(await first.exit).toBe(143);
      expect(first.err()).toContain('SIGTERM: finishing the current step and saving a checkpoint');
      expect(first.err()).toContain(`continue with: charrnn train --resume ${dir}`);
      expect(existsSync(path.join(dir, '.charrnn-lock'))).toBe(false);
    } finally {
      first.child.kill('SIGKILL');
    }
    // SIGHUP (a closed terminal) does the same, with 129; then the run resumes.
    const hup = await startUntil(['train', '--resume', dir], /resuming at step/);
    await new Promise((r) => setTimeout(r, 500));
    hup.child.kill('SIGHUP');
    expect(await hup.exit).toBe(129);
    expect(JSON.parse(readFileSync(path.join(dir, 'checkpoint', 'state.json'), 'utf8'))).toHaveProperty(
      'checkpoint',
    );
  });

  it("--force removes only what charrnn wrote: a foreign folder and the user's files stay", () => {
    const dir = path.join(work, 'forced');
    mkdirSync(path.join(dir, 'members'), { recursive: true });
    writeFileSync(path.join(dir, 'members', 'notes.txt'), "not charrnn's");
    writeFileSync(path.join(dir, 'keep.txt'), 'mine');
    const first = charrnn(['train', ...data, ...SMALL, '--iters', '3', '--out', dir]);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(dir, '.charrnn-run.json'), 'utf8')) as {
      created: string[];
    };
    expect(manifest.created).toContain('checkpoint');
    expect(manifest.created).not.toContain('members');
    const again = charrnn([
      'train',
      ...data,
      ...SMALL,
      '--iters',
      '3',
      '--out',
      dir,
      '--force',
      '--seed',
      '9',
    ]);
    expect(again.stderr).toBe('');
    expect(again.status).toBe(0);
    expect(readFileSync(path.join(dir, 'members', 'notes.txt'), 'utf8')).toBe("not charrnn's");
    expect(readFileSync(path.join(dir, 'keep.txt'), 'utf8')).toBe('mine');
    expect(JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'))).toMatchObject({ seed: 9 });
  });

  it('refuses a model past the budget at once, before training, unless --allow-large', () => {
    const run = charrnn([
      'train',
      ...data,
      '--hidden',
      '4096',
      '--layers',
      '64',
      '--out',
      path.join(work, 'huge'),
    ]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toMatch(
      /^charrnn: InvalidArgumentError: field --hidden: this model has 19\.\d G parameters/,
    );
    expect(run.stdout).not.toMatch(/^epoch/m);
  });

  it('keeps training when stdout is closed by its reader (train | head), without a stack trace', async () => {
    const dir = path.join(work, 'piped');
    const run = await startUntil(['train', ...data, ...SMALL, '--epochs', '3', '--out', dir], /^model:/m);
    run.child.stdout.destroy();
    expect(await run.exit).toBe(0);
    expect(run.err()).toBe('');
    expect(existsSync(path.join(dir, 'model.json'))).toBe(true);
  });
});

describe('many labels (class 5)', () => {
  it('trains, reports and evaluates 1,000 labels', () => {
    const rows: string[] = [];
    for (let label = 0; label < 1000; label++)
      for (let k = 0; k < 3; k++) rows.push(`${'bcdfg'[k]}${'aeiou'[label % 5]}n${label}x${k}\tL${label}`);
    const file = path.join(work, 'many.tsv');
    writeFileSync(file, `${rows.join('\n')}\n`);
    const dir = path.join(work, 'many');
    const run = charrnn([
      'train',
      '--data',
      file,
      '--val',
      file,
      '--backend',
      'wasm',
      '--ngram',
      'none',
      '--alphabet',
      'unicode',
      ...SMALL,
      '--iters',
      '2',
      '--out',
      dir,
    ]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(readFileSync(path.join(dir, 'confusion.svg'), 'utf8')).toContain('other labels');
    const evalRun = charrnn(['eval', '--model', dir, '--data', file]);
    expect(evalRun.status).toBe(0);
    expect(evalRun.stdout).toContain('labels with the most errors');
  });
});

// `charrnn train` as a user runs it: config files, Ctrl-C and --resume, divergence. Child processes
// run the built CLI.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appDir, bin, charrnn, checkBuilt, syntheticTsv as makeTsv, type Run } from './helpers.js';

/** Names of four labels given away by their suffixes. */
const syntheticTsv = (count: number, seed: number): string =>
  makeTsv(count, seed, { Alpha: 'ski', Beta: 'ov', Gamma: 'ez', Delta: 'ini' }, 5);

let work = '';
let common: string[] = [];
beforeAll(() => {
  checkBuilt();
  work = mkdtempSync(path.join(tmpdir(), 'charrnn-run-'));
  writeFileSync(path.join(work, 'train.tsv'), syntheticTsv(800, 1));
  writeFileSync(path.join(work, 'val.tsv'), syntheticTsv(120, 5));
  writeFileSync(path.join(work, 'test.tsv'), syntheticTsv(120, 7));
  common = [
    '--data',
    path.join(work, 'train.tsv'),
    '--val',
    path.join(work, 'val.tsv'),
    '--test',
    path.join(work, 'test.tsv'),
    '--backend',
    'wasm',
  ];
});
afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

const json = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
const weightsOf = (dir: string): Buffer => {
  const file = readdirSync(dir).find((f) => /^weights\..*\.bin$/.test(f));
  if (file === undefined) throw new Error(`no weights file in ${dir}`);
  return readFileSync(path.join(dir, file));
};

/** Starts the CLI and sends SIGINT once `trigger` appears on stdout; resolves with the outcome. */
function interruptWhen(args: string[], trigger: RegExp): Promise<Run & { signalled: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: appDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += String(d);
      if (!signalled && trigger.test(stdout)) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
    child.once('error', reject);
    child.once('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, signalled });
    });
  });
}

// A model big enough that an epoch takes a noticeable time, so Ctrl-C lands mid-run.
const MODEL = [
  '--cell',
  'lstm',
  '--hidden',
  '48',
  '--embed',
  '16',
  '--epochs',
  '6',
  '--batch',
  '8',
  '--seed',
  '5',
];

describe('charrnn train: Ctrl-C, --resume and divergence', () => {
  it('Ctrl-C saves a checkpoint and exits 130; --resume finishes with the same weights and metrics as an uninterrupted run', async () => {
    const straightDir = path.join(work, 'straight');
    const straight = charrnn(['train', ...common, ...MODEL, '--out', straightDir]);
    expect(straight.stderr).toBe('');
    expect(straight.status).toBe(0);

    const dir = path.join(work, 'interrupted');
    const first = await interruptWhen(['train', ...common, ...MODEL, '--out', dir], /^epoch 2:/m);
    expect(first.signalled).toBe(true);
    expect(first.status).toBe(130);
    expect(first.stderr).toContain('interrupt: finishing the current step and saving a checkpoint');
    const stoppedAt = /interrupted at step (\d+): checkpoint saved in (.*)\n/.exec(first.stderr);
    expect(stoppedAt?.[2]).toBe(path.join(dir, 'checkpoint'));
    const totalSteps =
      6 * Math.ceil((json(path.join(straightDir, 'metrics.json')).train_names as number) / 8);
    expect(Number(stoppedAt?.[1])).toBeLessThan(totalSteps);
    expect(existsSync(path.join(dir, 'model.json'))).toBe(false);
    expect(first.stderr).toContain(`continue with: charrnn train --resume ${dir}`);

    // The run directory is refused without --resume or --force; --resume refuses other settings.
    const again = charrnn(['train', ...common, ...MODEL, '--out', dir]);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain(`continue it with --resume ${dir}, or pass --force to start over`);
    const changed = charrnn(['train', '--resume', dir, '--lr', '0.1', '--epochs', '9']);
    expect(changed.status).toBe(2);
    expect(changed.stderr.trim()).toBe(
      'charrnn: InvalidArgumentError: field --resume: continues a run with the configuration saved in its checkpoint; drop --epochs, --lr (only --backend may change)',
    );

    const resumed = charrnn(['train', '--resume', dir, '--backend', 'wasm']);
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).toMatch(/resuming at step \d+ of \d+/);
    expect(weightsOf(dir).equals(weightsOf(straightDir))).toBe(true);
    const a = json(path.join(straightDir, 'metrics.json'));
    const b = json(path.join(dir, 'metrics.json'));
    for (const key of ['val', 'test', 'best_epoch', 'steps', 'logit_adjustment'])
      expect(b[key]).toEqual(a[key]);
    expect((b.epochs as { loss: number }[]).map((e) => e.loss)).toEqual(
      (a.epochs as { loss: number }[]).map((e) => e.loss),
    );
    expect(json(path.join(dir, 'config.json'))).toEqual({
      ...json(path.join(straightDir, 'config.json')),
      out: dir,
    });
  });

  it('--ensemble 2: Ctrl-C in the second member, then --resume, gives the same averaged model as an uninterrupted run', async () => {
    const args = [...common, ...MODEL, '--ensemble', '2', '--epochs', '4'];
    const straightDir = path.join(work, 'ensemble-straight');
    const straight = charrnn(['train', ...args, '--out', straightDir]);
    expect(straight.stderr).toBe('');
    expect(straight.status).toBe(0);
    expect(straight.stdout).toContain('ensemble member 2 of 2 (seed 6)');
    const metrics = json(path.join(straightDir, 'metrics.json'));
    expect((metrics.ensemble as { seed: number }[]).map((m) => m.seed)).toEqual([5, 6]);
    expect((metrics.test as { accuracy: number }).accuracy).toBeGreaterThan(0.9);
    const topology = readFileSync(path.join(straightDir, 'model.json'), 'utf8');
    expect(topology).toContain('"units":96'); // 2 × hidden 48, one model

    const dir = path.join(work, 'ensemble-interrupted');
    const first = await interruptWhen(['train', ...args, '--out', dir], /member 2 of 2[\s\S]*^epoch 2:/m);
    expect(first.status).toBe(130);
    expect(first.stderr).toContain('of ensemble member 2: checkpoint saved in');
    const resumed = charrnn(['train', '--resume', dir]);
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    expect(weightsOf(dir).equals(weightsOf(straightDir))).toBe(true);
    const b = json(path.join(dir, 'metrics.json'));
    for (const key of ['val', 'test', 'steps']) expect(b[key]).toEqual(metrics[key]);
  });

  it('a NaN gradient stops training with one clear message, and the last good checkpoint stays and resumes', () => {
    const dir = path.join(work, 'diverged');
    const run = charrnn(['train', ...common, ...MODEL, '--out', dir], { CHARRNN_FAULT: 'nan@150' });
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    const match = lines[0]?.match(
      /^charrnn: TrainingDivergedError: field loss: gradient norm is NaN at step 151; training stopped, the last good checkpoint \(step (\d+), epoch (\d+)\) stays in .*diverged\/checkpoint\. Try a lower --lr or a --clip$/,
    );
    expect(match).not.toBeNull();
    expect(existsSync(path.join(dir, 'model.json'))).toBe(false);
    const state = json(path.join(dir, 'checkpoint', 'state.json'));
    const checkpoint = state.checkpoint as { steps: number; history: unknown[] };
    // The checkpoint on disk is the one the message names: the end of the last epoch before step 151.
    expect(checkpoint.steps).toBe(Number(match?.[1]));
    expect(checkpoint.history).toHaveLength(Number(match?.[2]));
    expect(checkpoint.steps).toBeLessThan(151);
    // Resuming (without the fault) continues from that checkpoint to the end.
    const resumed = charrnn(['train', '--resume', dir]);
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).toContain(`resuming at step ${checkpoint.steps} of`);
  });

  it('takes settings from a YAML --config, flags winning, and saves the resolved config', () => {
    const dir = path.join(work, 'configured');
    const file = path.join(work, 'run.yaml');
    writeFileSync(
      file,
      [
        'cell: gru',
        'hidden: 24',
        'embed: 8',
        'epochs: 2',
        'batch: 16',
        'bidirectional: false',
        'out: configured',
        'logit-adjust: none',
        '',
      ].join('\n'),
    );
    const run = charrnn(['train', ...common, '--config', file, '--epochs', '3']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const config = json(path.join(dir, 'config.json'));
    expect(config).toMatchObject({
      cell: 'gru',
      hidden: 24,
      embed: 8,
      epochs: 3,
      batch: 16,
      bidirectional: null,
      out: dir,
      logit_adjust: 0,
    });
    expect(json(path.join(dir, 'metrics.json')).epochs).toHaveLength(3);

    writeFileSync(file, 'out: configured\nhidden: big\n');
    const bad = charrnn(['train', ...common, '--config', file]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe(
      `charrnn: InvalidConfigError: ${file} line 2 field hidden: expected an integer, got 'big'`,
    );
  });
});

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bin, appDir, charrnn, checkBuilt, syntheticTsv } from './helpers.js';

describe('charrnn train --task generate, generate, eval', () => {
  let work: string;
  let model: string;
  const trainNames = new Set<string>();

  beforeAll(() => {
    checkBuilt();
    work = mkdtempSync(path.join(tmpdir(), 'charrnn-gen-'));
    const tsv = syntheticTsv(600, 1);
    for (const line of tsv.trim().split('\n')) trainNames.add(line.split('\t')[0] as string);
    writeFileSync(path.join(work, 'train.tsv'), tsv);
    writeFileSync(path.join(work, 'val.tsv'), syntheticTsv(90, 7));
    model = path.join(work, 'gen');
    const run = charrnn([
      'train',
      '--task',
      'generate',
      '--data',
      path.join(work, 'train.tsv'),
      '--val',
      path.join(work, 'val.tsv'),
      '--out',
      model,
      '--hidden',
      '32',
      '--embed',
      '8',
      '--label-embed',
      '4',
      '--epochs',
      '8',
      '--lr',
      '0.02',
      '--batch',
      '16',
      '--backend',
      'wasm',
    ]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('writes metrics.json with val_bpc, train_chars_per_s and per-epoch val_bpc', () => {
    const metrics = JSON.parse(readFileSync(path.join(model, 'metrics.json'), 'utf8')) as {
      val_bpc: number;
      train_chars_per_s: number;
      epochs: { val_bpc: number }[];
    };
    expect(metrics.epochs).toHaveLength(8);
    expect(metrics.val_bpc).toBe(Math.min(...metrics.epochs.map((e) => e.val_bpc)));
    expect(metrics.val_bpc).toBeLessThan(3.3);
    expect(metrics.train_chars_per_s).toBeGreaterThan(0);
  });

  it('generate prints only names, the same for the same seed; --novel never prints a training name', () => {
    const args = [
      'generate',
      '--model',
      model,
      '--label',
      'Alpha',
      '--count',
      '20',
      '--seed',
      '4',
      '--backend',
      'wasm',
    ];
    const a = charrnn(args);
    const b = charrnn(args);
    expect(a.status).toBe(0);
    expect(a.stderr).toBe('');
    const names = a.stdout.trim().split('\n');
    expect(names).toHaveLength(20);
    expect(a.stdout).toBe(b.stdout);
    // The label steers the suffix: Alpha names end in "ski", Beta names in "ov".
    const beta = charrnn(args.map((x) => (x === 'Alpha' ? 'Beta' : x)))
      .stdout.trim()
      .split('\n');
    const sk = (list: string[]): number => list.filter((n) => n.includes('sk')).length;
    expect(sk(names)).toBeGreaterThanOrEqual(sk(beta) + 6);
    const novel = charrnn([...args, '--novel']);
    expect(novel.status).toBe(0);
    for (const n of novel.stdout.trim().split('\n')) expect(trainNames.has(n)).toBe(false);
  });

  it('--label is required by a conditional generator, with the labels listed', () => {
    const run = charrnn(['generate', '--model', model, '--backend', 'wasm']);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('--label');
    expect(run.stderr).toContain('Alpha, Beta, Gamma');
  });

  it('--json gives records with label and log-probability; --prime starts every name', () => {
    const run = charrnn([
      'generate',
      '--model',
      model,
      '--label',
      'Beta',
      '--prime',
      'Ka',
      '--count',
      '3',
      '--json',
      '--seed',
      '1',
    ]);
    const records = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { text: string; label: string; log_prob: number });
    expect(records).toHaveLength(3);
    for (const r of records) {
      expect(r.text.startsWith('Ka')).toBe(true);
      expect(r.label).toBe('Beta');
      expect(r.log_prob).toBeLessThan(0);
    }
  });

  it('eval prints bits per character; predict refuses a generator with a typed error', () => {
    const run = charrnn([
      'eval',
      '--model',
      model,
      '--data',
      path.join(work, 'val.tsv'),
      '--backend',
      'wasm',
    ]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^bits per character: \d+\.\d{4} over \d+ characters/);
    const predict = charrnn(['predict', '--model', model, 'Rossi']);
    expect(predict.status).toBe(1);
    expect(predict.stderr).toContain('ModelKindError');
  });

  it('a text file trains an unconditional text model, which refuses --label', () => {
    const text = Array.from({ length: 400 }, (_, i) => `line ${i % 7} of the cat and the dog.\n`).join('');
    writeFileSync(path.join(work, 'book.txt'), text);
    const out = path.join(work, 'text');
    const train = charrnn([
      'train',
      '--task',
      'generate',
      '--data',
      path.join(work, 'book.txt'),
      '--out',
      out,
      '--hidden',
      '32',
      '--embed',
      '8',
      '--layers',
      '1',
      '--batch',
      '8',
      '--seq-len',
      '25',
      '--epochs',
      '2',
      '--backend',
      'wasm',
    ]);
    expect(train.status).toBe(0);
    const gen = charrnn([
      'generate',
      '--model',
      out,
      '--max-length',
      '120',
      '--seed',
      '3',
      '--backend',
      'wasm',
    ]);
    expect(gen.status).toBe(0);
    expect(gen.stdout.length).toBeGreaterThanOrEqual(120);
    const refused = charrnn(['generate', '--model', out, '--label', 'Alpha']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('unconditional');
    const classifierFlag = charrnn([
      'train',
      '--task',
      'generate',
      '--data',
      path.join(work, 'book.txt'),
      '--out',
      out,
      '--ngram',
      '3',
    ]);
    expect(classifierFlag.status).toBe(2);
    expect(classifierFlag.stderr).toContain('--ngram');
  });

  it("--recipe tutorial trains the tutorial's model for --iters steps; generate and eval read it back", () => {
    const out = path.join(work, 'tutorial');
    const args = [
      'train',
      '--task',
      'generate',
      '--recipe',
      'tutorial',
      '--data',
      path.join(work, 'train.tsv'),
    ];
    const train = charrnn([
      ...args,
      '--val',
      path.join(work, 'val.tsv'),
      '--out',
      out,
      '--hidden',
      '24',
      '--iters',
      '700',
      '--lr',
      '0.005',
      '--backend',
      'wasm',
    ]);
    expect(train.stderr).toBe('');
    expect(train.status).toBe(0);
    expect(train.stdout).toContain("the tutorial's RNN (i2h, i2o, o2o), hidden 24, category one-hot");
    expect(train.stdout).toContain('700 steps (random category, then random name), summed loss');
    const topology = JSON.parse(readFileSync(path.join(out, 'model.json'), 'utf8')) as {
      modelTopology: { class_name: string };
    };
    expect(topology.modelTopology.class_name).toBe('CharrnnTutorialGenerator');
    const metrics = JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8')) as {
      epochs: unknown[];
      val_bpc: number;
      recipe: { iterations: number; architecture: string };
    };
    // Validation after every ceil(names) steps, and after the last one.
    const lines = readFileSync(path.join(work, 'train.tsv'), 'utf8').trim().split('\n').length;
    expect(metrics.epochs).toHaveLength(Math.ceil(700 / lines));
    expect(metrics.recipe).toMatchObject({ iterations: 700, architecture: 'tutorial' });
    const gen = charrnn([
      'generate',
      '--model',
      out,
      '--label',
      'Alpha',
      '--count',
      '5',
      '--novel',
      '--backend',
      'wasm',
    ]);
    expect(gen.status).toBe(0);
    expect(gen.stdout.trim().split('\n')).toHaveLength(5);
    const evaluated = charrnn([
      'eval',
      '--model',
      out,
      '--data',
      path.join(work, 'val.tsv'),
      '--backend',
      'wasm',
    ]);
    expect(evaluated.stdout).toContain(`bits per character: ${metrics.val_bpc.toFixed(4)}`);
    const refused = charrnn([...args, '--out', path.join(work, 'no'), '--embed', '8']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('--embed');
    expect(refused.stderr).toContain('does not apply to --recipe tutorial');
  });

  it('--recipe balanced trains on label-balanced draws (--label-alpha), keeping the last epoch', () => {
    const out = path.join(work, 'balanced');
    const args = ['train', '--task', 'generate', '--data', path.join(work, 'train.tsv')];
    const train = charrnn([
      ...args,
      '--recipe',
      'balanced',
      '--label-alpha',
      '0.3',
      '--val',
      path.join(work, 'val.tsv'),
      '--out',
      out,
      '--hidden',
      '16',
      '--embed',
      '8',
      '--epochs',
      '2',
      '--backend',
      'wasm',
    ]);
    expect(train.stderr).toBe('');
    expect(train.status).toBe(0);
    expect(train.stdout).toContain('2 epochs (label-balanced: labels drawn ∝ names^0.3, then a random name)');
    const config = JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8')) as {
      recipe: { sampler: string; labelAlpha: number; restoreBest: boolean; hiddenSize: number };
    };
    expect(config.recipe).toMatchObject({
      sampler: 'balanced',
      labelAlpha: 0.3,
      restoreBest: false,
      hiddenSize: 16,
    });
    const metrics = JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8')) as {
      val_bpc: number;
      epochs: { val_bpc: number }[];
    };
    expect(metrics.val_bpc).toBe(metrics.epochs.at(-1)?.val_bpc);
    const noBalance = charrnn([...args, '--out', path.join(work, 'no'), '--label-alpha', '0.3']);
    expect(noBalance.status).toBe(2);
    expect(noBalance.stderr).toContain('--label-alpha');
    expect(noBalance.stderr).toContain('applies to --sampler balanced (or --recipe balanced) only');
    const outOfRange = charrnn([
      ...args,
      '--out',
      path.join(work, 'no'),
      '--sampler',
      'balanced',
      '--label-alpha',
      '2',
    ]);
    expect(outOfRange.status).toBe(2);
    expect(outOfRange.stderr).toContain('--label-alpha');
    const classifier = charrnn([
      'train',
      '--data',
      path.join(work, 'train.tsv'),
      '--out',
      path.join(work, 'no'),
      '--label-alpha',
      '0.3',
    ]);
    expect(classifier.status).toBe(2);
    expect(classifier.stderr).toContain('applies to --task generate only');
  });

  it('Ctrl-C saves a checkpoint (exit 130) and --resume ends with the weights of an uninterrupted run', async () => {
    const text = Array.from({ length: 600 }, (_, i) => `line ${i % 11} of the cat and the dog.\n`).join('');
    writeFileSync(path.join(work, 'resume.txt'), text);
    const args = (out: string): string[] => [
      'train',
      '--task',
      'generate',
      '--data',
      path.join(work, 'resume.txt'),
      '--out',
      out,
      '--hidden',
      '16',
      '--embed',
      '8',
      '--layers',
      '1',
      '--batch',
      '4',
      '--seq-len',
      '20',
      '--epochs',
      '3',
      '--backend',
      'wasm',
    ];
    const whole = path.join(work, 'whole');
    expect(charrnn(args(whole)).status).toBe(0);
    const cut = path.join(work, 'cut');
    const child = spawn(process.execPath, [bin, ...args(cut)], { cwd: appDir });
    let stdout = '';
    const status = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += String(d);
        if (stdout.includes('epoch 1:') && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', (code) => resolve(code));
    });
    expect(status).toBe(130);
    expect(stdout).toContain('checkpoint saved');
    const resumed = charrnn(['train', '--task', 'generate', '--resume', cut]);
    expect(resumed.status).toBe(0);
    const weights = (dir: string): string[] => readdirSync(dir).filter((f) => f.startsWith('weights.'));
    // Content-addressed weight files: the same name is the same bytes.
    expect(weights(cut)).toEqual(weights(whole));
  });
});

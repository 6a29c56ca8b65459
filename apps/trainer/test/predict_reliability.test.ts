// End-to-end (child process) checks of `charrnn predict` against adversarial input: output
// targets of every file type (issue 18, class 2), text from files reaching terminals and TSV
// rows (class 3), names the model cannot read (class 4) and streamed input (class 9).
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '@charrnn/core';
import { fileSystemHandler } from '@charrnn/core/node';
import { CharClassifier } from '@charrnn/layers';
import { Tokenizer } from '@charrnn/tokenizer';
import { saveClassifierBundle } from '@charrnn/trainer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appDir, bin, charrnn, checkBuilt } from './helpers.js';

let work: string;
let model: string;
const LABELS = ['Alpha', 'Beta', 'Gamma'];

/** Saves an (untrained) bundle with `labels` into `dir`: predict's behaviour does not need training. */
async function saveModel(dir: string, labels: string[] = LABELS): Promise<void> {
  const tokenizer = Tokenizer.tutorial();
  const net = CharClassifier.create(
    { cell: 'gru', vocabSize: tokenizer.vocabSize, embedDim: 8, hiddenSize: 16, numClasses: labels.length },
    new Rng(1),
  );
  await saveClassifierBundle(net, tokenizer, labels, fileSystemHandler(dir));
  net.dispose();
}

beforeAll(async () => {
  checkBuilt();
  await tf.setBackend('cpu');
  work = mkdtempSync(path.join(tmpdir(), 'charrnn-predict-'));
  model = path.join(work, 'model');
  await saveModel(model);
  writeFileSync(path.join(work, 'names.txt'), 'Abel\nZhou\nLopez\n');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const predictFile = (input: string, output: string, extra: string[] = []) =>
  charrnn(['predict', '--model', model, '--backend', 'cpu', '--input', input, '--output', output, ...extra]);

describe('predict --output: every file type (class 2)', () => {
  it('writes a regular file atomically and removes temp files left by a killed write', () => {
    const out = path.join(work, 'preds.tsv');
    // A leftover of a write killed earlier: its pid (2^22 + 1) is above Linux's pid_max, never alive.
    const leftover = path.join(work, `.preds.tsv.0123456789ab.${2 ** 22 + 1}.tmp`);
    writeFileSync(leftover, 'half');
    const run = predictFile(path.join(work, 'names.txt'), out);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(readFileSync(out, 'utf8').split('\n')).toHaveLength(4);
    expect(existsSync(leftover)).toBe(false);
    expect(readdirSync(work).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('replaces the target of a symlink, keeping the link', () => {
    const real = path.join(work, 'real.tsv');
    writeFileSync(real, 'old\n');
    const link = path.join(work, 'link.tsv');
    symlinkSync(real, link);
    expect(predictFile(path.join(work, 'names.txt'), link).status).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(real);
    expect(readFileSync(real, 'utf8')).toMatch(/^Abel\t(Alpha|Beta|Gamma)\n/);
  });

  it('refuses a dangling symlink, a directory and leaves them as they were', () => {
    const dangling = path.join(work, 'dangling.tsv');
    symlinkSync(path.join(work, 'nowhere', 'x.tsv'), dangling);
    const run = predictFile(path.join(work, 'names.txt'), dangling);
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toMatch(/^charrnn: IoError: .*dangling\.tsv: is a symlink to nothing/);
    expect(lstatSync(dangling).isSymbolicLink()).toBe(true);
    const dir = path.join(work, 'a-dir');
    mkdirSync(dir);
    const refused = predictFile(path.join(work, 'names.txt'), dir);
    expect(refused.status).toBe(1);
    expect(refused.stderr.trim()).toBe(
      `charrnn: IoError: ${dir}: is a directory; write the output to a file, a device, a FIFO or - (stdout)`,
    );
  });

  it('writes through a character device, never replacing it', () => {
    const run = predictFile(path.join(work, 'names.txt'), '/dev/null');
    expect(run.status).toBe(0);
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
    // A symlink to a device (what /dev/stdout is) is written through too.
    const link = path.join(work, 'null-link');
    symlinkSync('/dev/null', link);
    expect(predictFile(path.join(work, 'names.txt'), link).status).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });

  it('writes through a FIFO to its reader', async () => {
    const fifo = path.join(work, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const reader = spawn('cat', [fifo]);
    let read = '';
    reader.stdout.on('data', (chunk: Buffer) => (read += chunk.toString()));
    const closed = new Promise((resolve) => reader.on('close', resolve));
    const run = predictFile(path.join(work, 'names.txt'), fifo);
    await closed;
    expect(run.status).toBe(0);
    expect(read.split('\n').map((r) => r.split('\t')[0])).toEqual(['Abel', 'Zhou', 'Lopez', '']);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('writes to stdout with -, and stops quietly when the reader closes the pipe', () => {
    const run = predictFile(path.join(work, 'names.txt'), '-');
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n').map((r) => r.split('\t')[0])).toEqual(['Abel', 'Zhou', 'Lopez', '']);
    const many = path.join(work, 'many.txt');
    writeFileSync(many, 'Abel\n'.repeat(200_000));
    const piped = spawnSync(
      'sh',
      [
        '-c',
        `"${process.execPath}" "${bin}" predict --model "${model}" --backend cpu --input "${many}" --output - | head -n 1`,
      ],
      { cwd: appDir, encoding: 'utf8' },
    );
    expect(piped.status).toBe(0);
    expect(piped.stdout).toMatch(/^Abel\t\w+\n$/);
    expect(piped.stderr).toBe('');
  });
});

describe('predict: text from files (class 3) and names the model cannot read (class 4)', () => {
  it('refuses a bundle whose labels hold terminal controls, naming the label', async () => {
    const evil = path.join(work, 'evil');
    await saveModel(evil);
    const file = path.join(evil, 'model.json');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('"Beta"', '"\\u001b]8;;https://x\\u0007Beta\\u001b[2J"'),
    );
    const run = charrnn(['predict', '--model', evil, '--backend', 'cpu', 'Abel']);
    expect(run.status).toBe(1);
    expect(run.stderr).not.toMatch(/\p{Cc}(?<!\n)/u);
    expect(run.stderr.trim()).toBe(
      `charrnn: InvalidBundleError: ${file} field userDefinedMetadata.charrnn.labels[1]: control character U+001B in label 2 ("\\u001b]8;;https://x\\u0007Beta\\u001b[2J")`,
    );
  });

  it('keeps one TSV row per input line whatever the lines hold, with the reason where there is no label', () => {
    const input = path.join(work, 'odd.txt');
    writeFileSync(
      input,
      Buffer.concat([
        Buffer.from('Abel\n\n山田\nTab\there\nEsc\u001b[2J\nCR\rinside\n'),
        Buffer.from([0x62, 0x61, 0x64, 0xff, 0x0a]), // "bad" + an invalid UTF-8 byte
        Buffer.from('😀\nZhou\r\n'),
      ]),
    );
    const out = path.join(work, 'odd.tsv');
    const run = predictFile(input, out);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('wrote 9 predictions');
    const rows = readFileSync(out, 'utf8').split('\n').slice(0, -1);
    expect(rows).toHaveLength(9);
    expect(rows.every((r) => !/\p{Cc}(?<!\t)/u.test(r))).toBe(true);
    const fields = rows.map((r) => r.split('\t'));
    expect(fields.map((f) => f.length)).toEqual([2, 3, 3, 3, 3, 3, 3, 3, 2]);
    expect(fields.map((f) => f[2] ?? '')).toEqual([
      '',
      'empty line',
      'no character the model knows',
      'control character U+0009 in name',
      'control character U+001B in name',
      'control character U+000D in name',
      'invalid UTF-8',
      'no character the model knows',
      '',
    ]);
    expect(fields[3]?.[0]).toBe('Tab\\x09here');
    expect(fields[8]?.[0]).toBe('Zhou');
  });

  it('refuses binary and UTF-16 input files as the training loaders do', () => {
    const binary = path.join(work, 'binary.txt');
    writeFileSync(binary, Buffer.from('Abel\n\u0000\u0001\u0002'));
    const utf16 = path.join(work, 'utf16.txt');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Abel\n', 'utf16le')]));
    for (const input of [binary, utf16]) {
      const out = path.join(work, 'refused.tsv');
      const run = predictFile(input, out);
      expect(run.status).toBe(1);
      expect(run.stderr.trim()).toMatch(new RegExp(`^charrnn: InvalidCorpusError: ${input}: `));
      expect(existsSync(out)).toBe(false);
    }
  });

  it('answers an unreadable name alone the same as among others, without crashing', () => {
    const alone = charrnn(['predict', '--model', model, '--backend', 'cpu', '--json', '山田']);
    expect(alone.status).toBe(0);
    const [one] = JSON.parse(alone.stdout) as { top: unknown[]; unreadable?: string }[];
    expect(one).toMatchObject({ name: '山田', top: [], unreadable: 'no character the model knows' });
    const mixed = charrnn(['predict', '--model', model, '--backend', 'cpu', '--json', 'Abel', '山田', '']);
    const all = JSON.parse(mixed.stdout) as { top: unknown[]; unreadable?: string }[];
    expect(all[1]).toEqual(one);
    expect(all[2]).toMatchObject({ top: [], unreadable: 'empty name' });
    const text = charrnn(['predict', '--model', model, '--backend', 'cpu', '\u001b[2J山田']);
    expect(text.status).toBe(0);
    expect(text.stdout).toBe('\\x1b[2J山田\n  no label: control character U+001B in name\n');
  });
});

describe('predict --input streams (class 9)', () => {
  it('classifies a file of 300,000 names in order, every row accounted for', () => {
    const input = path.join(work, 'big.txt');
    const names = ['Abel', 'Zhou', '山田', 'Lopez', ''];
    writeFileSync(
      input,
      Array.from({ length: 300_000 }, (_, i) => names[i % names.length]).join('\n') + '\n',
    );
    const out = path.join(work, 'big.tsv');
    const run = predictFile(input, out);
    expect(run.status).toBe(0);
    const rows = readFileSync(out, 'utf8').split('\n');
    expect(rows).toHaveLength(300_001);
    expect(rows.slice(0, 5).map((r) => r.split('\t')[0])).toEqual(names);
    expect(rows[299_999]?.split('\t')).toEqual(['', '', 'empty line']);
    // Same name, same answer, wherever it falls in the stream.
    expect(new Set(rows.filter((r) => r.startsWith('Zhou\t')))).toHaveProperty('size', 1);
  });
});

// Property-based test of openOutput over output targets of every file type (issue 18, class 2):
// a missing path, a regular file, a symlink to each of those, a dangling symlink, a directory, a
// FIFO with a reader, a character device, a symlink to a symlink. Every case either writes the
// content where it belongs or fails with an IoError naming the path, and never replaces what is
// not a regular file (a device, FIFO, directory or symlink stays what it was).
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { IoError } from '@charrnn/core';
import { afterAll, describe, expect, it } from 'vitest';
import { fcParams, Outcomes } from '../../../test-utils/fuzz.js';
import { openOutput } from './safe_output.js';

const work = mkdtempSync(path.join(tmpdir(), 'charrnn-output-fuzz-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Kind =
  | 'missing'
  | 'file'
  | 'dir'
  | 'fifo'
  | 'device'
  | 'dangling'
  | 'link-file'
  | 'link-dir'
  | 'link-device'
  | 'link-link-file';
const KINDS: Kind[] = [
  'missing',
  'file',
  'dir',
  'fifo',
  'device',
  'dangling',
  'link-file',
  'link-dir',
  'link-device',
  'link-link-file',
];

let counter = 0;
/** Makes a target of `kind` in a fresh folder; returns its path. */
function makeTarget(kind: Kind): { target: string; real: string } {
  const dir = path.join(work, String(counter++));
  mkdirSync(dir);
  const target = path.join(dir, 'out.tsv');
  const real = path.join(dir, 'real.tsv');
  switch (kind) {
    case 'missing':
      return { target, real: target };
    case 'file':
      writeFileSync(target, 'old\n');
      return { target, real: target };
    case 'dir':
      mkdirSync(target);
      return { target, real: target };
    case 'fifo':
      expect(spawnSync('mkfifo', [target]).status).toBe(0);
      return { target, real: target };
    case 'device':
      return { target: '/dev/null', real: '/dev/null' };
    case 'dangling':
      symlinkSync(path.join(dir, 'nowhere'), target);
      return { target, real: target };
    case 'link-file':
      writeFileSync(real, 'old\n');
      symlinkSync(real, target);
      return { target, real };
    case 'link-dir':
      mkdirSync(real);
      symlinkSync(real, target);
      return { target, real };
    case 'link-device':
      symlinkSync('/dev/null', target);
      return { target, real: '/dev/null' };
    case 'link-link-file': {
      writeFileSync(real, 'old\n');
      const middle = path.join(dir, 'middle');
      symlinkSync(real, middle);
      symlinkSync(middle, target);
      return { target, real };
    }
  }
}

describe('openOutput over every file type (property)', () => {
  it('writes where it should or refuses with an IoError; never replaces a non-regular file', async () => {
    const outcomes = new Outcomes('openOutput(target of any file type)');
    const content = fc.array(fc.string({ maxLength: 20 }), { maxLength: 8 });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...KINDS), content, fc.boolean(), async (kind, pieces, fail) => {
        const { target, real } = makeTarget(kind);
        const before = lstatSync(target, { throwIfNoEntry: false });
        // A FIFO needs a reader: this process holds it open read-write (no blocking), drains it after.
        const fifo = kind === 'fifo' ? openSync(target, 'r+') : undefined;
        try {
          const output = await openOutput(target);
          for (const piece of pieces) await output.write(piece);
          if (fail) await output.abort();
          else await output.commit();
          outcomes.record();
          const text = pieces.join('');
          if (kind === 'fifo') {
            const buffer = Buffer.alloc(1 << 16);
            const n = text.length === 0 ? 0 : readSync(fifo as number, buffer);
            expect(buffer.subarray(0, n).toString()).toBe(text);
          } else if (real !== '/dev/null') {
            // A regular file: the new content after commit, the old one (or none) after abort.
            const old = kind === 'missing' ? undefined : 'old\n';
            const now =
              lstatSync(real, { throwIfNoEntry: false }) === undefined
                ? undefined
                : readFileSync(real, 'utf8');
            expect(now).toBe(fail ? old : text);
            expect(readdirSync(path.dirname(real)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
          }
        } catch (error) {
          outcomes.record(error);
          expect(error).toBeInstanceOf(IoError);
          expect(['dir', 'dangling', 'link-dir']).toContain(kind);
          expect((error as IoError).file).toBe(target);
        } finally {
          if (fifo !== undefined) closeSync(fifo);
        }
        // What the target was, it still is: a symlink stays a symlink (to the same place), a
        // device a device, a FIFO a FIFO, a directory a directory.
        const after = lstatSync(target, { throwIfNoEntry: false });
        if (before !== undefined && after !== undefined) {
          expect(after.isSymbolicLink()).toBe(before.isSymbolicLink());
          expect(after.isFIFO()).toBe(before.isFIFO());
          expect(after.isCharacterDevice()).toBe(before.isCharacterDevice());
          expect(after.isDirectory()).toBe(before.isDirectory());
          if (before.isSymbolicLink()) expect(readlinkSync(target)).toBeTruthy();
        }
      }),
      fcParams(),
    );
    outcomes.report();
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.typed.get('IoError') ?? 0).toBeGreaterThan(0);
  });
});

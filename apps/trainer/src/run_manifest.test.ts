import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clearPreviousRun, MANIFEST_FILE, recordRunStart } from './run_manifest.js';

const work = mkdtempSync(path.join(tmpdir(), 'charrnn-manifest-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const charrnnState = JSON.stringify({ format: 'charrnn-run-checkpoint', version: 1 });

function makeDir(name: string, files: Record<string, string>): string {
  const dir = path.join(work, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

describe('recordRunStart / clearPreviousRun', () => {
  it('removes what the run created and nothing that was there before it', async () => {
    const dir = makeDir('with-manifest', { 'config.json': 'mine', 'members/x.txt': 'theirs' });
    await recordRunStart(dir);
    // What the run then wrote:
    for (const [file, text] of Object.entries({
      'model.json': '{}',
      'weights.0123456789abcdef.bin': '',
      'metrics.json': '{}',
      'checkpoint/state.json': charrnnState,
    })) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    expect(await clearPreviousRun(dir)).toEqual([
      'checkpoint',
      'metrics.json',
      'model.json',
      'weights.0123456789abcdef.bin',
    ]);
    expect(readdirSync(dir).sort()).toEqual([MANIFEST_FILE, 'config.json', 'members'].sort());
    expect(existsSync(path.join(dir, 'members', 'x.txt'))).toBe(true);
  });

  it('in a directory from before the manifest, removes only checkpoint folders holding a charrnn checkpoint', async () => {
    const ours = makeDir('legacy', {
      'model.json': '{}',
      'checkpoint/state.json': charrnnState,
      'members/1/checkpoint/state.json': charrnnState,
    });
    expect(await clearPreviousRun(ours)).toEqual(['checkpoint', 'members']);
    expect(readdirSync(ours)).toEqual(['model.json']);
    const foreign = makeDir('foreign', { 'checkpoint/state.json': '{"step": 3}', 'members/1/w.pt': 'x' });
    expect(await clearPreviousRun(foreign)).toEqual([]);
    expect(existsSync(path.join(foreign, 'checkpoint', 'state.json'))).toBe(true);
    expect(existsSync(path.join(foreign, 'members', '1', 'w.pt'))).toBe(true);
  });

  it('leaves no trash folder behind', async () => {
    const dir = makeDir('clean', {});
    await recordRunStart(dir);
    writeFileSync(path.join(dir, 'model.json'), '{}');
    await clearPreviousRun(dir);
    expect(readdirSync(dir)).toEqual([MANIFEST_FILE]);
  });
});

// Kill-during-save: child processes running the BUILT @charrnn/core save over and over and are
// SIGKILLed at random moments; after every kill the directory must load, complete and consistent.
import '@tensorflow/tfjs-backend-cpu';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle, saveBundle } from './bundle.js';
import type { ModelBundle } from './bundle.js';
import { fileSystemHandler, writeFileAtomic } from './node.js';
import { killChild, killLoop, startReadyChild, type ReadyChild } from '../../../test-utils/kill.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const DIST = {
  bundle: join(packageDir, 'dist', 'bundle.js'),
  node: join(packageDir, 'dist', 'node.js'),
};
const BUILD = 'pnpm turbo run build --filter=@charrnn/core --output-logs=errors-only';

/** Kills per scenario, and the longest a child may save before it is killed. */
const KILLS = 30;
const MAX_DELAY_MS = 40;

/**
 * Fails with a clear message when the built package is missing or lags behind the sources: a
 * source module without its compiled file, or a built node entry without the exports used here.
 * (File times cannot tell: turbo restores a cached build without rewriting unchanged files.)
 */
async function checkBuilt(): Promise<void> {
  const missing = (file: string) =>
    new Error(`${file} is missing: build @charrnn/core first (${BUILD}); this test runs the built code`);
  for (const file of Object.values(DIST)) if (!existsSync(file)) throw missing(file);
  const sources = readdirSync(join(packageDir, 'src'), { recursive: true, encoding: 'utf8' }).filter(
    (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.startsWith('test-utils'),
  );
  for (const source of sources) {
    const built = join(packageDir, 'dist', source.replace(/\.ts$/, '.js'));
    if (!existsSync(built)) throw missing(built);
  }
  const node = (await import(pathToFileURL(DIST.node).href)) as Record<string, unknown>;
  for (const name of ['writeFileAtomic', 'fileSystemHandler', 'weightsFileName'])
    if (typeof node[name] !== 'function')
      throw new Error(`${DIST.node} has no ${name}: it is out of date, rebuild @charrnn/core (${BUILD})`);
}

/** Size of the weights (float32 values) of save number k: varies so that versions differ in size. */
const valuesOf = (k: number): number => 16 + (k % 7) * 4000;
/** Size of the file written by writeFileAtomic number k. */
const bytesOf = (k: number): number => 1000 + (k % 13) * 20_000;

// The child: imports the built package, says "ready", waits for the first version number on stdin,
// then saves version k, k+1, ... until it is killed.
const CHILD = `
const [mode, dir] = process.argv.slice(2);
const core = await import(${JSON.stringify(pathToFileURL(DIST.bundle).href)});
const node = await import(${JSON.stringify(pathToFileURL(DIST.node).href)});
const valuesOf = ${valuesOf.toString()};
const bytesOf = ${bytesOf.toString()};
process.stdout.write('ready\\n');
const start = await new Promise((resolve) => process.stdin.once('data', (d) => resolve(Number(String(d)))));
for (let k = start; ; k++) {
  if (mode === 'bundle') {
    const n = valuesOf(k);
    await core.saveBundle(
      {
        modelTopology: { class_name: 'Sequential', config: { name: 'kill-test', layers: [{ class_name: 'Dense', config: { name: 'w' } }, { class_name: 'Dense', config: { name: 'b' } }] } },
        weightSpecs: [{ name: 'w', shape: [n], dtype: 'float32' }],
        weightData: new Float32Array(n).fill(k).buffer,
        metadata: {
          formatVersion: 1,
          createdAt: new Date().toISOString(),
          tokenizer: { version: k },
          labels: ['a', 'b'],
          model: { version: k, values: n },
        },
      },
      node.fileSystemHandler(dir),
    );
  } else {
    const header = 'version ' + k + '\\n';
    await node.writeFileAtomic(dir + '/data.txt', header + String.fromCharCode(97 + (k % 26)).repeat(bytesOf(k) - header.length));
  }
}
`;

let work = '';
let childScript: string;
beforeAll(async () => {
  await checkBuilt();
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
  work = await mkdtemp(join(tmpdir(), 'charrnn-kill-'));
  childScript = join(work, 'child.mjs');
  await writeFile(childScript, CHILD);
});
afterAll(async () => {
  if (work !== '') await rm(work, { recursive: true, force: true });
});

/** Starts a child and resolves once it has imported the package and waits for its start version. */
const startChild = (mode: 'bundle' | 'file', dir: string): Promise<ReadyChild> =>
  startReadyChild(childScript, [mode, dir]);

/** `KILLS` kills of children saving in `mode` into `dir`; `check` returns the version found there. */
function killSaves(mode: 'bundle' | 'file', dir: string, check: () => Promise<number>) {
  return killLoop({
    kills: KILLS,
    maxDelayMs: MAX_DELAY_MS,
    start: () => startChild(mode, dir),
    check,
    // A temp file, or a second weights file, left behind: this kill hit the middle of a save.
    interruptedSave: async () => {
      const names = await readdir(dir);
      return (
        names.some((n) => n.endsWith('.tmp')) || names.filter((n) => n.startsWith('weights.')).length > 1
      );
    },
  });
}

describe('kill during save (SIGKILL at random moments, built package)', () => {
  it('writeFileAtomic: the file is always one complete version', async () => {
    const dir = join(work, 'file');
    await import('node:fs/promises').then((fs) => fs.mkdir(dir));
    const path = join(dir, 'data.txt');
    const header = (k: number) => `version ${k}\n`;
    await writeFileAtomic(path, header(0) + 'a'.repeat(bytesOf(0) - header(0).length));
    const { versions, interrupted } = await killSaves('file', dir, async () => {
      const text = await readFile(path, 'latin1');
      const k = Number(/^version (\d+)\n/.exec(text)?.[1]);
      expect(Number.isInteger(k)).toBe(true);
      expect(text.length).toBe(bytesOf(k));
      const body = text.slice(header(k).length);
      expect(body).toBe(String.fromCharCode(97 + (k % 26)).repeat(body.length));
      return k;
    });
    expect(versions.at(-1)).toBeGreaterThan(5); // the children did write, many times
    expect(interrupted).toBeGreaterThan(0); // some kills did land in the middle of a write
  });

  it('fileSystemHandler.save: model.json and weights always come from the same save', async () => {
    const dir = join(work, 'bundle');
    const bundleOf = (k: number): ModelBundle => ({
      modelTopology: {
        class_name: 'Sequential',
        config: {
          name: 'kill-test',
          layers: [
            { class_name: 'Dense', config: { name: 'w' } },
            { class_name: 'Dense', config: { name: 'b' } },
          ],
        },
      },
      weightSpecs: [{ name: 'w', shape: [valuesOf(k)], dtype: 'float32' }],
      weightData: new Float32Array(valuesOf(k)).fill(k).buffer,
      metadata: {
        formatVersion: 1,
        createdAt: new Date().toISOString(),
        tokenizer: { version: k },
        labels: ['a', 'b'],
        model: { version: k, values: valuesOf(k) },
      },
    });
    await saveBundle(bundleOf(0), fileSystemHandler(dir));
    const { versions, interrupted } = await killSaves('bundle', dir, async () => {
      const bundle = await loadBundle(fileSystemHandler(dir));
      const k = bundle.metadata.model['version'] as number;
      expect(bundle.metadata.tokenizer).toEqual({ version: k });
      expect(bundle.weightSpecs).toEqual([{ name: 'w', shape: [valuesOf(k)], dtype: 'float32' }]);
      const values = new Float32Array(bundle.weightData);
      expect(values.length).toBe(valuesOf(k));
      expect(values.every((v) => v === k)).toBe(true); // weights of the same save as model.json
      return k;
    });
    expect(versions.at(-1)).toBeGreaterThan(5); // saves completed between kills (about 1.5 per child here)
    expect(interrupted).toBeGreaterThan(0); // some kills did land in the middle of a save

    // The next successful save removes the temp files and weights left by the killed saves.
    await saveBundle(bundleOf(versions.at(-1)! + 1), fileSystemHandler(dir));
    const names = await readdir(dir);
    expect(names.sort()).toEqual(['model.json', expect.stringMatching(/^weights\.[0-9a-f]{16}\.bin$/)]);
  });

  it('a load running beside a save loop always gets one complete bundle', async () => {
    const dir = join(work, 'concurrent');
    await saveBundle(
      {
        modelTopology: { class_name: 'Sequential', config: { layers: [{ config: { name: 'w' } }] } },
        weightSpecs: [{ name: 'w', shape: [valuesOf(0)], dtype: 'float32' }],
        weightData: new Float32Array(valuesOf(0)).buffer,
        metadata: {
          formatVersion: 1,
          createdAt: new Date().toISOString(),
          tokenizer: {},
          labels: ['a'],
          model: { version: 0 },
        },
      },
      fileSystemHandler(dir),
    );
    const child = await startChild('bundle', dir);
    child.stdin.write('1\n');
    const seen = new Set<number>();
    const until = Date.now() + 1500;
    try {
      while (Date.now() < until) {
        const bundle = await loadBundle(fileSystemHandler(dir));
        const k = bundle.metadata.model['version'] as number;
        const values = new Float32Array(bundle.weightData);
        expect([values.length, values.every((v) => v === k)]).toEqual([valuesOf(k), true]);
        seen.add(k);
      }
    } finally {
      await killChild(child);
    }
    expect(seen.size).toBeGreaterThan(3); // it did see the saves go by
  });
});

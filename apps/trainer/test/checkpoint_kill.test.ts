// Kill-during-checkpoint-save: child processes running the BUILT app save training checkpoints
// over and over and are SIGKILLed at random moments; after every kill the checkpoint must load,
// complete, and be the last or the one before (never a mix of two saves).
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killLoop, startReadyChild } from '../../../test-utils/kill.js';
import { loadRunCheckpoint, saveRunCheckpoint } from '../src/run_checkpoint.js';
import type { RunCheckpointMeta } from '../src/run_checkpoint.js';
import { resolveTrainConfig } from '../src/train_config.js';

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(appDir, 'dist', 'run_checkpoint.js');
const KILLS = 30;
const MAX_DELAY_MS = 40;

/** Values per weight of save k: varies so that saves differ in size. */
const valuesOf = (k: number): number => 16 + (k % 7) * 30_000;

function checkpointOf(k: number) {
  const n = valuesOf(k);
  return {
    steps: k,
    totalSteps: 1_000_000,
    history: [],
    trainMs: k,
    namesTrained: k * 64,
    periodLoss: 0,
    periodSteps: 0,
    weights: [new Float32Array(n).fill(k), new Float32Array(7).fill(-k)],
    bestWeights: null,
    optimizer: { step: k, learningRate: 0.001, slots: [new Float32Array(n).fill(k + 0.5)] },
    dropoutRng: { algorithm: 'sfc32' as const, words: [k, 2, 3, 4] as [number, number, number, number] },
    monitor: {
      best: -Infinity,
      bestEpoch: 0,
      plateauWait: 0,
      plateauBest: -Infinity,
      plateauFactor: 1,
      stopWait: 0,
      stopBest: -Infinity,
    },
    finished: null,
  };
}

const CHILD = `
const store = await import(${JSON.stringify(pathToFileURL(DIST).href)});
const [dir, metaJson] = process.argv.slice(2);
const meta = JSON.parse(metaJson);
const valuesOf = ${valuesOf.toString()};
const checkpointOf = ${checkpointOf.toString()};
process.stdout.write('ready\\n');
const start = await new Promise((resolve) => process.stdin.once('data', (d) => resolve(Number(String(d)))));
for (let k = start; ; k++) await store.saveRunCheckpoint(dir, { ...meta, labels: ['v' + k, 'b'] }, checkpointOf(k));
`;

let work = '';
let childScript = '';
let meta: RunCheckpointMeta;

beforeAll(async () => {
  if (!existsSync(DIST))
    throw new Error(`${DIST} is missing: build the app first (pnpm build); this test runs the built code`);
  work = await mkdtemp(path.join(tmpdir(), 'charrnn-ckpt-kill-'));
  childScript = path.join(work, 'child.mjs');
  await writeFile(childScript, CHILD);
  meta = {
    config: resolveTrainConfig({ out: work }),
    labels: ['v0', 'b'],
    tokenizer: { version: 1 },
    model: { cell: 'gru', vocabSize: 5, embedDim: 2, hiddenSize: 2, numClasses: 2 },
    train_data: { names: 1, sha256: '0'.repeat(64) },
  };
});
afterAll(async () => {
  if (work !== '') await rm(work, { recursive: true, force: true });
});

describe('run checkpoints under SIGKILL (built app)', () => {
  it('a save killed at any moment leaves the previous or the new checkpoint, complete and loadable', async () => {
    const dir = path.join(work, 'run');
    await saveRunCheckpoint(dir, meta, checkpointOf(0));
    const check = async (): Promise<number> => {
      const { checkpoint, meta: loaded } = await loadRunCheckpoint(dir);
      const k = checkpoint.steps;
      expect(loaded.labels).toEqual([`v${k}`, 'b']); // state.json and tensors of the same save
      expect(checkpoint.weights[0]?.length).toBe(valuesOf(k));
      expect(checkpoint.weights[0]?.every((v) => v === k)).toBe(true);
      expect(checkpoint.weights[1]?.every((v) => v === -k)).toBe(true);
      expect(checkpoint.optimizer.slots[0]?.every((v) => v === k + 0.5)).toBe(true);
      return k;
    };
    const { versions, interrupted } = await killLoop({
      kills: KILLS,
      maxDelayMs: MAX_DELAY_MS,
      start: () => startReadyChild(childScript, [dir, JSON.stringify(meta)]),
      check,
      interruptedSave: async () => {
        const names = await readdir(path.join(dir, 'checkpoint'));
        return (
          names.some((n) => n.endsWith('.tmp')) || names.filter((n) => n.startsWith('tensors.')).length > 1
        );
      },
    });
    const last = versions.at(-1) ?? 0;
    expect(last).toBeGreaterThan(5); // the children did save, many times
    expect(interrupted).toBeGreaterThan(0); // some kills landed in the middle of a save

    // The next save clears what the killed ones left behind.
    await saveRunCheckpoint(dir, meta, checkpointOf(last + 1));
    const names = await readdir(path.join(dir, 'checkpoint'));
    expect(names.sort()).toEqual(['state.json', expect.stringMatching(/^tensors\.[0-9a-f]{16}\.bin$/)]);
  });

  it('a damaged checkpoint fails with one error naming the file', async () => {
    const dir = path.join(work, 'damaged');
    await saveRunCheckpoint(dir, meta, checkpointOf(3));
    const names = await readdir(path.join(dir, 'checkpoint'));
    const tensors = names.find((n) => n.startsWith('tensors.')) as string;
    await writeFile(path.join(dir, 'checkpoint', tensors), new Uint8Array(10));
    await expect(loadRunCheckpoint(dir)).rejects.toThrow(
      `${path.join(dir, 'checkpoint', tensors)}: holds 10 bytes`,
    );
    await writeFile(
      path.join(dir, 'checkpoint', 'state.json'),
      '{"format": "charrnn-run-checkpoint", "version": 2}',
    );
    await expect(loadRunCheckpoint(dir)).rejects.toThrow('state.json field version: unsupported version 2');
    await writeFile(path.join(dir, 'checkpoint', 'state.json'), '{');
    await expect(loadRunCheckpoint(dir)).rejects.toThrow('state.json: is not valid JSON');
    await expect(loadRunCheckpoint(path.join(work, 'none'))).rejects.toThrow('no checkpoint in');
  });
});

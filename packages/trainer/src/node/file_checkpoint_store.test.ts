import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SavedCheckpoint } from '../checkpoint_store.js';
import { DEFAULT_RECIPE } from '../recipe.js';
import { initialMonitorState } from '../schedule.js';
import { fileCheckpointStore, loadRunCheckpoint } from './file_checkpoint_store.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'charrnn-file-store-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const saved = (step: number): SavedCheckpoint => ({
  meta: {
    recipe: { ...DEFAULT_RECIPE },
    config: { out: 'x' },
    labels: ['A', 'B'],
    tokenizer: { version: 1 },
    model: { cell: 'gru', vocabSize: 5, embedDim: 2, hiddenSize: 2, numClasses: 2 },
    train_data: { names: 2, sha256: 'ab' },
  },
  checkpoint: {
    steps: step,
    totalSteps: 10,
    history: [],
    trainMs: 1,
    namesTrained: step,
    periodLoss: 0,
    periodSteps: 0,
    weights: [Float32Array.of(step, 2)],
    bestWeights: null,
    optimizer: { step, learningRate: 0.1, slots: [] },
    dropoutRng: { algorithm: 'sfc32', words: [1, 2, 3, 4] },
    monitor: initialMonitorState(),
    finished: null,
  },
});

describe('fileCheckpointStore', () => {
  it('lays checkpoints out as charrnn train does: <dir>/checkpoint, or members/<k>/checkpoint', async () => {
    const store = fileCheckpointStore(dir);
    await store.save({ member: 0, members: 1 }, saved(1));
    await store.save({ member: 1, members: 3 }, saved(2));
    await store.save({ member: 1, members: 3 }, saved(3));
    expect(existsSync(path.join(dir, 'checkpoint', 'state.json'))).toBe(true);
    const member = path.join(dir, 'members', '2', 'checkpoint');
    // The older tensors file is gone once the new state names the new one.
    expect((await readdir(member)).sort()).toEqual([
      'state.json',
      expect.stringMatching(/^tensors\.[0-9a-f]{16}\.bin$/),
    ]);
    expect(await store.load({ member: 0, members: 1 })).toEqual(saved(1));
    expect(await store.load({ member: 1, members: 3 })).toEqual(saved(3));
    expect(await store.load({ member: 2, members: 3 })).toBeNull();
    await store.clear();
    expect(existsSync(path.join(dir, 'checkpoint'))).toBe(false);
    expect(existsSync(path.join(dir, 'members'))).toBe(false);
  });

  it('clears only what it wrote: files of another tool in checkpoint/ or members/ stay', async () => {
    const store = fileCheckpointStore(dir);
    await store.save({ member: 0, members: 1 }, saved(1));
    await store.save({ member: 0, members: 2 }, saved(2));
    await writeFile(path.join(dir, 'checkpoint', 'notes.txt'), 'mine');
    await mkdir(path.join(dir, 'members', 'other'), { recursive: true });
    await writeFile(path.join(dir, 'members', 'other', 'x.bin'), 'theirs');
    await store.clear();
    expect(await readdir(path.join(dir, 'checkpoint'))).toEqual(['notes.txt']);
    expect(await readdir(path.join(dir, 'members'))).toEqual(['other']);
    expect(await store.load({ member: 0, members: 1 })).toBeNull();
  });

  it('names the file and the field of a damaged state', async () => {
    const store = fileCheckpointStore(dir);
    await store.save({ member: 0, members: 1 }, saved(1));
    const file = path.join(dir, 'checkpoint', 'state.json');
    const state = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...state, recipe: { ...DEFAULT_RECIPE, batchSize: -1 } }));
    await expect(loadRunCheckpoint(dir)).rejects.toThrow(
      `${file} field recipe.batchSize: expected an integer in [1, 65536], got -1`,
    );
    await writeFile(
      file,
      JSON.stringify({ ...state, tensors: { ...(state.tensors as object), sha256: '0' } }),
    );
    await expect(store.load({ member: 0, members: 1 })).rejects.toThrow('(damaged)');
  });
});

import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type { TrainCheckpoint } from './checkpoint.js';
import {
  fingerprintNames,
  memoryCheckpointStore,
  type CheckpointStore,
  type SavedCheckpoint,
} from './checkpoint_store.js';
import { indexedDbCheckpointStore } from './indexeddb_checkpoint_store.js';
import { initialMonitorState } from './schedule.js';
import { DEFAULT_RECIPE } from './recipe.js';

function savedAt(step: number): SavedCheckpoint {
  const checkpoint: TrainCheckpoint = {
    steps: step,
    totalSteps: 100,
    history: [{ epoch: 1, step, trainLoss: 0.5, trainSeconds: 1 }],
    trainMs: 1000,
    namesTrained: step * 4,
    periodLoss: 0.25,
    periodSteps: 1,
    weights: [Float32Array.of(step, -1.5), Float32Array.of(3)],
    bestWeights: null,
    optimizer: { step, learningRate: 0.003, slots: [Float32Array.of(0.5, 0.25)] },
    dropoutRng: { algorithm: 'sfc32', words: [1, 2, 3, step] },
    monitor: initialMonitorState(),
    finished: null,
  };
  return {
    meta: {
      recipe: { ...DEFAULT_RECIPE },
      labels: ['A', 'B'],
      tokenizer: { version: 1 },
      model: { cell: 'gru', vocabSize: 5, embedDim: 2, hiddenSize: 2, numClasses: 2 },
      train_data: { names: 2, sha256: 'ab' },
    },
    checkpoint,
  };
}

describe.each([
  ['memory', () => memoryCheckpointStore()],
  [
    'IndexedDB (fake-indexeddb)',
    () => indexedDbCheckpointStore('charrnn-test', { indexedDB: new IDBFactory() }),
  ],
] as [string, () => CheckpointStore][])('the %s checkpoint store', (_, create) => {
  it('returns what was saved per member, replaces it, and clears', async () => {
    const store = create();
    expect(await store.load({ member: 0, members: 2 })).toBeNull();
    await store.save({ member: 0, members: 2 }, savedAt(3));
    await store.save({ member: 1, members: 2 }, savedAt(4));
    await store.save({ member: 0, members: 2 }, savedAt(5));
    expect(await store.load({ member: 0, members: 2 })).toEqual(savedAt(5));
    expect(await store.load({ member: 1, members: 2 })).toEqual(savedAt(4));
    await store.clear();
    expect(await store.load({ member: 1, members: 2 })).toBeNull();
  });

  it('keeps its own copy: changing the saved arrays later changes nothing', async () => {
    const store = create();
    const saved = savedAt(3);
    await store.save({ member: 0, members: 1 }, saved);
    (saved.checkpoint.weights[0] as Float32Array)[0] = 99;
    const loaded = await store.load({ member: 0, members: 1 });
    expect(loaded?.checkpoint.weights[0]).toEqual(Float32Array.of(3, -1.5));
  });
});

it('the IndexedDB store says so when there is no IndexedDB', async () => {
  const store = indexedDbCheckpointStore('x');
  await expect(store.load({ member: 0, members: 1 })).rejects.toThrow('IndexedDB is not available here');
});

it('fingerprints names as the SHA-256 of name<TAB>label lines', async () => {
  // printf 'Abe\tA\nBo\tB\n' | sha256sum
  expect(
    await fingerprintNames([
      { name: 'Abe', label: 'A' },
      { name: 'Bo', label: 'B' },
    ]),
  ).toEqual({ names: 2, sha256: '58391811b07c9ba1144fa0322e90922cf8f5bf527b248c02231c4bfa92f05f73' });
});

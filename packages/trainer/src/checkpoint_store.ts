import type { ClassifierConfig } from '@charrnn/layers';
import type { TrainCheckpoint } from './checkpoint.js';
import type { Recipe } from './recipe.js';

/** Which checkpoint of a run: ensemble member `member` (0-based) of a run of `members`. */
export interface CheckpointSlot {
  /** 0-based member index. */
  member: number;
  /** Members in the run (1: a single model). */
  members: number;
}

/** What a run checkpoint holds besides the training state: enough to rebuild the run. */
export interface RunCheckpointMeta {
  /** The member's recipe (its own seed); absent in checkpoints written before recipes existed. */
  recipe?: Recipe;
  /** The caller's own settings, kept as given (the CLI keeps its resolved flags here). */
  config?: Record<string, unknown>;
  /** Class names, index = class id. */
  labels: string[];
  /** `Tokenizer.toJSON()`. */
  tokenizer: unknown;
  /** The model architecture. */
  model: ClassifierConfig;
  /** Fingerprint of the training names (see {@link fingerprintNames}): resuming on other data is refused. */
  train_data: {
    /** Number of training names. */
    names: number;
    /** SHA-256 (hex) of their `name\tlabel\n` lines. */
    sha256: string;
  };
}

/** One saved checkpoint: the run's description and the training state. */
export interface SavedCheckpoint {
  /** What the run was. */
  meta: RunCheckpointMeta;
  /** Where training was. */
  checkpoint: TrainCheckpoint;
}

/**
 * Where {@link trainClassifier} keeps its checkpoints (one per ensemble member, replaced at every
 * epoch end and on abort) so that a stopped run can be resumed. Implementations: the file store
 * of `@charrnn/trainer/node` (what `charrnn train` writes), {@link indexedDbCheckpointStore} for
 * browsers, {@link memoryCheckpointStore}. A save must be all-or-nothing: a crash during `save`
 * leaves the previous checkpoint or the new one, never a mix.
 */
export interface CheckpointStore {
  /** The checkpoint of `slot`, or `null` when there is none. */
  load(slot: CheckpointSlot): Promise<SavedCheckpoint | null>;
  /** Replaces the checkpoint of `slot`. */
  save(slot: CheckpointSlot, saved: SavedCheckpoint): Promise<void>;
  /** Removes every checkpoint of the run (a new run starts from scratch). */
  clear(): Promise<void>;
}

/** A deep copy of a checkpoint's arrays, so that a store never shares memory with a run. */
function copyCheckpoint(checkpoint: TrainCheckpoint): TrainCheckpoint {
  return {
    ...checkpoint,
    history: checkpoint.history.map((h) => ({ ...h })),
    weights: checkpoint.weights.map((w) => Float32Array.from(w)),
    bestWeights: checkpoint.bestWeights?.map((w) => Float32Array.from(w)) ?? null,
    optimizer: {
      ...checkpoint.optimizer,
      slots: checkpoint.optimizer.slots.map((s) => Float32Array.from(s)),
    },
    dropoutRng: checkpoint.dropoutRng,
    monitor: { ...checkpoint.monitor },
  };
}

/**
 * A {@link CheckpointStore} in memory (lost with the process): for tests, and for pausing and
 * resuming a run within one page or process.
 */
export function memoryCheckpointStore(): CheckpointStore {
  const saved = new Map<number, SavedCheckpoint>();
  const copy = (s: SavedCheckpoint): SavedCheckpoint => ({
    meta: JSON.parse(JSON.stringify(s.meta)) as RunCheckpointMeta,
    checkpoint: copyCheckpoint(s.checkpoint),
  });
  return {
    load: (slot) => {
      const s = saved.get(slot.member);
      return Promise.resolve(s === undefined ? null : copy(s));
    },
    save: (slot, s) => {
      saved.set(slot.member, copy(s));
      return Promise.resolve();
    },
    clear: () => {
      saved.clear();
      return Promise.resolve();
    },
  };
}

/**
 * Fingerprint of training names (names and labels, in order): their count and the SHA-256 of
 * `name\tlabel\n` lines (Web Crypto: browsers and Node alike).
 */
export async function fingerprintNames(
  items: readonly { name: string; label: string }[],
): Promise<RunCheckpointMeta['train_data']> {
  const text = items.map(({ name, label }) => `${name}\t${label}\n`).join('');
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
  return { names: items.length, sha256: hex };
}

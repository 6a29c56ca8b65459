import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidBundleError, IoError, NotFoundError } from '@charrnn/core';
import { writeFileAtomic } from '@charrnn/core/node';
import type { ClassifierConfig } from '@charrnn/layers';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointJson } from '../checkpoint.js';
import type {
  CheckpointSlot,
  CheckpointStore,
  RunCheckpointMeta,
  SavedCheckpoint,
} from '../checkpoint_store.js';
import { checkRecipe, type Recipe } from '../recipe.js';

/** Folder of a run directory that holds its checkpoint. */
export const CHECKPOINT_DIR = 'checkpoint';
/** The checkpoint's commit point: written last, atomically; it names its tensors file. */
export const STATE_FILE = 'state.json';
/** Folder of an ensemble run that holds one run directory (checkpoint) per member. */
export const MEMBERS_DIR = 'members';

const TENSORS = /^tensors\.[0-9a-f]{16}\.bin$/;
const TEMP = /^\..*\.tmp$/;
/** Largest state.json read (it holds the history and the config: kilobytes). */
const MAX_STATE_BYTES = 64 * 1024 * 1024;

/** `state.json`. */
interface StateFile extends RunCheckpointMeta {
  format: 'charrnn-run-checkpoint';
  version: 1;
  saved_at: string;
  tensors: { file: string; bytes: number; sha256: string };
  checkpoint: CheckpointJson;
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/**
 * Saves a checkpoint into `<runDir>/checkpoint/`: first the tensors as `tensors.<hash>.bin`
 * (content-addressed, so it never overwrites the file the current state names), then
 * `state.json`, atomically; only then are older tensors files removed. A process killed at any
 * moment leaves the previous or the new checkpoint, complete.
 */
export async function saveRunCheckpoint(runDir: string, saved: SavedCheckpoint): Promise<void> {
  const dir = path.join(runDir, CHECKPOINT_DIR);
  await mkdir(dir, { recursive: true });
  const { json, data } = encodeCheckpoint(saved.checkpoint);
  const hash = sha256(data);
  const tensors = `tensors.${hash.slice(0, 16)}.bin`;
  await writeFileAtomic(path.join(dir, tensors), data);
  const state: StateFile = {
    format: 'charrnn-run-checkpoint',
    version: 1,
    saved_at: new Date().toISOString(),
    ...saved.meta,
    tensors: { file: tensors, bytes: data.byteLength, sha256: hash },
    checkpoint: json,
  };
  await writeFileAtomic(path.join(dir, STATE_FILE), `${JSON.stringify(state)}\n`);
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((name) => name !== tensors && (TENSORS.test(name) || TEMP.test(name)))
      .map((name) => rm(path.join(dir, name), { force: true }).catch(() => undefined)),
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads `state.json`, or throws NotFoundError / IoError / InvalidBundleError naming it. */
async function readState(runDir: string, stateFile: string): Promise<unknown> {
  let text: string;
  try {
    const info = await stat(stateFile);
    if (info.size > MAX_STATE_BYTES)
      throw new InvalidBundleError(`is ${info.size} bytes, more than a checkpoint state can be`, {
        file: stateFile,
      });
    text = await readFile(stateFile, 'utf8');
  } catch (error) {
    if (error instanceof InvalidBundleError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new NotFoundError(
        `no checkpoint in ${runDir} (${path.join(CHECKPOINT_DIR, STATE_FILE)} is missing)`,
        {
          file: stateFile,
          cause: error,
        },
      );
    throw new IoError(`cannot read the checkpoint: ${(error as Error).message}`, {
      file: stateFile,
      cause: error,
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidBundleError(`is not valid JSON: ${(error as Error).message}`, {
      file: stateFile,
      cause: error,
    });
  }
}

/**
 * Loads the checkpoint of `runDir` (what {@link saveRunCheckpoint} wrote). Errors name the file
 * and the field: a missing checkpoint (NotFoundError), a damaged or foreign one (InvalidBundleError).
 */
export async function loadRunCheckpoint(runDir: string): Promise<SavedCheckpoint & { savedAt: string }> {
  const dir = path.join(runDir, CHECKPOINT_DIR);
  const stateFile = path.join(dir, STATE_FILE);
  const state = await readState(runDir, stateFile);
  const fail = (field: string, message: string): never => {
    throw new InvalidBundleError(message, { file: stateFile, field });
  };
  if (!isRecord(state)) return fail('(root)', 'must be a JSON object');
  if (state.format !== 'charrnn-run-checkpoint')
    fail('format', `expected "charrnn-run-checkpoint", got ${JSON.stringify(state.format)}`);
  if (state.version !== 1)
    fail('version', `unsupported version ${JSON.stringify(state.version)} (this charrnn reads 1)`);
  for (const key of ['model', 'train_data', 'tensors', 'checkpoint'] as const)
    if (!isRecord(state[key])) fail(key, 'missing or not an object');
  for (const key of ['config', 'recipe'] as const)
    if (state[key] !== undefined && !isRecord(state[key])) fail(key, 'not an object');
  if (state.recipe !== undefined) {
    try {
      checkRecipe(state.recipe as unknown as Recipe);
    } catch (error) {
      fail(
        (error as { field?: string }).field ?? 'recipe',
        (error as Error).message.replace(/^field \S+: /, ''),
      );
    }
  }
  if (!Array.isArray(state.labels) || !state.labels.every((l) => typeof l === 'string'))
    fail('labels', 'must be a list of strings');
  const tensors = state.tensors as Record<string, unknown>;
  if (typeof tensors.file !== 'string' || !TENSORS.test(tensors.file))
    fail('tensors.file', `expected tensors.<16 hex digits>.bin, got ${JSON.stringify(tensors.file)}`);
  const tensorsFile = path.join(dir, tensors.file as string);
  let data: Uint8Array;
  try {
    const info = await stat(tensorsFile);
    if (info.size !== tensors.bytes)
      throw new InvalidBundleError(`holds ${info.size} bytes, ${stateFile} says ${String(tensors.bytes)}`, {
        file: tensorsFile,
      });
    data = new Uint8Array(await readFile(tensorsFile));
  } catch (error) {
    if (error instanceof InvalidBundleError) throw error;
    throw new InvalidBundleError(`cannot read the checkpoint tensors: ${(error as Error).message}`, {
      file: tensorsFile,
      cause: error,
    });
  }
  if (sha256(data) !== tensors.sha256)
    throw new InvalidBundleError(`does not match the SHA-256 in ${stateFile} (damaged)`, {
      file: tensorsFile,
    });
  const checkpoint = decodeCheckpoint(state.checkpoint, data, stateFile);
  return {
    meta: {
      ...(state.recipe === undefined ? {} : { recipe: state.recipe as unknown as Recipe }),
      ...(state.config === undefined ? {} : { config: state.config as Record<string, unknown> }),
      labels: state.labels as string[],
      tokenizer: state.tokenizer,
      model: state.model as unknown as ClassifierConfig,
      train_data: state.train_data as unknown as RunCheckpointMeta['train_data'],
    },
    checkpoint,
    savedAt: typeof state.saved_at === 'string' ? state.saved_at : '',
  };
}

/**
 * Removes the files {@link saveRunCheckpoint} writes in a checkpoint folder (`state.json`,
 * `tensors.<hash>.bin`, temporary files), then the folder if that left it empty.
 */
async function clearCheckpointDir(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((name) => name === STATE_FILE || TENSORS.test(name) || TEMP.test(name))
      .map((name) => rm(path.join(dir, name), { force: true })),
  );
  await rmdir(dir).catch(() => undefined);
}

/** Run directory of a slot: the run's own for a single model, `members/<m + 1>` in an ensemble. */
export function slotDir(dir: string, slot: CheckpointSlot): string {
  return slot.members === 1 ? dir : path.join(dir, MEMBERS_DIR, String(slot.member + 1));
}

/**
 * A {@link CheckpointStore} in a run directory, laid out as `charrnn train` lays it out:
 * `<dir>/checkpoint/` (a `state.json` naming a content-addressed `tensors.<hash>.bin`) for a
 * single model, `<dir>/members/<k>/checkpoint/` per ensemble member. Saves are atomic (see
 * {@link saveRunCheckpoint}); `charrnn train --resume <dir>` continues a run saved here.
 *
 * @example
 * ```ts
 * const store = fileCheckpointStore('runs/names');
 * await trainClassifier({ train, val }, DEFAULT_RECIPE, { store, resume: true, signal });
 * ```
 */
export function fileCheckpointStore(dir: string): CheckpointStore {
  return {
    async load(slot) {
      try {
        const { meta, checkpoint } = await loadRunCheckpoint(slotDir(dir, slot));
        return { meta, checkpoint };
      } catch (error) {
        if (error instanceof NotFoundError) return null;
        throw error;
      }
    },
    save: (slot, saved) => saveRunCheckpoint(slotDir(dir, slot), saved),
    async clear() {
      // Only what a store wrote: files another tool keeps in checkpoint/ or members/ stay.
      await clearCheckpointDir(path.join(dir, CHECKPOINT_DIR));
      const members = await readdir(path.join(dir, MEMBERS_DIR)).catch(() => [] as string[]);
      for (const member of members.filter((m) => /^[1-9]\d*$/.test(m))) {
        await clearCheckpointDir(path.join(dir, MEMBERS_DIR, member, CHECKPOINT_DIR));
        await rmdir(path.join(dir, MEMBERS_DIR, member)).catch(() => undefined);
      }
      await rmdir(path.join(dir, MEMBERS_DIR)).catch(() => undefined);
    },
  };
}

import { IoError } from '@charrnn/core';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointJson } from './checkpoint.js';
import type { CheckpointStore, RunCheckpointMeta } from './checkpoint_store.js';

/** Object store of the checkpoint database; one record per ensemble member, keyed by its index. */
const OBJECT_STORE = 'checkpoints';

/** One stored record. */
interface CheckpointRecord {
  member: number;
  members: number;
  savedAt: string;
  meta: RunCheckpointMeta;
  checkpoint: CheckpointJson;
  /** The checkpoint's arrays (`encodeCheckpoint`). */
  data: Uint8Array;
}

/** Options of {@link indexedDbCheckpointStore}. */
export interface IndexedDbCheckpointStoreOptions {
  /** The IndexedDB factory (default `globalThis.indexedDB`: a page or a worker). */
  indexedDB?: IDBFactory;
}

function request<T>(req: IDBRequest<T>, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () =>
      reject(
        new IoError(`IndexedDB ${what} failed: ${req.error?.message ?? 'unknown error'}`, {
          cause: req.error,
        }),
      );
  });
}

/** Resolves when a read-write transaction has committed (not merely been queued). */
function committed(tx: IDBTransaction, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    const fail = (): void =>
      reject(new IoError(`IndexedDB ${what} failed: ${tx.error?.message ?? 'aborted'}`, { cause: tx.error }));
    tx.onerror = fail;
    tx.onabort = fail;
  });
}

/**
 * A {@link CheckpointStore} in the browser's IndexedDB (pages and workers), in a database of its
 * own named `name`: a run stopped in one visit can be resumed in the next. A save is one
 * transaction, so a closed tab leaves the previous checkpoint or the new one.
 *
 * @example
 * ```ts
 * const store = indexedDbCheckpointStore('charrnn-names');
 * await trainClassifier({ train, val }, DEFAULT_RECIPE, { store, resume: true, signal });
 * ```
 * @throws IoError (from its methods) when IndexedDB is missing or refuses the operation
 */
export function indexedDbCheckpointStore(
  name: string,
  options: IndexedDbCheckpointStoreOptions = {},
): CheckpointStore {
  let opening: Promise<IDBDatabase> | null = null;
  const open = (): Promise<IDBDatabase> => {
    if (opening !== null) return opening;
    const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    if (factory === undefined)
      return Promise.reject(new IoError('IndexedDB is not available here', { field: 'indexedDB' }));
    const req = factory.open(name, 1);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(OBJECT_STORE))
        req.result.createObjectStore(OBJECT_STORE, { keyPath: 'member' });
    };
    opening = request(req, `opening ${name}`);
    return opening;
  };
  return {
    async load(slot) {
      const db = await open();
      const tx = db.transaction(OBJECT_STORE, 'readonly');
      const record = await request<CheckpointRecord | undefined>(
        tx.objectStore(OBJECT_STORE).get(slot.member) as IDBRequest<CheckpointRecord | undefined>,
        `reading checkpoint ${slot.member} of ${name}`,
      );
      if (record === undefined) return null;
      return {
        meta: record.meta,
        checkpoint: decodeCheckpoint(record.checkpoint, record.data, `indexeddb:${name}/${slot.member}`),
      };
    },
    async save(slot, saved) {
      const db = await open();
      const { json, data } = encodeCheckpoint(saved.checkpoint);
      const record: CheckpointRecord = {
        member: slot.member,
        members: slot.members,
        savedAt: new Date().toISOString(),
        meta: saved.meta,
        checkpoint: json,
        data,
      };
      const tx = db.transaction(OBJECT_STORE, 'readwrite');
      const done = committed(tx, `saving checkpoint ${slot.member} of ${name}`);
      tx.objectStore(OBJECT_STORE).put(record);
      await done;
    },
    async clear() {
      const db = await open();
      const tx = db.transaction(OBJECT_STORE, 'readwrite');
      const done = committed(tx, `clearing ${name}`);
      tx.objectStore(OBJECT_STORE).clear();
      await done;
    },
  };
}

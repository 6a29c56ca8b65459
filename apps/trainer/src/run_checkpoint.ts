import * as files from '@charrnn/trainer/node';
import type { RunCheckpointMeta as StoredMeta, TrainCheckpoint } from '@charrnn/trainer';
import type { TrainConfig } from './train_config.js';

export { CHECKPOINT_DIR, STATE_FILE } from '@charrnn/trainer/node';

/** What `charrnn train` keeps in a checkpoint besides the training state: its resolved flags. */
export interface RunCheckpointMeta extends Omit<StoredMeta, 'config'> {
  /** The run's resolved configuration. */
  config: TrainConfig;
}

/** Saves a checkpoint into `<runDir>/checkpoint/` atomically (see `saveRunCheckpoint` of `@charrnn/trainer/node`). */
export function saveRunCheckpoint(
  runDir: string,
  meta: RunCheckpointMeta,
  checkpoint: TrainCheckpoint,
): Promise<void> {
  return files.saveRunCheckpoint(runDir, { meta: { ...meta, config: { ...meta.config } }, checkpoint });
}

/**
 * Loads the checkpoint of `runDir`. Errors name the file and the field: a missing checkpoint
 * (NotFoundError), a damaged or foreign one (InvalidBundleError).
 */
export async function loadRunCheckpoint(
  runDir: string,
): Promise<{ meta: StoredMeta; checkpoint: TrainCheckpoint; savedAt: string }> {
  return files.loadRunCheckpoint(runDir);
}

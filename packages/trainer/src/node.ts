/**
 * The Node-only entry of `@charrnn/trainer`: checkpoints in files (`fileCheckpointStore`), laid
 * out as `charrnn train` lays them out.
 * @packageDocumentation
 */
export {
  CHECKPOINT_DIR,
  fileCheckpointStore,
  loadRunCheckpoint,
  MEMBERS_DIR,
  saveRunCheckpoint,
  STATE_FILE,
} from './node/file_checkpoint_store.js';

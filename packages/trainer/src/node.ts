// Node-only entry of @charrnn/trainer: checkpoints in files.
export {
  CHECKPOINT_DIR,
  fileCheckpointStore,
  loadRunCheckpoint,
  MEMBERS_DIR,
  saveRunCheckpoint,
  STATE_FILE,
} from './node/file_checkpoint_store.js';

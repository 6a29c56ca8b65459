export { clipByGlobalNorm } from './clip_by_global_norm.js';
export { evaluate } from './evaluate.js';
export { predict } from './predict.js';
export type { Predictions } from './predict.js';
export { train } from './train.js';
export type { TrainRunOptions } from './train.js';
export type {
  EpochRecord,
  TrainEndEvent,
  TrainEpochEvent,
  TrainEvent,
  TrainResult,
  TrainStartEvent,
  TrainStepEvent,
} from './train_events.js';
export type { TrainOptions } from './train_options.js';
export { classifyNames, loadClassifierBundle, saveClassifierBundle } from './classifier_bundle.js';
export type { ClassifierBundle, NamePrediction, SaveClassifierOptions } from './classifier_bundle.js';

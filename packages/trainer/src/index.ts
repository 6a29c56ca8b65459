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
export { classWeightsFor } from './class_weights.js';
export { applyLogitAdjustment, fitLogitAdjustment, logitAdjustmentShift } from './logit_adjustment.js';
export type { LogitAdjustmentFit, LogitAdjustmentOptions } from './logit_adjustment.js';
export { fitNgramHead } from './ngram_fit.js';
export type { FitNgramOptions } from './ngram_fit.js';
export { Optimizer } from './optimizer.js';
export type { OptimizerConfig, OptimizerState } from './optimizer.js';
export {
  initialMonitorState,
  MONITOR_METRICS,
  monitoredValue,
  scheduledLearningRate,
  updateMonitors,
} from './schedule.js';
export type {
  EarlyStopping,
  LearningRateSchedule,
  MonitorDecision,
  MonitorMetric,
  MonitorState,
  ReduceOnPlateau,
} from './schedule.js';
export { decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';
export type { ArraySpec, CheckpointJson, EncodedCheckpoint, TrainCheckpoint } from './checkpoint.js';
export {
  DEFAULT_GENERATOR_RECIPE,
  TEXT_GENERATOR_RECIPE,
  checkGeneratorRecipe,
} from './generate/generator_recipe.js';
export type { GeneratorRecipe } from './generate/generator_recipe.js';
export { boundaryId } from './generate/language_model_data.js';
export type { GeneratorData } from './generate/language_model_data.js';
export { memoryLanguageModelStore, trainLanguageModel } from './generate/train_language_model.js';
export type {
  GeneratorEpochRecord,
  GeneratorMetrics,
  GeneratorTrainEvent,
  LanguageModelCheckpoint,
  LanguageModelCheckpointStore,
  SavedLanguageModelCheckpoint,
  TrainedLanguageModel,
  TrainLanguageModelOptions,
} from './generate/train_language_model.js';
export {
  bundleKind,
  loadGeneratorBundle,
  ModelKindError,
  saveGeneratorBundle,
} from './generate/generator_bundle.js';
export type { GeneratorBundle, SaveGeneratorOptions } from './generate/generator_bundle.js';
export { NoveltyFilter } from './generate/novelty_filter.js';
export type { NoveltyFilterJSON } from './generate/novelty_filter.js';
export { sample, sampleStream } from './generate/sample.js';
export type { GeneratedSequence, SampleOptions } from './generate/sample.js';
export type { SamplingRule } from './generate/sampling_distribution.js';
export {
  decodeLanguageModelCheckpoint,
  encodeLanguageModelCheckpoint,
} from './generate/language_model_checkpoint.js';
export type { EncodedLanguageModelCheckpoint } from './generate/language_model_checkpoint.js';
export { generatorBpc } from './generate/evaluate_bpc.js';

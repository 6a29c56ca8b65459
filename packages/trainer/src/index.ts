// The recipe API: one call from names to a trained, evaluated classifier.
export { trainClassifier } from './train_classifier.js';
export type { ClassifierData, TrainClassifierOptions } from './train_classifier.js';
export { DEFAULT_RECIPE, TUTORIAL_RECIPE, checkRecipe } from './recipe.js';
export type { ModelRecipe, MonitorRecipe, NgramRecipe, OptimizerRecipe, Recipe } from './recipe.js';
export { RunDivergedError, TrainingAbortedError } from './classifier_events.js';
export type {
  ClassifierRunEvent,
  LogitAdjustmentEvent,
  MemberEndEvent,
  MemberEpochEvent,
  MemberStartEvent,
  MemberStepEvent,
  NgramFitEvent,
  PhaseEvent,
  RunEndEvent,
  RunPhase,
  RunStartEvent,
  TrainedClassifier,
} from './classifier_events.js';
export type {
  EnsembleMemberReport,
  EpochSummary,
  LogitAdjustmentReport,
  NgramReport,
  ReportSection,
  RunMetrics,
  ScoreSummary,
} from './run_metrics.js';
// Checkpoints (the file store is in @charrnn/trainer/node).
export { memoryCheckpointStore } from './checkpoint_store.js';
export type {
  CheckpointSlot,
  CheckpointStore,
  RunCheckpointMeta,
  SavedCheckpoint,
} from './checkpoint_store.js';
export { indexedDbCheckpointStore } from './indexeddb_checkpoint_store.js';
export type { IndexedDbCheckpointStoreOptions } from './indexeddb_checkpoint_store.js';
export type { TrainCheckpoint } from './checkpoint.js';
export type { OptimizerState } from './optimizer.js';
// Using a trained classifier.
export { loadClassifierBundle, saveClassifierBundle } from './classifier_bundle.js';
export type { ClassifierBundle, SaveClassifierOptions } from './classifier_bundle.js';
export { classifyNames, MAX_NAME_BYTES, type NamePrediction } from './classify_names.js';
export { evaluate } from './evaluate.js';
// The training loop alone, for a model you build yourself.
export { train } from './train.js';
export type { TrainRunOptions } from './train.js';
export type { TrainOptions } from './train_options.js';
export type {
  EpochRecord,
  TrainEndEvent,
  TrainEpochEvent,
  TrainEvent,
  TrainResult,
  TrainStartEvent,
  TrainStepEvent,
} from './train_events.js';
export type {
  EarlyStopping,
  LearningRateSchedule,
  MonitorMetric,
  MonitorState,
  ReduceOnPlateau,
} from './schedule.js';
export { pruneNgramHead } from './ngram_prune.js';
export { checkSetting, TRAIN_LIMITS } from './train_limits.js';
export type { LimitedSetting, SettingLimit } from './train_limits.js';

// Generators: character language models (names by label, or text), sampling, bundles.
export { trainLanguageModel, memoryLanguageModelStore } from './generate/train_language_model.js';
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
  BALANCED_GENERATOR_RECIPE,
  BALANCED_LABEL_ALPHA,
  DEFAULT_GENERATOR_RECIPE,
  NAMES_REFERENCE_GENERATOR_RECIPE,
  TEXT_GENERATOR_RECIPE,
  TUTORIAL_GENERATOR_RECIPE,
  checkGeneratorRecipe,
} from './generate/generator_recipe.js';
export type { GeneratorRecipe } from './generate/generator_recipe.js';
export { boundaryId } from './generate/language_model_data.js';
export type { GeneratorData } from './generate/language_model_data.js';
export { sample, sampleStream } from './generate/sample.js';
export type { GeneratedSequence, SampleOptions } from './generate/sample.js';
export type { SamplingRule } from './generate/sampling_distribution.js';
export { generatorBpc } from './generate/evaluate_bpc.js';
export {
  bundleKind,
  loadGeneratorBundle,
  ModelKindError,
  saveGeneratorBundle,
} from './generate/generator_bundle.js';
export type { GeneratorBundle, GeneratorModel, SaveGeneratorOptions } from './generate/generator_bundle.js';
export { NoveltyFilter } from './generate/novelty_filter.js';
export type { NoveltyFilterJSON } from './generate/novelty_filter.js';
export {
  decodeLanguageModelCheckpoint,
  encodeLanguageModelCheckpoint,
} from './generate/language_model_checkpoint.js';
export type { EncodedLanguageModelCheckpoint } from './generate/language_model_checkpoint.js';

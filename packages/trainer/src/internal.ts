// @charrnn/trainer/internal: what charrnn's own apps, benches and tests share with the package
// beyond its public API. Not a stable API: it may change in any release.
export { fingerprintNames } from './checkpoint_store.js';
export { decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';
export type { ArraySpec, CheckpointJson, EncodedCheckpoint } from './checkpoint.js';
export type {
  LogitAdjustmentEvent,
  MemberEndEvent,
  MemberEpochEvent,
  MemberStartEvent,
  MemberStepEvent,
  NgramFitEvent,
  PhaseEvent,
  RunEndEvent,
  RunStartEvent,
} from './classifier_events.js';
export { classWeightsFor } from './class_weights.js';
export { clipByGlobalNorm } from './clip_by_global_norm.js';
export { applyLogitAdjustment, fitLogitAdjustment, logitAdjustmentShift } from './logit_adjustment.js';
export type { LogitAdjustmentFit, LogitAdjustmentOptions } from './logit_adjustment.js';
export { fitNgramHead } from './ngram_fit.js';
export type { FitNgramOptions } from './ngram_fit.js';
export { Optimizer } from './optimizer.js';
export type { OptimizerConfig, OptimizerState } from './optimizer.js';
export { predict } from './predict.js';
export type { Predictions } from './predict.js';
export { classifierConfigOf, trainOptionsOf } from './recipe.js';
export { reportSection, scoreSummary } from './run_metrics.js';
export type {
  EnsembleMemberReport,
  EpochSummary,
  LogitAdjustmentReport,
  NgramReport,
  ReportSection,
  ScoreSummary,
} from './run_metrics.js';
export {
  initialMonitorState,
  MONITOR_METRICS,
  monitoredValue,
  scheduledLearningRate,
  updateMonitors,
} from './schedule.js';
export type { MonitorDecision, MonitorState } from './schedule.js';
export type { TrainEndEvent, TrainEpochEvent, TrainStartEvent, TrainStepEvent } from './train_events.js';

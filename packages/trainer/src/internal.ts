/**
 * What charrnn's own apps, benches and tests share with `@charrnn/trainer` but its users do not
 * need: `import { … } from '@charrnn/trainer/internal'`. No semver promise: these names may
 * change in any release, together with the charrnn apps that use them.
 * @packageDocumentation
 */
export { fingerprintNames } from './checkpoint_store.js';
export { decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';
export type { ArraySpec, CheckpointJson, EncodedCheckpoint } from './checkpoint.js';
export { classWeightsFor } from './class_weights.js';
export { clipByGlobalNorm } from './clip_by_global_norm.js';
export { applyLogitAdjustment, fitLogitAdjustment, logitAdjustmentShift } from './logit_adjustment.js';
export type { LogitAdjustmentFit, LogitAdjustmentOptions } from './logit_adjustment.js';
export { fitNgramHead } from './ngram_fit.js';
export type { FitNgramOptions } from './ngram_fit.js';
export { Optimizer } from './optimizer.js';
export type { OptimizerConfig } from './optimizer.js';
export { predict } from './predict.js';
export type { Predictions } from './predict.js';
export { classifierConfigOf, trainOptionsOf } from './recipe.js';
export { reportSection, scoreSummary } from './run_metrics.js';
export {
  initialMonitorState,
  MONITOR_METRICS,
  monitoredValue,
  scheduledLearningRate,
  updateMonitors,
} from './schedule.js';
export type { MonitorDecision } from './schedule.js';

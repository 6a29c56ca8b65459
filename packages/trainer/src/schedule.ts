import { InvalidConfigError } from '@charrnn/core';
import type { ClassificationReport } from '@charrnn/core';

/** A validation metric that schedules, early stopping and best-epoch selection can follow (higher is better). */
export type MonitorMetric = 'accuracy' | 'macro_f1' | 'balanced_accuracy';

/** The monitored metrics' names, for validation and help texts. */
export const MONITOR_METRICS: readonly MonitorMetric[] = ['accuracy', 'macro_f1', 'balanced_accuracy'];

/** The value of `metric` in a validation report. */
export function monitoredValue(report: ClassificationReport, metric: MonitorMetric): number {
  switch (metric) {
    case 'accuracy':
      return report.accuracy;
    case 'macro_f1':
      return report.macroF1;
    case 'balanced_accuracy':
      return report.balancedAccuracy;
  }
}

/**
 * How the learning rate changes over the run (on top of reduce-on-plateau):
 * - `constant`;
 * - `step`: multiplied by `gamma` every `everyEpochs` epochs (evaluation periods);
 * - `cosine`: from the initial rate down to `minLearningRate` along half a cosine over all steps,
 *   after a linear warm-up of `warmupSteps` steps.
 */
export type LearningRateSchedule =
  | { type: 'constant' }
  | { type: 'step'; everyEpochs: number; gamma: number }
  | { type: 'cosine'; minLearningRate?: number; warmupSteps?: number };

/** Reduce the learning rate when the monitored validation metric stops improving. */
export interface ReduceOnPlateau {
  /** Metric to follow (default: the run's `monitor`). */
  metric?: MonitorMetric;
  /** Multiplier applied on a plateau, in (0, 1) (default 0.5). */
  factor?: number;
  /** Epochs without improvement before reducing (default 2). */
  patience?: number;
  /** The rate is never reduced below this (default 1e-5). */
  minLearningRate?: number;
  /** Smallest change that counts as an improvement (default 1e-4). */
  minDelta?: number;
}

/** Stop when the monitored validation metric has not improved for `patience` epochs. */
export interface EarlyStopping {
  /** Metric to follow (default: the run's `monitor`). */
  metric?: MonitorMetric;
  /** Epochs without improvement before stopping, ≥ 1. */
  patience: number;
  /** Smallest change that counts as an improvement (default 1e-4). */
  minDelta?: number;
}

/** Progress of reduce-on-plateau and early stopping, saved in checkpoints. */
export interface MonitorState {
  /** Best monitored value so far (−∞ before the first evaluation). */
  best: number;
  /** Epoch (1-based) of `best`, 0 before the first evaluation. */
  bestEpoch: number;
  /** Epochs since the plateau scheduler last saw an improvement. */
  plateauWait: number;
  /** Best value seen by the plateau scheduler. */
  plateauBest: number;
  /** Product of the plateau reductions so far. */
  plateauFactor: number;
  /** Epochs since the early-stopping monitor last saw an improvement. */
  stopWait: number;
  /** Best value seen by early stopping. */
  stopBest: number;
}

/** A fresh {@link MonitorState}. */
export function initialMonitorState(): MonitorState {
  return {
    best: Number.NEGATIVE_INFINITY,
    bestEpoch: 0,
    plateauWait: 0,
    plateauBest: Number.NEGATIVE_INFINITY,
    plateauFactor: 1,
    stopWait: 0,
    stopBest: Number.NEGATIVE_INFINITY,
  };
}

/** Checks a schedule's fields. @internal */
export function checkSchedule(
  schedule: LearningRateSchedule | undefined,
  plateau: ReduceOnPlateau | undefined,
  stopping: EarlyStopping | undefined,
  monitor: MonitorMetric | undefined,
): void {
  const fail = (field: string, message: string): never => {
    throw new InvalidConfigError(message, { field });
  };
  if (monitor !== undefined && !MONITOR_METRICS.includes(monitor))
    fail('monitor', `unknown metric ${JSON.stringify(monitor)} (${MONITOR_METRICS.join(', ')})`);
  if (schedule !== undefined) {
    if (schedule.type === 'step') {
      if (!(Number.isSafeInteger(schedule.everyEpochs) && schedule.everyEpochs > 0))
        fail('schedule.everyEpochs', `must be a positive integer, got ${schedule.everyEpochs}`);
      if (!(schedule.gamma > 0 && schedule.gamma <= 1))
        fail('schedule.gamma', `must be in (0, 1], got ${schedule.gamma}`);
    } else if (schedule.type === 'cosine') {
      const { minLearningRate = 0, warmupSteps = 0 } = schedule;
      if (!(minLearningRate >= 0 && Number.isFinite(minLearningRate)))
        fail('schedule.minLearningRate', `must be a non-negative number, got ${minLearningRate}`);
      if (!(Number.isSafeInteger(warmupSteps) && warmupSteps >= 0))
        fail('schedule.warmupSteps', `must be a non-negative integer, got ${warmupSteps}`);
    } else if (schedule.type !== 'constant') {
      fail(
        'schedule',
        `unknown schedule ${JSON.stringify((schedule as { type: unknown }).type)} (constant, step, cosine)`,
      );
    }
  }
  if (plateau !== undefined) {
    const { factor = 0.5, patience = 2, minLearningRate = 1e-5, minDelta = 1e-4 } = plateau;
    if (!(factor > 0 && factor < 1)) fail('reduceOnPlateau.factor', `must be in (0, 1), got ${factor}`);
    if (!(Number.isSafeInteger(patience) && patience > 0))
      fail('reduceOnPlateau.patience', `must be a positive integer, got ${patience}`);
    if (!(minLearningRate >= 0))
      fail('reduceOnPlateau.minLearningRate', `must be ≥ 0, got ${minLearningRate}`);
    if (!(minDelta >= 0)) fail('reduceOnPlateau.minDelta', `must be ≥ 0, got ${minDelta}`);
    if (plateau.metric !== undefined && !MONITOR_METRICS.includes(plateau.metric))
      fail('reduceOnPlateau.metric', `unknown metric ${JSON.stringify(plateau.metric)}`);
  }
  if (stopping !== undefined) {
    if (!(Number.isSafeInteger(stopping.patience) && stopping.patience > 0))
      fail('earlyStopping.patience', `must be a positive integer, got ${stopping.patience}`);
    if (!((stopping.minDelta ?? 0) >= 0))
      fail('earlyStopping.minDelta', `must be ≥ 0, got ${stopping.minDelta}`);
    if (stopping.metric !== undefined && !MONITOR_METRICS.includes(stopping.metric))
      fail('earlyStopping.metric', `unknown metric ${JSON.stringify(stopping.metric)}`);
  }
}

/**
 * The scheduled learning rate before step `step` (0-based) of `totalSteps`, at evaluation period
 * `epoch` (0-based, the one that step belongs to), without plateau reductions.
 */
export function scheduledLearningRate(
  schedule: LearningRateSchedule | undefined,
  base: number,
  step: number,
  totalSteps: number,
  epoch: number,
): number {
  if (schedule === undefined || schedule.type === 'constant') return base;
  if (schedule.type === 'step') return base * schedule.gamma ** Math.floor(epoch / schedule.everyEpochs);
  const { minLearningRate = 0, warmupSteps = 0 } = schedule;
  if (step < warmupSteps) return (base * (step + 1)) / warmupSteps;
  const span = Math.max(1, totalSteps - warmupSteps);
  const progress = Math.min(1, (step - warmupSteps) / span);
  return minLearningRate + (base - minLearningRate) * 0.5 * (1 + Math.cos(Math.PI * progress));
}

/** What {@link updateMonitors} decided after an evaluation. */
export interface MonitorDecision {
  /** The evaluation improved on the best so far (for keeping the best weights). */
  improved: boolean;
  /** Early stopping's patience ran out. */
  stop: boolean;
  /** The plateau scheduler reduced the learning rate. */
  reduced: boolean;
}

/**
 * Updates `state` (in place) with the validation report of epoch `epoch` (1-based).
 * `monitor` is the metric that decides the best epoch.
 */
export function updateMonitors(
  state: MonitorState,
  report: ClassificationReport,
  epoch: number,
  monitor: MonitorMetric,
  plateau: ReduceOnPlateau | undefined,
  stopping: EarlyStopping | undefined,
  base: number,
): MonitorDecision {
  const value = monitoredValue(report, monitor);
  const improved = value > state.best;
  if (improved) {
    state.best = value;
    state.bestEpoch = epoch;
  }
  let reduced = false;
  if (plateau !== undefined) {
    const { factor = 0.5, patience = 2, minLearningRate = 1e-5, minDelta = 1e-4 } = plateau;
    const v = monitoredValue(report, plateau.metric ?? monitor);
    if (v > state.plateauBest + minDelta) {
      state.plateauBest = v;
      state.plateauWait = 0;
    } else if (++state.plateauWait >= patience) {
      const floorFactor = minLearningRate / base;
      const next = Math.min(state.plateauFactor, Math.max(state.plateauFactor * factor, floorFactor));
      reduced = next < state.plateauFactor;
      state.plateauFactor = next;
      state.plateauWait = 0;
    }
  }
  let stop = false;
  if (stopping !== undefined) {
    const v = monitoredValue(report, stopping.metric ?? monitor);
    if (v > state.stopBest + (stopping.minDelta ?? 1e-4)) {
      state.stopBest = v;
      state.stopWait = 0;
    } else {
      state.stopWait++;
      stop = state.stopWait >= stopping.patience;
    }
  }
  return { improved, stop, reduced };
}

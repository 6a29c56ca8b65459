import type { ClassificationReport } from '@charrnn/core';

/** Loss and validation metrics at the end of one epoch (or evaluation period). */
export interface EpochRecord {
  /** 1-based epoch number; with `iterations`, the number of the evaluation period. */
  epoch: number;
  /** Training steps done so far. */
  step: number;
  /** Mean of the per-step batch losses over this epoch. */
  trainLoss: number;
  /** Metrics on the validation examples, when some were given. */
  val?: ClassificationReport;
  /** Seconds spent in training steps so far (evaluation excluded). */
  trainSeconds: number;
  /** Learning rate of the last step of this epoch. */
  learningRate?: number;
}

/** What {@link train} returns. */
export interface TrainResult {
  /** One record per epoch (or evaluation period) completed. */
  history: EpochRecord[];
  /** Seconds spent in training steps only: sampling, forward, backward, clipping, update. */
  trainSeconds: number;
  /** Examples processed by training steps (with repetitions). */
  namesTrained: number;
  /** `namesTrained / trainSeconds`. */
  namesPerSecond: number;
  /** Training steps done. */
  steps: number;
  /** `'aborted'` when stopped through the `signal` option, `'early_stopped'` by early stopping. */
  stopped: 'completed' | 'aborted' | 'early_stopped';
  /** Epoch (1-based) with the best monitored validation metric, 0 without validation. */
  bestEpoch: number;
  /** Whether the weights were put back to those of `bestEpoch` (`restoreBest`). */
  restoredBest: boolean;
}

/** Emitted once before the first step. */
export interface TrainStartEvent {
  type: 'start';
  /** Steps the run will take unless aborted. */
  totalSteps: number;
  /** `ceil(examples / batchSize)`. */
  stepsPerEpoch: number;
  /** Examples per step. */
  batchSize: number;
  /** The tfjs backend training runs on. */
  backend: string;
}

/** Emitted every `logEvery` steps and after the last one. */
export interface TrainStepEvent {
  type: 'step';
  /** Steps done so far (1-based count). */
  step: number;
  /** Steps the run will take unless aborted. */
  totalSteps: number;
  /** Mean batch loss over the steps since the previous step event. */
  loss: number;
  /** Training throughput so far. */
  namesPerSecond: number;
}

/** Emitted at the end of each epoch (or evaluation period), after evaluating. */
export interface TrainEpochEvent extends EpochRecord {
  type: 'epoch';
  /** Steps the run will take unless aborted. */
  totalSteps: number;
  /** Training throughput so far. */
  namesPerSecond: number;
}

/** Emitted once when training stops, completed or aborted. */
export interface TrainEndEvent {
  type: 'end';
  /** What {@link train} resolves with. */
  result: TrainResult;
}

/** Progress events of {@link train}, for progress bars, logs and plots. */
export type TrainEvent = TrainStartEvent | TrainStepEvent | TrainEpochEvent | TrainEndEvent;

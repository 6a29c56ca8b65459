import { TrainingDivergedError, type ClassificationReport } from '@charrnn/core';
import type { CharClassifier, ClassifierConfig } from '@charrnn/layers';
import type { ClassifierBundle } from './classifier_bundle.js';
import type { Recipe } from './recipe.js';
import type { LogitAdjustmentReport, NgramReport, RunMetrics } from './run_metrics.js';
import type { EpochRecord, TrainResult } from './train_events.js';

/** First event of {@link trainClassifier}: the data and model it is about to train. */
export interface RunStartEvent {
  /** Discriminant: `'start'`. */
  type: 'start';
  /** The checked recipe. */
  recipe: Recipe;
  /** Class names, index = class id (the sorted labels of the training names). */
  labels: string[];
  /** Tokens the model reads. */
  vocabSize: number;
  /** The architecture of each member. */
  model: ClassifierConfig;
  /** Names per split, after encoding. */
  counts: {
    /** Training names. */
    train: number;
    /** Validation names. */
    val: number;
    /** Test names. */
    test: number;
  };
}

/** An ensemble member (or the single model) begins training, or resumes. */
export interface MemberStartEvent {
  /** Discriminant: `'member-start'`. */
  type: 'member-start';
  /** 0-based member index. */
  member: number;
  /** Members in the run. */
  members: number;
  /** This member's seed (`recipe.seed + member`). */
  seed: number;
  /** The model being trained: for inspection between steps (do not dispose it). */
  model: CharClassifier;
  /** Where the checkpoint it resumes from stood, or null for a fresh start. */
  resumed: {
    /** Steps done. */
    steps: number;
    /** Steps of the whole run. */
    totalSteps: number;
    /** Epochs (evaluation periods) done. */
    epochs: number;
    /** Set when that member had already finished (it then returns at once). */
    finished: 'completed' | 'early_stopped' | null;
  } | null;
}

/** Training progress of one member: every `logEvery` steps and after the last. */
export interface MemberStepEvent {
  /** Discriminant: `'step'`. */
  type: 'step';
  /** 0-based member index. */
  member: number;
  /** Steps done so far by this member. */
  step: number;
  /** Steps this member takes unless stopped. */
  totalSteps: number;
  /** Mean batch loss since the previous step event. */
  loss: number;
  /** Training throughput so far. */
  namesPerSecond: number;
}

/** End of an epoch (evaluation period) of one member, after its validation pass. */
export interface MemberEpochEvent extends EpochRecord {
  /** Discriminant: `'epoch'`. */
  type: 'epoch';
  /** 0-based member index. */
  member: number;
  /** Steps this member takes unless stopped. */
  totalSteps: number;
  /** Training throughput so far. */
  namesPerSecond: number;
}

/** A member finished training (completed or early-stopped). */
export interface MemberEndEvent {
  /** Discriminant: `'member-end'`. */
  type: 'member-end';
  /** 0-based member index. */
  member: number;
  /** What its training loop returned. */
  result: TrainResult;
}

/** What the run does after training, in this order (each phase only when the recipe asks). */
export type RunPhase = 'ensemble-average' | 'ngram-fit' | 'logit-adjustment' | 'evaluate';

/** The run enters a phase after training. */
export interface PhaseEvent {
  /** Discriminant: `'phase'`. */
  type: 'phase';
  /** The phase beginning. */
  phase: RunPhase;
}

/** The n-gram head was fitted and mixed in. */
export interface NgramFitEvent {
  /** Discriminant: `'ngram-fit'`. */
  type: 'ngram-fit';
  /** Its size, time and the figures of each part alone. */
  report: NgramReport;
}

/** The logit adjustment was applied (or chosen on val). */
export interface LogitAdjustmentEvent {
  /** Discriminant: `'logit-adjustment'`. */
  type: 'logit-adjustment';
  /** τ, how it was chosen, and the figures before. */
  report: LogitAdjustmentReport;
  /** With `'auto'`: the validation report before and after. */
  fit?: {
    /** Validation report of the model before the adjustment. */
    before: ClassificationReport;
    /** Validation report after it. */
    after: ClassificationReport;
  };
  /** Where τ went: the output bias, or the n-gram head's bias when there is a head. */
  foldedInto: 'output' | 'ngram-head';
}

/** Last event: the run's result. */
export interface RunEndEvent {
  /** Discriminant: `'end'`. */
  type: 'end';
  /** What {@link trainClassifier} resolves with. */
  result: TrainedClassifier;
}

/** Progress of {@link trainClassifier}, for logs, progress bars and plots. */
export type ClassifierRunEvent =
  | RunStartEvent
  | MemberStartEvent
  | MemberStepEvent
  | MemberEpochEvent
  | MemberEndEvent
  | PhaseEvent
  | NgramFitEvent
  | LogitAdjustmentEvent
  | RunEndEvent;

/** What {@link trainClassifier} resolves with. */
export interface TrainedClassifier {
  /** The model (ensemble averaged, n-gram head and logit adjustment in), tokenizer, labels, metadata. */
  bundle: ClassifierBundle;
  /** How training ended (`'aborted'` only with `onAbort: 'finish'`). */
  stopped: TrainResult['stopped'];
  /** Everything measured, as `metrics.json` records it. */
  metrics: RunMetrics;
  /** Each member's training result. */
  members: TrainResult[];
  /** The final model on the validation names, when there were some. */
  val?: ClassificationReport;
  /** The final model on the test names, when there were some. */
  test?: ClassificationReport;
}

/**
 * {@link trainClassifier} was stopped through its `signal` (with `onAbort: 'reject'`, the
 * default): the current step finished and, with a store, a checkpoint was saved to resume from.
 */
export class TrainingAbortedError extends Error {
  /** Always `'ABORTED'`. */
  readonly code = 'ABORTED' as const;
  /** 0-based member that was training. */
  readonly member: number;
  /** Its steps done. */
  readonly steps: number;
  /** Whether a checkpoint of that point was saved in the store. */
  readonly checkpointSaved: boolean;

  constructor(member: number, steps: number, checkpointSaved: boolean) {
    super(`training aborted at step ${steps}${member > 0 ? ` of ensemble member ${member + 1}` : ''}`);
    this.name = 'TrainingAbortedError';
    this.member = member;
    this.steps = steps;
    this.checkpointSaved = checkpointSaved;
  }
}

/**
 * Training diverged (a non-finite loss or gradient): the `TrainingDivergedError` of the loop with
 * where the last good checkpoint of the store stands.
 */
export class RunDivergedError extends TrainingDivergedError {
  /** 0-based member that diverged. */
  readonly member: number;
  /** The last checkpoint saved (or resumed from) before it diverged, or null when none. */
  readonly lastCheckpoint: {
    /** Steps done at that checkpoint. */
    steps: number;
    /** Epochs (evaluation periods) done at that checkpoint. */
    epochs: number;
  } | null;

  constructor(
    cause: TrainingDivergedError,
    member: number,
    lastCheckpoint: { steps: number; epochs: number } | null,
  ) {
    super(cause.message, { field: 'loss', cause });
    this.member = member;
    this.lastCheckpoint = lastCheckpoint;
  }
}

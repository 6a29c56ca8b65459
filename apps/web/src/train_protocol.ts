import type { ClassificationReport, BackendAttempt } from '@charrnn/core';
import type { LabeledName } from '@charrnn/data';

/** Page → worker: start a run. */
export interface TrainRequest {
  type: 'train';
  cell: string;
  hiddenSize: number;
  embedDim: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** Backend to train on (falls back through the others). */
  backend: string;
  alphabet: 'tutorial' | 'unicode';
  /** After training, fit an n-gram head (`fitNgramHead`, n-grams of 1–5) and mix it in. */
  ngram: boolean;
  /** The visitor's names, or `null` for the embedded default corpus. */
  items: LabeledName[] | null;
  /** `tf.io` URL the trained model is saved to (IndexedDB). */
  saveTo: string;
}

/** Page → worker: stop after the current step. */
export interface StopRequest {
  type: 'stop';
}

/** Messages the worker accepts. */
export type WorkerRequest = TrainRequest | StopRequest;

/** Worker → page. */
export type WorkerEvent =
  | { type: 'backend'; name: string; attempts: BackendAttempt[] }
  | { type: 'data'; source: string; train: number; val: number; labels: string[]; totalSteps: number }
  /** The run continues the stopped run with the same settings and names (its IndexedDB checkpoint). */
  | { type: 'resumed'; step: number; totalSteps: number }
  | { type: 'step'; step: number; totalSteps: number; loss: number; namesPerSecond: number }
  | {
      type: 'epoch';
      epoch: number;
      step: number;
      trainLoss: number;
      valAccuracy: number | null;
      namesPerSecond: number;
    }
  | { type: 'ngram'; grams: number; seconds: number }
  | {
      type: 'done';
      stopped: 'completed' | 'aborted' | 'early_stopped';
      steps: number;
      namesTrained: number;
      namesPerSecond: number;
      trainSeconds: number;
      report: ClassificationReport | null;
      savedTo: string;
    }
  | { type: 'error'; message: string };

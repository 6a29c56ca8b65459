import * as tf from '@tensorflow/tfjs-core';
import { defaultCorpus, stratifiedSplit } from '@charrnn/data';
import type { CellType } from '@charrnn/layers';
import {
  DEFAULT_RECIPE,
  indexedDbCheckpointStore,
  saveClassifierBundle,
  trainClassifier,
  type Recipe,
} from '@charrnn/trainer';
import { fingerprintNames } from '@charrnn/trainer/internal';
import { activateBackend, isBackendName } from './backends.js';
import { messageOf } from './dom.js';
import type { TrainRequest, WorkerEvent, WorkerRequest } from './train_protocol.js';

// Training runs here, off the page's thread, so typing and the charts stay responsive.
interface WorkerScope {
  postMessage(message: unknown): void;
  onmessage: ((message: MessageEvent<WorkerRequest>) => void) | null;
}
const scope = self as unknown as WorkerScope;
let controller: AbortController | null = null;
let busy = false;
/** A stop that arrived before training started (while the backend was initialising). */
let stopRequested = false;
/**
 * Checkpoints of the last run (every epoch and on Stop), in IndexedDB: Start with the same
 * settings and data after a Stop continues that run instead of starting over.
 */
const store = indexedDbCheckpointStore('charrnn-demo-training');

function post(event: WorkerEvent): void {
  scope.postMessage(event);
}

/** The demo's recipe: one recurrent layer, Adam with clipping, no schedule, optional n-gram head. */
function recipeOf(request: TrainRequest): Recipe {
  return {
    ...DEFAULT_RECIPE,
    model: {
      cell: request.cell as CellType,
      layers: 1,
      bidirectional: null,
      hidden: request.hiddenSize,
      embed: request.embedDim,
      dropout: 0,
      recurrentDropout: 0,
      resetAfter: false,
    },
    optimizer: { kind: 'adam', learningRate: request.learningRate, momentum: 0, clipNorm: 5 },
    schedule: { type: 'constant' },
    sampler: 'shuffle',
    epochs: request.epochs,
    iterations: null,
    batchSize: request.batchSize,
    monitor: { metric: 'accuracy', earlyStop: null, plateau: null, restoreBest: false },
    ngram: request.ngram ? { order: 5, weight: 0.5 } : null,
    logitAdjustment: 0,
    seed: request.seed,
    alphabet: request.alphabet,
  };
}

async function run(request: TrainRequest): Promise<void> {
  const selection = await activateBackend(isBackendName(request.backend) ? request.backend : 'wasm');
  post({ type: 'backend', name: selection.name, attempts: selection.attempts });

  const items = request.items ?? defaultCorpus().items;
  const source = request.items === null ? 'embedded default corpus' : 'your files';
  const split = stratifiedSplit(items, { val: 0.1, test: 0, seed: request.seed });
  const known = new Set(split.train.map((item) => item.label));
  const val = split.val.filter((item) => known.has(item.label));
  const recipe = recipeOf(request);
  // Continue the stored run when it had these settings and these names (and had not finished).
  const settings = { recipe, backend: selection.name, data: await fingerprintNames(split.train) };
  const saved = await store.load({ member: 0, members: 1 }).catch(() => null);
  const resume =
    saved !== null &&
    saved.checkpoint.finished === null &&
    JSON.stringify(saved.meta.config) === JSON.stringify(settings);

  controller = new AbortController();
  if (stopRequested) controller.abort();
  try {
    const totalSteps = Math.ceil(split.train.length / request.batchSize) * request.epochs;
    const result = await trainClassifier({ train: split.train, val }, recipe, {
      store,
      resume,
      checkpointConfig: settings,
      signal: controller.signal,
      // Stop keeps the model trained so far (saved and shown like a finished one).
      onAbort: 'finish',
      logEvery: Math.max(1, Math.round(totalSteps / 150)),
      onEvent: (event) => {
        switch (event.type) {
          case 'start':
            post({
              type: 'data',
              source,
              train: event.counts.train,
              val: event.counts.val,
              labels: event.labels,
              totalSteps: Math.ceil(event.counts.train / request.batchSize) * request.epochs,
            });
            break;
          case 'member-start':
            if (event.resumed !== null)
              post({ type: 'resumed', step: event.resumed.steps, totalSteps: event.resumed.totalSteps });
            break;
          case 'step':
            post({
              type: 'step',
              step: event.step,
              totalSteps: event.totalSteps,
              loss: event.loss,
              namesPerSecond: event.namesPerSecond,
            });
            break;
          case 'epoch':
            post({
              type: 'epoch',
              epoch: event.epoch,
              step: event.step,
              trainLoss: event.trainLoss,
              valAccuracy: event.val?.accuracy ?? null,
              namesPerSecond: event.namesPerSecond,
            });
            break;
          case 'ngram-fit':
            post({ type: 'ngram', grams: event.report.grams, seconds: event.report.fit_seconds });
            break;
          default:
            break;
        }
      },
    });
    const { bundle, metrics } = result;
    try {
      const [handler] = tf.io.getSaveHandlers(request.saveTo);
      if (handler === undefined) throw new Error(`cannot save to ${request.saveTo}`);
      await saveClassifierBundle(bundle, handler, {
        training: {
          where: 'browser',
          backend: selection.name,
          data: source,
          recipe,
          steps: metrics.steps,
          stopped: metrics.stopped,
        },
      });
      // tf.io's IndexedDB save resolves when its write is queued, before the transaction commits;
      // the page terminates this worker on 'done', which would abort it (a large model, such as one
      // with an n-gram head, lost the race). Reading the model back waits for the commit and checks it.
      const [reader] = tf.io.getLoadHandlers(request.saveTo);
      if (reader?.load !== undefined) await reader.load();
    } finally {
      bundle.model.dispose();
    }
    post({
      type: 'done',
      stopped: metrics.stopped,
      steps: metrics.steps,
      namesTrained: metrics.names_trained,
      namesPerSecond: metrics.train_names_per_s,
      trainSeconds: metrics.train_seconds,
      report: result.val ?? null,
      savedTo: request.saveTo,
    });
  } finally {
    controller = null;
  }
}

scope.onmessage = (message: MessageEvent<WorkerRequest>): void => {
  const request = message.data;
  if (request.type === 'stop') {
    stopRequested = busy;
    controller?.abort();
    return;
  }
  if (busy) {
    post({ type: 'error', message: 'a training run is already going on' });
    return;
  }
  busy = true;
  stopRequested = false;
  run(request)
    .catch((error: unknown) => post({ type: 'error', message: messageOf(error) }))
    .finally(() => {
      busy = false;
    });
};

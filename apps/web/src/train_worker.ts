import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@charrnn/core';
import { defaultCorpus, encodeExamples, stratifiedSplit } from '@charrnn/data';
import { CharClassifier, type ClassifierConfig } from '@charrnn/layers';
import { Tokenizer } from '@charrnn/tokenizer';
import { evaluate, fitNgramHead, saveClassifierBundle, train } from '@charrnn/trainer';
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

function post(event: WorkerEvent): void {
  scope.postMessage(event);
}

async function run(request: TrainRequest): Promise<void> {
  const selection = await activateBackend(isBackendName(request.backend) ? request.backend : 'wasm');
  post({ type: 'backend', name: selection.name, attempts: selection.attempts });

  const items = request.items ?? defaultCorpus().items;
  const source = request.items === null ? 'embedded default corpus' : 'your files';
  const split = stratifiedSplit(items, { val: 0.1, test: 0, seed: request.seed });
  const labels = [...new Set(split.train.map((item) => item.label))].sort();
  if (labels.length < 2) throw new Error(`the training data needs at least 2 labels, found ${labels.length}`);
  const tokenizer =
    request.alphabet === 'unicode'
      ? Tokenizer.fromCorpus(
          split.train.map((item) => item.name),
          { normalization: 'unicode' },
        )
      : Tokenizer.tutorial();
  const trainExamples = encodeExamples(split.train, tokenizer, labels);
  const known = new Set(labels);
  const valExamples = encodeExamples(
    split.val.filter((item) => known.has(item.label)),
    tokenizer,
    labels,
  );
  const stepsPerEpoch = Math.ceil(trainExamples.length / request.batchSize);
  const totalSteps = stepsPerEpoch * request.epochs;
  post({ type: 'data', source, train: trainExamples.length, val: valExamples.length, labels, totalSteps });

  const config = {
    cell: request.cell as ClassifierConfig['cell'],
    vocabSize: tokenizer.vocabSize,
    embedDim: request.embedDim,
    hiddenSize: request.hiddenSize,
    numClasses: labels.length,
  };
  const model = CharClassifier.create(config, new Rng(request.seed));
  post({ type: 'phase', phase: 'recurrent' });
  controller = new AbortController();
  if (stopRequested) controller.abort();
  try {
    const result = await train(model, trainExamples, {
      optimizer: 'adam',
      learningRate: request.learningRate,
      clipNorm: 5,
      batchSize: request.batchSize,
      epochs: request.epochs,
      sampler: 'shuffle',
      seed: request.seed,
      labels,
      ...(valExamples.length > 0 ? { val: valExamples } : {}),
      logEvery: Math.max(1, Math.round(totalSteps / 150)),
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'step') {
          post({
            type: 'step',
            step: event.step,
            totalSteps: event.totalSteps,
            loss: event.loss,
            namesPerSecond: event.namesPerSecond,
          });
        } else if (event.type === 'epoch') {
          post({
            type: 'epoch',
            epoch: event.epoch,
            step: event.step,
            trainLoss: event.trainLoss,
            valAccuracy: event.val?.accuracy ?? null,
            namesPerSecond: event.namesPerSecond,
          });
        }
      },
    });
    // A stopped run keeps the recurrent model as it is: the n-gram fit (seconds) is skipped.
    const fitHead = request.ngram && result.stopped !== 'aborted';
    post({ type: 'phase', phase: 'ngram', skipped: !fitHead });
    if (fitHead) {
      const started = performance.now();
      const epochs = 20;
      const head = fitNgramHead(trainExamples, labels.length, {
        rng: new Rng(request.seed),
        epochs,
        onEpoch: (epoch) => post({ type: 'ngram-progress', epoch, epochs }),
      });
      model.setNgramHead(head);
      post({ type: 'ngram', grams: head.size, seconds: (performance.now() - started) / 1000 });
    }
    post({ type: 'phase', phase: 'evaluation', skipped: valExamples.length === 0 });
    const report = valExamples.length > 0 ? evaluate(model, valExamples, labels) : null;
    post({ type: 'phase', phase: 'save' });
    const [handler] = tf.io.getSaveHandlers(request.saveTo);
    if (handler === undefined) throw new Error(`cannot save to ${request.saveTo}`);
    await saveClassifierBundle(model, tokenizer, labels, handler, {
      training: {
        where: 'browser',
        backend: selection.name,
        data: source,
        optimizer: 'adam',
        lr: request.learningRate,
        batch: request.batchSize,
        epochs: request.epochs,
        seed: request.seed,
        ngram: request.ngram ? 5 : 0,
        steps: result.steps,
        stopped: result.stopped,
      },
      ...(report === null
        ? {}
        : { metrics: { val: { accuracy: report.accuracy, macro_f1: report.macroF1 } } }),
    });
    // tf.io's IndexedDB save resolves when its write is queued, before the transaction commits;
    // the page terminates this worker on 'done', which would abort it (a large model, such as one
    // with an n-gram head, lost the race). Reading the model back waits for the commit and checks it.
    const [reader] = tf.io.getLoadHandlers(request.saveTo);
    if (reader?.load !== undefined) await reader.load();
    post({
      type: 'done',
      stopped: result.stopped,
      steps: result.steps,
      namesTrained: result.namesTrained,
      namesPerSecond: result.namesPerSecond,
      trainSeconds: result.trainSeconds,
      report,
      savedTo: request.saveTo,
    });
  } finally {
    model.dispose();
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

import * as tf from '@tensorflow/tfjs-core';
import { Rng, describeSelection, type BackendSelection } from '@charrnn/core';
import type { LabeledName } from '@charrnn/data';
import { CharClassifier, type ClassifierConfig } from '@charrnn/layers';
import { classifyNames, type ClassifierBundle, type NamePrediction } from '@charrnn/trainer';
import { activateBackend, isBackendName, type BackendName } from './backends.js';
import { TrainingCurves } from './curves.js';
import { parseDroppedFiles, summarize } from './data_files.js';
import { byId, el, messageOf } from './dom.js';
import { renderMemory } from './memory_view.js';
import {
  bundleFromFiles,
  downloadBundle,
  instantiate,
  shippedModel,
  storedTrainedModel,
  TRAINED_MODEL_URL,
  type ModelSource,
} from './model_source.js';
import { readName, type NameReading } from './name_input.js';
import { describeReading, renderBars } from './predict_view.js';
import { renderReport } from './report_view.js';
import type { TrainRequest, WorkerEvent } from './train_protocol.js';
import './style.css';

/** Page state: the active backend and model. */
interface State {
  selection: BackendSelection | null;
  source: ModelSource | null;
  bundle: ClassifierBundle | null;
  droppedItems: LabeledName[] | null;
  worker: Worker | null;
}
const state: State = { selection: null, source: null, bundle: null, droppedItems: null, worker: null };

const ui = {
  backend: byId<HTMLSelectElement>('backend'),
  backendActive: byId('backend-active'),
  backendNote: byId('backend-note'),
  error: byId('error'),
  name: byId<HTMLInputElement>('name'),
  reading: byId('reading'),
  modelInfo: byId('model-info'),
  latency: byId('latency'),
  bars: byId('bars'),
  memory: byId('memory'),
  useShipped: byId<HTMLButtonElement>('use-shipped'),
  useTrained: byId<HTMLButtonElement>('use-trained'),
  download: byId<HTMLButtonElement>('download'),
  bundleDrop: byId('bundle-drop'),
  bundleFiles: byId<HTMLInputElement>('bundle-files'),
  cell: byId<HTMLSelectElement>('cell'),
  hidden: byId<HTMLInputElement>('hidden'),
  embed: byId<HTMLInputElement>('embed'),
  epochs: byId<HTMLInputElement>('epochs'),
  batch: byId<HTMLInputElement>('batch'),
  lr: byId<HTMLInputElement>('lr'),
  ngram: byId<HTMLInputElement>('ngram'),
  trainBackend: byId<HTMLSelectElement>('train-backend'),
  alphabet: byId<HTMLSelectElement>('alphabet'),
  dataDrop: byId('data-drop'),
  dataFiles: byId<HTMLInputElement>('data-files'),
  dataSummary: byId('data-summary'),
  trainStart: byId<HTMLButtonElement>('train-start'),
  trainStop: byId<HTMLButtonElement>('train-stop'),
  trainStatus: byId('train-status'),
  report: byId('report'),
};
const curves = new TrainingCurves(byId('loss-chart'), byId('acc-chart'));

function showError(error: unknown): void {
  ui.error.textContent = messageOf(error);
  ui.error.hidden = false;
}
function clearError(): void {
  ui.error.hidden = true;
  ui.error.textContent = '';
}

// ---------------------------------------------------------------- backend

function showBackend(requested: BackendName, selection: BackendSelection): void {
  ui.backendActive.textContent = `active backend: ${selection.name}`;
  ui.backendActive.dataset['backend'] = selection.name;
  ui.backend.value = selection.name;
  const failed = selection.attempts.filter((a) => !a.ok && a.name === requested);
  if (selection.name !== requested) {
    const why = failed[0]?.reason ?? 'unavailable';
    ui.backendNote.textContent = `${requested} is not available in this browser (${why}); fell back to ${selection.name}.`;
    ui.backendNote.hidden = false;
  } else {
    ui.backendNote.hidden = true;
  }
  console.info(describeSelection(selection));
}

async function switchBackend(requested: BackendName): Promise<void> {
  ui.name.disabled = true;
  document.body.dataset['state'] = 'loading';
  try {
    state.bundle?.model.dispose();
    state.bundle = null;
    state.selection = await activateBackend(requested);
    showBackend(requested, state.selection);
    if (state.source !== null) state.bundle = await instantiate(state.source);
    refresh();
  } finally {
    ui.name.disabled = false;
    document.body.dataset['state'] = 'ready';
  }
}

// ---------------------------------------------------------------- prediction

let lastReading: NameReading | null = null;

function predict(reading: NameReading, bundle: ClassifierBundle): NamePrediction | null {
  if (reading.ids.length === 0) return null;
  const [prediction] = classifyNames(bundle, [reading.name], bundle.labels.length);
  // A name the model cannot read (no character of its alphabet) gets no bars; the line under the
  // input already says which characters it does not know.
  return prediction === undefined || prediction.unreadable !== undefined ? null : prediction;
}

function refresh(): void {
  const bundle = state.bundle;
  if (bundle === null) return;
  const text = ui.name.value;
  const reading = text.trim().length === 0 ? null : readName(text, bundle.tokenizer);
  lastReading = reading;
  ui.reading.textContent = describeReading(reading);
  const start = performance.now();
  const prediction = reading === null ? null : predict(reading, bundle);
  const ms = performance.now() - start;
  ui.latency.textContent =
    prediction === null ? '' : `· predicted in ${ms.toFixed(2)} ms on ${tf.getBackend()}`;
  renderBars(ui.bars, prediction, bundle.labels);
  ui.bars.dataset['name'] = reading?.name ?? '';
  renderMemory(ui.memory, bundle, reading, prediction);
}

async function useModel(source: ModelSource): Promise<void> {
  const bundle = await instantiate(source);
  state.bundle?.model.dispose();
  state.source = source;
  state.bundle = bundle;
  const { cell, hiddenSize, embedDim } = bundle.model.config;
  const head = bundle.model.ngramHead;
  const mixed =
    head === undefined
      ? ''
      : ` + n-gram head (${head.size.toLocaleString('en-US')} n-grams of 1–${head.maxN})`;
  ui.modelInfo.textContent = `Model: ${source.description} — ${String(cell)}, hidden ${hiddenSize}, embedding ${embedDim}${mixed}, ${bundle.labels.length} labels.`;
  ui.download.disabled = false;
  refresh();
}

/**
 * Single-name prediction latency on the active backend (used by the e2e tests). Pages that are
 * not cross-origin isolated get a coarse clock (100 µs steps in Chromium), so the mean over
 * `runs` back-to-back predictions is reported beside the median.
 */
function benchmarkPredict(
  name: string,
  runs = 100,
): { backend: string; medianMs: number; meanMs: number; top: string } {
  const bundle = state.bundle;
  if (bundle === null) throw new Error('no model loaded');
  let top = '';
  for (let i = 0; i < 5; i++) top = classifyNames(bundle, [name], 1)[0]?.top[0]?.label ?? '';
  const times: number[] = [];
  const begin = performance.now();
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    classifyNames(bundle, [name], 1);
    times.push(performance.now() - start);
  }
  const meanMs = (performance.now() - begin) / runs;
  times.sort((a, b) => a - b);
  return { backend: tf.getBackend(), medianMs: times[Math.floor(times.length / 2)] ?? NaN, meanMs, top };
}

/** Top-1 label of each name with the current model (used by the e2e tests). */
function top1(names: string[]): string[] {
  const bundle = state.bundle;
  if (bundle === null) throw new Error('no model loaded');
  return classifyNames(bundle, names, 1).map((p) => p.top[0]?.label ?? '');
}

// ---------------------------------------------------------------- model files

function wireDrop(zone: HTMLElement, onFiles: (files: File[]) => void): void {
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    onFiles(Array.from(event.dataTransfer?.files ?? []));
  });
}

async function loadBundleFiles(files: File[]): Promise<void> {
  clearError();
  try {
    await useModel(await bundleFromFiles(files));
  } catch (error) {
    showError(error);
  }
}

async function loadDataFiles(files: File[]): Promise<void> {
  clearError();
  try {
    const parsed = await parseDroppedFiles(files);
    state.droppedItems = parsed.corpus.items;
    ui.dataSummary.textContent = `${summarize(parsed)}\nlabels: ${parsed.corpus.labels.join(', ')}`;
    const filesChoice = document.querySelector<HTMLInputElement>('input[name="data"][value="files"]');
    if (filesChoice) filesChoice.checked = true;
  } catch (error) {
    state.droppedItems = null;
    ui.dataSummary.textContent = '';
    showError(error);
  }
}

// ---------------------------------------------------------------- training

/** Cells the installed `@charrnn/layers` accepts, found by trying to build a tiny model. */
function detectCells(): void {
  const candidates = [
    { cell: 'rnn', title: 'tutorial RNN (tanh)' },
    { cell: 'lstm', title: 'LSTM' },
    { cell: 'gru', title: 'GRU' },
  ];
  ui.cell.replaceChildren(
    ...candidates.map(({ cell, title }) => {
      const option = el('option', { text: title, attrs: { value: cell } });
      try {
        const config = {
          cell: cell as ClassifierConfig['cell'],
          vocabSize: 4,
          embedDim: 2,
          hiddenSize: 2,
          numClasses: 2,
        };
        CharClassifier.create(config, new Rng(0)).dispose();
      } catch (error) {
        option.disabled = true;
        option.textContent = `${title} (not in this @charrnn/layers)`;
        option.title = messageOf(error);
      }
      return option;
    }),
  );
}

function numberOf(input: HTMLInputElement, fallback: number): number {
  const value = Number(input.value);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

function startTraining(): void {
  clearError();
  const useFiles =
    document.querySelector<HTMLInputElement>('input[name="data"][value="files"]')?.checked === true;
  if (useFiles && state.droppedItems === null) {
    showError('Drop or pick training files first (or choose the embedded corpus).');
    return;
  }
  const request: TrainRequest = {
    type: 'train',
    cell: ui.cell.value,
    hiddenSize: Math.round(numberOf(ui.hidden, 64)),
    embedDim: Math.round(numberOf(ui.embed, 32)),
    epochs: Math.round(numberOf(ui.epochs, 3)),
    batchSize: Math.round(numberOf(ui.batch, 32)),
    learningRate: numberOf(ui.lr, 0.003),
    seed: 1,
    backend: ui.trainBackend.value,
    alphabet: ui.alphabet.value === 'unicode' ? 'unicode' : 'tutorial',
    ngram: ui.ngram.checked,
    items: useFiles ? state.droppedItems : null,
    saveTo: TRAINED_MODEL_URL,
  };
  state.worker?.terminate();
  const worker = new Worker(new URL('./train_worker.ts', import.meta.url), { type: 'module' });
  state.worker = worker;
  curves.reset();
  ui.report.replaceChildren();
  ui.trainStart.disabled = true;
  ui.trainStop.disabled = false;
  ui.trainStatus.textContent = 'starting the worker…';
  document.body.dataset['training'] = 'running';
  delete document.body.dataset['resumedFrom'];
  let backendName = '';
  let totalSteps = 0;
  const finish = (): void => {
    ui.trainStart.disabled = false;
    ui.trainStop.disabled = true;
    worker.terminate();
    if (state.worker === worker) state.worker = null;
  };
  worker.onmessage = (message: MessageEvent<WorkerEvent>): void => {
    const event = message.data;
    switch (event.type) {
      case 'backend':
        backendName = event.name;
        ui.trainStatus.textContent = `training on ${event.name}…`;
        break;
      case 'data':
        totalSteps = event.totalSteps;
        ui.trainStatus.textContent = `training on ${backendName}: ${event.train} names (${event.source}), ${event.labels.length} labels, ${event.val} held out for validation`;
        break;
      case 'resumed':
        ui.trainStatus.textContent = `continuing the stopped run with these settings from step ${event.step}/${event.totalSteps}…`;
        document.body.dataset['resumedFrom'] = String(event.step);
        break;
      case 'step':
        curves.addLoss(event.step, event.loss);
        ui.trainStatus.textContent = `step ${event.step}/${totalSteps} · loss ${event.loss.toFixed(3)} · ${Math.round(event.namesPerSecond).toLocaleString('en-US')} names/s on ${backendName}`;
        document.body.dataset['lossPoints'] = String(curves.lossPoints);
        break;
      case 'epoch':
        if (event.valAccuracy !== null) curves.addAccuracy(event.step, event.valAccuracy);
        break;
      case 'ngram':
        ui.trainStatus.textContent = `n-gram model: ${event.grams.toLocaleString('en-US')} n-grams fitted in ${event.seconds.toFixed(1)} s; evaluating…`;
        break;
      case 'done': {
        const how = event.stopped === 'aborted' ? 'stopped' : 'done';
        ui.trainStatus.textContent = `${how}: ${event.steps} steps, ${event.namesTrained.toLocaleString('en-US')} names in ${event.trainSeconds.toFixed(1)} s (${Math.round(event.namesPerSecond).toLocaleString('en-US')} names/s on ${backendName}); saved to IndexedDB`;
        ui.trainStatus.dataset['namesPerSecond'] = String(event.namesPerSecond);
        if (event.report !== null) renderReport(ui.report, event.report);
        finish();
        document.body.dataset['training'] = how;
        ui.useTrained.disabled = false;
        void storedTrainedModel()
          .then((source) => (source === null ? undefined : useModel(source)))
          .catch(showError);
        break;
      }
      case 'error':
        showError(`Training failed: ${event.message}`);
        ui.trainStatus.textContent = 'failed';
        document.body.dataset['training'] = 'failed';
        finish();
        break;
    }
  };
  worker.onerror = (event): void => {
    showError(`Training worker error: ${event.message}`);
    document.body.dataset['training'] = 'failed';
    finish();
  };
  worker.postMessage(request);
}

// ---------------------------------------------------------------- start

async function start(): Promise<void> {
  detectCells();
  ui.backend.addEventListener('change', () => {
    const requested = ui.backend.value;
    if (isBackendName(requested)) switchBackend(requested).catch(showError);
  });
  ui.name.addEventListener('input', () => {
    try {
      refresh();
    } catch (error) {
      showError(error);
    }
  });
  ui.useShipped.addEventListener('click', () => {
    shippedModel().then(useModel).catch(showError);
  });
  ui.useTrained.addEventListener('click', () => {
    storedTrainedModel()
      .then((source) =>
        source === null ? showError('No model trained in this browser yet.') : useModel(source),
      )
      .catch(showError);
  });
  ui.download.addEventListener('click', () => {
    if (state.bundle !== null) downloadBundle(state.bundle).catch(showError);
  });
  ui.bundleFiles.addEventListener(
    'change',
    () => void loadBundleFiles(Array.from(ui.bundleFiles.files ?? [])),
  );
  wireDrop(ui.bundleDrop, (files) => void loadBundleFiles(files));
  ui.dataFiles.addEventListener('change', () => void loadDataFiles(Array.from(ui.dataFiles.files ?? [])));
  wireDrop(ui.dataDrop, (files) => void loadDataFiles(files));
  ui.trainStart.addEventListener('click', startTraining);
  ui.trainStop.addEventListener('click', () => {
    state.worker?.postMessage({ type: 'stop' });
    ui.trainStatus.textContent = 'stopping after the current step…';
  });

  const requested = new URLSearchParams(location.search).get('backend') ?? 'webgl';
  state.selection = await activateBackend(isBackendName(requested) ? requested : 'webgl');
  showBackend(isBackendName(requested) ? requested : 'webgl', state.selection);
  await useModel(await shippedModel());
  ui.useTrained.disabled = (await storedTrainedModel().catch(() => null)) === null;
  ui.name.disabled = false;
  ui.name.focus();
  document.body.dataset['state'] = 'ready';
}

declare global {
  interface Window {
    /** Hooks for the end-to-end tests and for curious visitors with a console. */
    charrnnDemo?: {
      benchmarkPredict: typeof benchmarkPredict;
      top1: typeof top1;
      lastReading: () => NameReading | null;
    };
  }
}
window.charrnnDemo = { benchmarkPredict, top1, lastReading: () => lastReading };

start().catch((error: unknown) => {
  showError(error);
  document.body.dataset['state'] = 'failed';
});

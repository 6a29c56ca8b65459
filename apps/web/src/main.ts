import * as tf from '@tensorflow/tfjs-core';
import { describeSelection, type BackendSelection } from '@charrnn/core';
import type { Tokenizer } from '@charrnn/tokenizer';
import { classifyNames, type ClassifierBundle, type NamePrediction } from '@charrnn/trainer';
import {
  activateBackend,
  hasWebGpu,
  isBackendName,
  predictionBackend,
  type BackendName,
  type PredictionChoice,
} from './backends.js';
import { assessConfidence } from './confidence.js';
import { byId, el, messageOf, percent } from './dom.js';
import { renderForgetting, type InfluenceRow } from './forgetting_view.js';
import { GeneratePanel, type GeneratedName, type GeneratePanelHost } from './generate_panel.js';
import { initialLang, LANGS, setLang, t, translate, type Lang } from './i18n.js';
import { renderMemory } from './memory_view.js';
import { FORGETTING_MODELS } from './model_files.js';
import {
  bundleFromFiles,
  downloadBundle,
  fetchZippedModel,
  instantiate,
  shippedModel,
  storedTrainedModel,
  type ModelSource,
} from './model_source.js';
import { readName, type NameReading } from './name_input.js';
import { prefixProbabilities } from './prefix_predictions.js';
import { renderPrefixes } from './prefix_view.js';
import { describeReading, renderBars } from './predict_view.js';
import {
  traceName,
  traceWeights,
  untraceableReason,
  type NameTrace,
  type TraceWeights,
} from './recurrent_trace.js';
import { TrainPanel, type TrainPanelHost } from './train_panel.js';
import './style.css';

/** A comparison model for "why the RNN forgets": only its float64 weights are kept. */
interface ComparisonModel {
  title: () => string;
  weights: TraceWeights;
  tokenizer: Tokenizer;
  labels: string[];
}

/** Page state: the active backend and model. */
interface State {
  choice: PredictionChoice;
  selection: BackendSelection | null;
  source: ModelSource | null;
  bundle: ClassifierBundle | null;
  comparisons: ComparisonModel[] | null;
  comparisonProblem: string | null;
  /** Why the requested backend was not kept although it started (it got the numbers wrong). */
  refusal: string | null;
}
const state: State = {
  choice: 'auto',
  selection: null,
  source: null,
  bundle: null,
  comparisons: null,
  comparisonProblem: null,
  refusal: null,
};

const ui = {
  lang: byId<HTMLSelectElement>('lang'),
  backend: byId<HTMLSelectElement>('backend'),
  backendActive: byId('backend-active'),
  backendNote: byId('backend-note'),
  error: byId('error'),
  examples: byId('examples'),
  knownTitle: byId('known-title'),
  knownLanguages: byId('known-languages'),
  name: byId<HTMLInputElement>('name'),
  reading: byId('reading'),
  summary: byId('summary'),
  modelInfo: byId('model-info'),
  latency: byId('latency'),
  bars: byId('bars'),
  prefix: byId('prefix'),
  memoryNote: byId('memory-note'),
  memory: byId('memory'),
  memoryTip: byId('memory-tip'),
  forgetting: byId('forgetting'),
  useShipped: byId<HTMLButtonElement>('use-shipped'),
  useTrained: byId<HTMLButtonElement>('use-trained'),
  download: byId<HTMLButtonElement>('download'),
  bundleDrop: byId('bundle-drop'),
  bundleFiles: byId<HTMLInputElement>('bundle-files'),
  bundleError: byId('bundle-error'),
};

function showError(error: unknown): void {
  ui.error.textContent = messageOf(error);
  ui.error.hidden = false;
}
function clearError(): void {
  ui.error.hidden = true;
  ui.error.textContent = '';
}

/** Errors about a model file, in plain words, next to the picker. */
function showBundleError(error: unknown): void {
  const message = messageOf(error).replace(/^\w*Error: /, '');
  ui.bundleError.textContent = t('bundleError', { message });
  ui.bundleError.hidden = false;
}

// ---------------------------------------------------------------- backend

function showBackend(requested: BackendName, selection: BackendSelection): void {
  ui.backendActive.textContent = `active backend: ${selection.name}`;
  ui.backendActive.dataset['backend'] = selection.name;
  const notes: string[] = [];
  const failed = selection.attempts.filter((a) => !a.ok && a.name === requested);
  if (selection.name !== requested && state.refusal === null)
    notes.push(
      `${requested} is not available in this browser (${failed[0]?.reason ?? 'unavailable'}); fell back to ${selection.name}.`,
    );
  else if (state.choice === 'auto' && selection.name === 'wasm')
    notes.push(
      'Predictions run on wasm: for a model this small it answers a keystroke in a millisecond or two, while WebGL takes 100 ms or more per keystroke and compiles its shaders again for each new name length (measured). Pick webgl to compare.',
    );
  if (state.refusal !== null) notes.push(state.refusal);
  ui.backendNote.textContent = notes.join(' ');
  ui.backendNote.hidden = notes.length === 0;
  console.info(describeSelection(selection));
}

/** Largest |probability difference| a backend may show against the float64 reference. */
const BACKEND_TOLERANCE = 1e-3;
/** Names a backend's predictions are checked on. */
const PROBE_NAMES = ['Schmidt', 'Nakamura', 'Abramowitz'];

/**
 * Largest difference between the model's probabilities on the active backend and the float64
 * recomputation (`recurrent_trace.ts`) on {@link PROBE_NAMES}, or `null` when the model cannot
 * be traced.
 */
function referenceDifference(bundle: ClassifierBundle): number | null {
  const weights = traceWeights(bundle.model);
  if (weights === null) return null;
  let worst = 0;
  for (const name of PROBE_NAMES) {
    const ids = bundle.tokenizer.encode(name);
    if (ids.length === 0) continue;
    const own = bundle.model.predictProba({
      ids,
      lengths: Int32Array.of(ids.length),
      batchSize: 1,
      maxLen: ids.length,
    });
    const reference = traceName(weights, ids).probabilities;
    own.forEach((p, c) => (worst = Math.max(worst, Math.abs(p - (reference[c] ?? NaN)))));
  }
  return worst;
}

/** Weights of the recurrent network in a bundle's manifest (the n-gram head runs in plain JS). */
function recurrentWeights(source: ModelSource): number {
  return (source.artifacts.weightSpecs ?? [])
    .filter((spec) => !spec.name.startsWith('ngram/'))
    .reduce((n, spec) => n + spec.shape.reduce((a, b) => a * b, 1), 0);
}

/**
 * Activates the backend `choice` resolves to for the current model, rebuilding the model on it
 * when it changes.
 */
async function applyBackend(choice: PredictionChoice, rebuild = false): Promise<void> {
  state.choice = choice;
  const requested = predictionBackend(choice, state.source === null ? 0 : recurrentWeights(state.source));
  const same = state.selection !== null && state.selection.name === requested;
  if (same && !rebuild && state.bundle !== null) {
    showBackend(requested, state.selection as BackendSelection);
    return;
  }
  ui.name.disabled = true;
  document.body.dataset['state'] = 'loading';
  try {
    state.bundle?.model.dispose();
    state.bundle = null;
    if (!same) state.selection = await activateBackend(requested);
    state.refusal = null;
    if (state.source !== null) state.bundle = await instantiate(state.source);
    // A backend is trusted only once it reproduces the float64 reference on a few names.
    const difference = state.bundle === null ? null : referenceDifference(state.bundle);
    if (difference !== null && difference > BACKEND_TOLERANCE && state.selection?.name !== 'wasm') {
      state.refusal = `${state.selection?.name ?? requested} is available, but its predictions differ from the float64 reference by up to ${difference.toFixed(3)} (a backend bug); predictions stay on wasm.`;
      document.body.dataset['refusedBackend'] = `${state.selection?.name ?? requested} ${difference}`;
      state.bundle?.model.dispose();
      state.selection = await activateBackend('wasm');
      state.bundle = state.source === null ? null : await instantiate(state.source);
    }
    showBackend(requested, state.selection as BackendSelection);
    refresh();
  } finally {
    ui.name.disabled = false;
    document.body.dataset['state'] = 'ready';
  }
}

// ---------------------------------------------------------------- prediction

let lastReading: NameReading | null = null;
let lastPrediction: NamePrediction | null = null;
/** Milliseconds from each input event to its prediction on screen (bars, summary, per-letter guesses). */
const keystrokes: { ms: number; paintedMs: number; backend: string; length: number }[] = [];

function describeSummary(bundle: ClassifierBundle, reading: NameReading, prediction: NamePrediction): string {
  const [first, second] = prediction.top;
  if (first === undefined) return '';
  const confidence = assessConfidence(
    bundle.model,
    reading.ids,
    prediction.top.map((p) => p.probability),
  );
  const n = bundle.labels.length;
  if (confidence.level === 'none')
    return confidence.unseenShare !== null && confidence.unseenShare >= 0.5
      ? t('noneOfThem', {
          n,
          share: percent(confidence.unseenShare, 0),
          label: first.label,
          p: percent(first.probability),
        })
      : t('lowConfidence', { n, label: first.label, p: percent(first.probability) });
  if (confidence.level === 'unsure' && second !== undefined)
    return t('unsure', {
      label: first.label,
      p: percent(first.probability),
      second: second.label,
      q: percent(second.probability),
    });
  return t('confident', { label: first.label, p: percent(first.probability) });
}

/** The current model's trace of the last name, shared by the memory and influence views. */
let lastTrace: { reading: NameReading; trace: NameTrace | null; problem: string | null } | null = null;

/** The memory view (first of the slower views). */
function renderMemoryView(): void {
  const bundle = state.bundle;
  const reading = lastReading;
  ui.memoryNote.textContent = `${t('memoryNote')} ${bundle?.model.ngramHead === undefined ? t('memoryNoteLast') : t('memoryNoteHead')}`;
  if (bundle === null || reading === null || reading.ids.length === 0) {
    lastTrace = null;
    renderMemory(ui.memory, ui.memoryTip, null, [], null);
    ui.memory.dataset['name'] = '';
    return;
  }
  const reason = untraceableReason(bundle.model);
  const weights = traceWeights(bundle.model);
  const trace = weights === null ? null : traceName(weights, reading.ids);
  lastTrace = { reading, trace, problem: reason };
  renderMemory(
    ui.memory,
    ui.memoryTip,
    trace,
    reading.symbols,
    reason === null ? null : t('noMemory', { reason }),
    // Each heatmap is drawn in its own task: no keystroke waits for all of them.
    (draw) => void setTimeout(draw, 0),
  );
  ui.memory.dataset['name'] = reading.name;
  ui.memory.dataset['cell'] = String(bundle.model.config.cell);
  if (trace !== null && lastPrediction !== null) {
    const byLabel = new Map(lastPrediction.top.map((p) => [p.label, p.probability]));
    let maxError = 0;
    bundle.labels.forEach((label, c) => {
      maxError = Math.max(maxError, Math.abs((byLabel.get(label) ?? NaN) - (trace.probabilities[c] ?? 0)));
    });
    ui.memory.append(
      el('p', {
        className: 'muted small memory-check',
        attrs: { 'data-max-error': maxError.toExponential(2) },
        text: `Recomputed step by step in float64 from the model's weights; agrees with the model's own probabilities to ${maxError.toExponential(1)}.`,
      }),
    );
  }
}

/** "Why the plain RNN forgets" (second of the slower views): the current model and the two comparisons. */
function renderForgettingView(): void {
  const bundle = state.bundle;
  const current = lastTrace;
  if (bundle === null || current === null || current.reading !== lastReading) {
    renderForgetting(ui.forgetting, []);
    return;
  }
  const { reading, trace, problem } = current;
  const rows: InfluenceRow[] = [
    {
      title: `${t('forgetCurrent')} (${String(bundle.model.config.cell)}${bundle.model.config.bidirectional === undefined ? '' : ', bidirectional'})`,
      trace,
      labels: bundle.labels,
      symbols: reading.symbols,
      ...(problem === null ? {} : { problem }),
    },
  ];
  if (state.comparisons === null)
    rows.push(
      {
        title: t('forgetRnn'),
        trace: null,
        labels: [],
        symbols: [],
        ...(state.comparisonProblem === null ? {} : { problem: state.comparisonProblem }),
      },
      { title: t('forgetLstm'), trace: null, labels: [], symbols: [] },
    );
  else
    for (const model of state.comparisons) {
      const ids = model.tokenizer.encode(reading.name);
      const symbols = Array.from(ids, (id) => model.tokenizer.decode([id]));
      rows.push({
        title: model.title(),
        trace: ids.length === 0 ? null : traceName(model.weights, ids),
        labels: model.labels,
        symbols,
      });
    }
  renderForgetting(ui.forgetting, rows);
}

/** Both slower views at once (after a model or language change). */
function renderDeepViews(): void {
  renderMemoryView();
  renderForgettingView();
}

/** How long each slower view took to compute and draw (ms), for the e2e's report. */
const viewTimes: { view: string; ms: number; at: number }[] = [];

function timed(view: string, draw: () => void): void {
  const start = performance.now();
  draw();
  viewTimes.push({ view, ms: performance.now() - start, at: start });
}

/**
 * Typing pause before the slower views are redrawn, and they are drawn in two separate tasks, so
 * that no keystroke holds the main thread long (the prediction itself is drawn at once).
 */
const DEEP_VIEWS_DELAY_MS = 90;
let deepTimer: ReturnType<typeof setTimeout> | undefined;

function scheduleDeepViews(): void {
  clearTimeout(deepTimer);
  deepTimer = setTimeout(() => {
    timed('memory', renderMemoryView);
    deepTimer = setTimeout(() => timed('forgetting', renderForgettingView), 0);
  }, DEEP_VIEWS_DELAY_MS);
}

/** Predicts the typed name and draws the fast views; the memory views follow in a later task. */
function refresh(): void {
  const bundle = state.bundle;
  if (bundle === null) return;
  const start = performance.now();
  const text = ui.name.value;
  const reading = text.trim().length === 0 ? null : readName(text, bundle.tokenizer);
  lastReading = reading;
  ui.reading.textContent = describeReading(reading);
  const classified =
    reading === null || reading.ids.length === 0
      ? null
      : (classifyNames(bundle, [reading.name], bundle.labels.length)[0] ?? null);
  // A name the model cannot read (no character of its alphabet) gets no bars; the line under the
  // input already says which characters it does not know.
  const prediction = classified === null || classified.unreadable !== undefined ? null : classified;
  lastPrediction = prediction;
  const predictMs = performance.now() - start;
  renderBars(ui.bars, prediction, bundle.labels);
  ui.bars.dataset['name'] = reading?.name ?? '';
  ui.summary.textContent =
    reading === null || prediction === null ? '' : describeSummary(bundle, reading, prediction);
  renderPrefixes(
    ui.prefix,
    reading?.symbols ?? [],
    reading === null ? [] : prefixProbabilities(bundle.model, reading.ids),
    bundle.labels,
  );
  const ms = performance.now() - start;
  ui.latency.textContent =
    prediction === null ? '' : t('predictedIn', { ms: predictMs.toFixed(2), backend: tf.getBackend() });
  if (prediction !== null) {
    const entry = { ms, paintedMs: NaN, backend: tf.getBackend(), length: reading?.ids.length ?? 0 };
    keystrokes.push(entry);
    // The frame that shows it: rendering starts once this callback runs.
    requestAnimationFrame(() => (entry.paintedMs = performance.now() - start));
  }
  scheduleDeepViews();
}

function describeModel(source: ModelSource, bundle: ClassifierBundle): void {
  const { cell, hiddenSize, embedDim, bidirectional } = bundle.model.config;
  const head = bundle.model.ngramHead;
  ui.modelInfo.textContent = t('modelInfo', {
    source: source.description,
    cell: `${String(cell)}${bidirectional === undefined ? '' : ` (bidirectional, ${bidirectional})`}`,
    hidden: hiddenSize,
    embed: embedDim,
    head:
      head === undefined ? '' : t('modelHead', { grams: head.size.toLocaleString('en-US'), n: head.maxN }),
    labels: bundle.labels.length,
  });
  ui.knownTitle.textContent = t('knownLanguages', { n: bundle.labels.length });
  ui.knownLanguages.textContent = bundle.labels.join(', ');
}

async function useModel(source: ModelSource): Promise<void> {
  const previous = state.source;
  state.source = source;
  try {
    // The backend first (wasm for a small model under auto), then the model is built on it once.
    await applyBackend(state.choice, true);
  } catch (error) {
    state.source = previous;
    if (previous !== null) await applyBackend(state.choice, true);
    throw error;
  }
  const bundle = state.bundle;
  if (bundle === null) return;
  describeModel(source, bundle);
  ui.download.disabled = false;
  ui.bundleError.hidden = true;
  refresh();
}

/** Loads the one-direction RNN and LSTM used by "why the RNN forgets" (their weights only). */
async function loadComparisons(): Promise<void> {
  const titles = { rnn: (): string => t('forgetRnn'), lstm: (): string => t('forgetLstm') };
  try {
    const loaded: ComparisonModel[] = [];
    for (const [cell, file] of Object.entries(FORGETTING_MODELS) as [
      keyof typeof FORGETTING_MODELS,
      string,
    ][]) {
      const bundle = await instantiate(await fetchZippedModel(file, cell));
      const weights = traceWeights(bundle.model);
      if (weights !== null)
        loaded.push({ title: titles[cell], weights, tokenizer: bundle.tokenizer, labels: bundle.labels });
      bundle.model.dispose();
    }
    state.comparisons = loaded;
  } catch (error) {
    state.comparisonProblem = messageOf(error);
  }
  renderDeepViews();
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

/** Each name's probabilities in label order with the current model (used by the e2e tests). */
function probabilities(names: string[]): number[][] {
  const bundle = state.bundle;
  if (bundle === null) throw new Error('no model loaded');
  return classifyNames(bundle, names, bundle.labels.length).map((p) => {
    const byLabel = new Map(p.top.map((t) => [t.label, t.probability]));
    return bundle.labels.map((label) => byLabel.get(label) ?? NaN);
  });
}

/** Top-1 label of each name with the current model (used by the e2e tests). */
function top1(names: string[]): string[] {
  const bundle = state.bundle;
  if (bundle === null) throw new Error('no model loaded');
  return classifyNames(bundle, names, 1).map((p) => p.top[0]?.label ?? '');
}

// ---------------------------------------------------------------- long tasks

/** Main-thread tasks over 50 ms (the Long Tasks API), for the e2e's "no stall over 100 ms". */
const longTasks: { start: number; duration: number }[] = [];
if (
  typeof PerformanceObserver !== 'undefined' &&
  PerformanceObserver.supportedEntryTypes.includes('longtask')
)
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      longTasks.push({ start: entry.startTime, duration: entry.duration });
  }).observe({ type: 'longtask', buffered: true });

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
  ui.bundleError.hidden = true;
  try {
    await useModel(await bundleFromFiles(files));
  } catch (error) {
    showBundleError(error);
  }
}

// ---------------------------------------------------------------- language

const EXAMPLES = [
  'Schmidt',
  'Dubois',
  'Kowalski',
  'Nguyen',
  "O'Brien",
  'Rossi',
  'Papadopoulos',
  'Nakamura',
  'Abramowitz-Kowalczykowski',
];

function applyLang(lang: Lang): void {
  setLang(lang);
  document.documentElement.lang = lang;
  ui.lang.value = lang;
  translate(document);
  if (state.source !== null && state.bundle !== null) describeModel(state.source, state.bundle);
  trainPanel?.retranslate();
  generatePanel?.retranslate();
  refresh();
}

// ---------------------------------------------------------------- start

/** Built once a backend is active (its cell check creates tensors, which would start tfjs's own pick). */
let trainPanel: TrainPanel | null = null;
const trainPanelHost: TrainPanelHost = {
  showError,
  clearError,
  predictionBackend: () => state.selection?.name ?? 'wasm',
  onSaved: () => {
    ui.useTrained.disabled = false;
    void storedTrainedModel()
      .then((source) => (source === null ? undefined : useModel(source)))
      .catch(showError);
  },
};

/** The "Generate names" panel; it asks the current classifier for its guess on each generated name. */
let generatePanel: GeneratePanel | null = null;
const generatePanelHost: GeneratePanelHost = {
  classify: (name) => {
    const bundle = state.bundle;
    if (bundle === null) return null;
    const top = classifyNames(bundle, [name], 1)[0]?.top[0];
    return top === undefined ? null : { label: top.label, probability: top.probability };
  },
};

async function start(): Promise<void> {
  const params = new URLSearchParams(location.search);
  applyLang(initialLang(location.search, navigator.languages));
  ui.lang.addEventListener('change', () => {
    const lang = LANGS.find((l) => l === ui.lang.value) ?? 'en';
    const url = new URL(location.href);
    url.searchParams.set('lang', lang);
    history.replaceState(null, '', url);
    applyLang(lang);
  });
  ui.examples.replaceChildren(
    ...EXAMPLES.map((name) => {
      const button = el('button', { className: 'example', text: name, attrs: { type: 'button' } });
      button.addEventListener('click', () => {
        ui.name.value = name;
        refresh();
        ui.name.focus();
      });
      return button;
    }),
  );
  if (hasWebGpu())
    ui.backend.append(el('option', { text: 'webgpu (experimental)', attrs: { value: 'webgpu' } }));
  ui.backend.addEventListener('change', () => {
    const requested = ui.backend.value;
    const choice = requested === 'auto' || isBackendName(requested) ? requested : 'auto';
    applyBackend(choice).catch(showError);
  });
  ui.name.addEventListener('input', () => {
    try {
      refresh();
    } catch (error) {
      showError(error);
    }
  });
  ui.useShipped.addEventListener('click', () => {
    shippedModel().then(useModel).catch(showBundleError);
  });
  ui.useTrained.addEventListener('click', () => {
    storedTrainedModel()
      .then((source) =>
        source === null ? showBundleError('No model trained in this browser yet.') : useModel(source),
      )
      .catch(showBundleError);
  });
  ui.download.addEventListener('click', () => {
    if (state.bundle !== null) downloadBundle(state.bundle).catch(showError);
  });
  ui.bundleFiles.addEventListener(
    'change',
    () => void loadBundleFiles(Array.from(ui.bundleFiles.files ?? [])),
  );
  wireDrop(ui.bundleDrop, (files) => void loadBundleFiles(files));

  const asked = params.get('backend') ?? 'auto';
  state.choice = asked === 'auto' || isBackendName(asked) ? asked : 'auto';
  ui.backend.value = state.choice;
  await useModel(await shippedModel());
  const panel = new TrainPanel(trainPanelHost);
  trainPanel = panel;
  panel.retranslate();
  wireDrop(byId('data-drop'), (files) => void panel.loadDataFiles(files));
  const generator = new GeneratePanel(generatePanelHost);
  generatePanel = generator;
  void generator.load();
  ui.useTrained.disabled = (await storedTrainedModel().catch(() => null)) === null;
  ui.name.disabled = false;
  ui.name.focus();
  document.body.dataset['state'] = 'ready';
  void loadComparisons();
}

declare global {
  interface Window {
    /** Hooks for the end-to-end tests and for curious visitors with a console. */
    charrnnDemo?: {
      benchmarkPredict: typeof benchmarkPredict;
      top1: typeof top1;
      probabilities: typeof probabilities;
      lastReading: () => NameReading | null;
      keystrokes: () => typeof keystrokes;
      longTasks: () => typeof longTasks;
      viewTimes: () => typeof viewTimes;
      generated: () => GeneratedName[];
    };
  }
}
window.charrnnDemo = {
  benchmarkPredict,
  top1,
  probabilities,
  lastReading: () => lastReading,
  keystrokes: () => keystrokes,
  longTasks: () => longTasks,
  viewTimes: () => viewTimes,
  generated: () => generatePanel?.generated() ?? [],
};

start().catch((error: unknown) => {
  showError(error);
  document.body.dataset['state'] = 'failed';
});

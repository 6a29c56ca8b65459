import { Rng } from '@charrnn/core';
import type { LabeledName } from '@charrnn/data';
import { CharClassifier, type ClassifierConfig } from '@charrnn/layers';
import { TrainingCurves } from './curves.js';
import { parseDroppedFiles, summarize } from './data_files.js';
import { byId, el, messageOf } from './dom.js';
import { t, type MessageKey } from './i18n.js';
import { storedTrainedModel, TRAINED_MODEL_URL } from './model_source.js';
import { renderReport } from './report_view.js';
import { buildTrainForm, readNumbers } from './train_form.js';
import type { TrainPhase, TrainRequest, WorkerEvent } from './train_protocol.js';

/** Smallest data the page trains on: fewer names cannot be split into training and validation. */
export const MIN_TRAIN_NAMES = 20;
/** Each label needs this many names (one goes to validation). */
export const MIN_NAMES_PER_LABEL = 3;

/** What the training panel needs from the page. */
export interface TrainPanelHost {
  showError(error: unknown): void;
  clearError(): void;
  /** A run finished and saved its model (to {@link TRAINED_MODEL_URL}). */
  onSaved(): void;
  /** The backend predictions run on (for the note under the training backend). */
  predictionBackend(): string;
}

const PHASES: readonly TrainPhase[] = ['recurrent', 'ngram', 'evaluation', 'save'];
const PHASE_TEXT: Record<TrainPhase, MessageKey> = {
  recurrent: 'phaseRecurrent',
  ngram: 'phaseNgram',
  evaluation: 'phaseEvaluation',
  save: 'phaseSave',
};

function seconds(s: number): string {
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** Why `items` is too little to train on, or `null`. */
export function tooLittleData(items: readonly LabeledName[]): string | null {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item.label, (counts.get(item.label) ?? 0) + 1);
  const small = [...counts].filter(([, n]) => n < MIN_NAMES_PER_LABEL);
  if (items.length >= MIN_TRAIN_NAMES && counts.size >= 2 && small.length === 0) return null;
  const found = `${items.length} name${items.length === 1 ? '' : 's'} in ${counts.size} label${counts.size === 1 ? '' : 's'}${
    small.length > 0 ? `; ${small.map(([label, n]) => `${label}: ${n}`).join(', ')}` : ''
  }`;
  return t('tooFewNames', { found, names: MIN_TRAIN_NAMES, perLabel: MIN_NAMES_PER_LABEL });
}

/**
 * "Train in your browser": the form (checked with the CLI's limits and messages), the data
 * picker, a confirmation before a saved model is replaced, the run in a Web Worker with its
 * phases (recurrent training, n-gram fit, evaluation, saving), elapsed time and ETA, the curves
 * (the recurrent network's validation accuracy per epoch, then the saved model's), Stop, and the
 * report.
 */
export class TrainPanel {
  private readonly form = byId<HTMLFormElement>('train-form');
  private readonly start = byId<HTMLButtonElement>('train-start');
  private readonly stop = byId<HTMLButtonElement>('train-stop');
  private readonly status = byId('train-status');
  private readonly phases = byId('phases');
  private readonly report = byId('report');
  private readonly confirmBox = byId('train-confirm');
  private readonly dataSummary = byId('data-summary');
  private readonly curvesNote = byId('curves-note');
  private readonly curves: TrainingCurves;
  private worker: Worker | null = null;
  /** Stop was pressed during the current run. */
  private stopping = false;
  private droppedItems: LabeledName[] | null = null;

  constructor(private readonly host: TrainPanelHost) {
    buildTrainForm(this.form);
    this.detectCells();
    this.curves = new TrainingCurves(byId('loss-chart'), byId('acc-chart'));
    this.start.addEventListener('click', () => void this.requestStart());
    this.stop.addEventListener('click', () => {
      this.worker?.postMessage({ type: 'stop' });
      this.stopping = true;
      this.status.textContent = 'stopping after the current step…';
    });
    byId<HTMLInputElement>('data-files').addEventListener('change', (event) => {
      void this.loadDataFiles(Array.from((event.target as HTMLInputElement).files ?? []));
    });
    this.form.addEventListener('input', (event) => {
      // Re-check a field once it has been refused, as the visitor corrects it.
      if ((event.target as HTMLElement).getAttribute('aria-invalid') === 'true') readNumbers(this.form);
      this.updateBackendNote();
    });
    this.form.addEventListener('submit', (event) => event.preventDefault());
    byId('train-confirm-no').addEventListener('click', () => {
      this.confirmBox.hidden = true;
      this.start.focus();
    });
    this.updateBackendNote();
  }

  /** Data files dropped on the panel's drop zone. */
  async loadDataFiles(files: File[]): Promise<void> {
    this.host.clearError();
    try {
      const parsed = await parseDroppedFiles(files);
      this.droppedItems = parsed.corpus.items;
      this.dataSummary.textContent = `${summarize(parsed)}\nlabels: ${parsed.corpus.labels.join(', ')}`;
      const filesChoice = this.form.querySelector<HTMLInputElement>('input[name="data"][value="files"]');
      if (filesChoice) filesChoice.checked = true;
    } catch (error) {
      this.droppedItems = null;
      this.dataSummary.textContent = '';
      this.host.showError(error);
    }
  }

  /** Updates the translated texts. */
  retranslate(): void {
    this.updateBackendNote();
    byId('train-confirm-text').textContent = t('confirmReplace');
  }

  private updateBackendNote(): void {
    const note = byId('train-webgl-note');
    const backend = this.form.querySelector<HTMLSelectElement>('#train-backend')?.value;
    note.hidden = backend !== 'webgl';
    note.textContent = t('trainWebglNote', { backend: this.host.predictionBackend() });
  }

  /** Cells the installed `@charrnn/layers` accepts, found by trying to build a tiny model. */
  private detectCells(): void {
    const candidates = [
      { cell: 'rnn', title: 'tutorial RNN (tanh)' },
      { cell: 'lstm', title: 'LSTM' },
      { cell: 'gru', title: 'GRU' },
    ];
    byId<HTMLSelectElement>('cell').replaceChildren(
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

  /** Checks the form and the data, asks before replacing a saved model, then starts. */
  private async requestStart(): Promise<void> {
    this.host.clearError();
    const numbers = readNumbers(this.form);
    if (numbers === null) return;
    const useFiles =
      this.form.querySelector<HTMLInputElement>('input[name="data"][value="files"]')?.checked === true;
    if (useFiles && this.droppedItems === null) {
      this.host.showError('Drop or pick training files first (or choose the embedded corpus).');
      return;
    }
    if (useFiles && this.droppedItems !== null) {
      const problem = tooLittleData(this.droppedItems);
      if (problem !== null) {
        this.host.showError(problem);
        return;
      }
    }
    const value = (id: string): string =>
      this.form.querySelector<HTMLSelectElement | HTMLInputElement>(`#${id}`)?.value ?? '';
    const request: TrainRequest = {
      type: 'train',
      cell: value('cell'),
      hiddenSize: numbers.hidden,
      embedDim: numbers.embed,
      epochs: numbers.epochs,
      batchSize: numbers.batch,
      learningRate: numbers.lr,
      seed: 1,
      backend: value('train-backend'),
      alphabet: value('alphabet') === 'unicode' ? 'unicode' : 'tutorial',
      ngram: this.form.querySelector<HTMLInputElement>('#ngram')?.checked === true,
      items: useFiles ? this.droppedItems : null,
      saveTo: TRAINED_MODEL_URL,
    };
    if ((await storedTrainedModel().catch(() => null)) !== null) {
      byId('train-confirm-text').textContent = t('confirmReplace');
      this.confirmBox.hidden = false;
      const yes = byId<HTMLButtonElement>('train-confirm-yes');
      yes.focus();
      yes.onclick = (): void => {
        this.confirmBox.hidden = true;
        this.run(request);
      };
      return;
    }
    this.run(request);
  }

  private renderPhases(active: TrainPhase | null, skipped: ReadonlySet<TrainPhase>, done: boolean): void {
    const at = active === null ? (done ? PHASES.length : -1) : PHASES.indexOf(active);
    this.phases.replaceChildren(
      ...PHASES.map((phase, i) => {
        const state = skipped.has(phase) ? 'skipped' : i < at ? 'done' : i === at ? 'active' : 'pending';
        return el('li', {
          className: `phase ${state}`,
          attrs: {
            'data-phase': phase,
            'data-state': state,
            ...(state === 'active' ? { 'aria-current': 'step' } : {}),
          },
          text: `${t(PHASE_TEXT[phase])}${state === 'skipped' ? ' (skipped)' : state === 'done' ? ' ✓' : ''}`,
        });
      }),
    );
  }

  private run(request: TrainRequest): void {
    this.worker?.terminate();
    const worker = new Worker(new URL('./train_worker.ts', import.meta.url), { type: 'module' });
    this.worker = worker;
    this.curves.reset();
    this.report.replaceChildren();
    this.curvesNote.textContent = '';
    this.start.disabled = true;
    this.stop.disabled = false;
    this.status.textContent = 'starting the worker…';
    document.body.dataset['training'] = 'running';
    document.body.dataset['lossPoints'] = '0';
    delete document.body.dataset['resumedFrom'];
    this.stopping = false;
    const began = performance.now();
    let phase: TrainPhase | null = null;
    let phaseBegan = began;
    const skipped = new Set<TrainPhase>();
    let backendName = '';
    let totalSteps = 0;
    let lastStep = 0;
    /** The step the run started from (0, or where a resumed run continues). */
    let firstStep: number | null = null;
    let recurrentAccuracy: number | null = null;
    const elapsed = (): string => t('elapsed', { s: seconds((performance.now() - began) / 1000) });
    const finish = (): void => {
      this.start.disabled = false;
      this.stop.disabled = true;
      worker.terminate();
      if (this.worker === worker) this.worker = null;
    };
    const enter = (next: TrainPhase, skip: boolean): void => {
      if (skip) skipped.add(next);
      else {
        phase = next;
        phaseBegan = performance.now();
      }
      this.renderPhases(phase, skipped, false);
    };
    worker.onmessage = (message: MessageEvent<WorkerEvent>): void => {
      const event = message.data;
      switch (event.type) {
        case 'backend':
          backendName = event.name;
          this.status.textContent = `training on ${event.name}…`;
          break;
        case 'data':
          totalSteps = event.totalSteps;
          this.status.textContent = `training on ${backendName}: ${event.train} names (${event.source}), ${event.labels.length} labels, ${event.val} held out for validation`;
          break;
        case 'phase':
          enter(event.phase, event.skipped === true);
          if (event.phase === 'ngram' && event.skipped !== true) {
            // The fit reads every name's n-grams for 20 passes: about 0.5 ms a name here.
            const estimate = ((event.names ?? 0) * 0.5) / 1000;
            this.status.textContent = `${this.stopping ? 'recurrent training stopped; ' : ''}${t('phaseNgram')} on ${event.names ?? 0} names · ${elapsed()} · ${t('eta', { s: seconds(estimate) })}`;
            if (this.stopping) document.body.dataset['training'] = 'finishing';
          }
          if (event.phase === 'evaluation' && !skipped.has('evaluation'))
            this.status.textContent = `${t('phaseEvaluation')} · ${elapsed()}`;
          if (event.phase === 'save') this.status.textContent = `${t('phaseSave')} · ${elapsed()}`;
          break;
        case 'step': {
          firstStep ??= event.step - 1;
          lastStep = event.step;
          this.curves.addLoss(event.step, event.loss);
          const spent = (performance.now() - phaseBegan) / 1000;
          const left = (spent / Math.max(1, event.step - firstStep)) * (totalSteps - event.step);
          this.status.textContent = `${t('phaseRecurrent')}: step ${event.step}/${totalSteps} · loss ${event.loss.toFixed(3)} · ${Math.round(event.namesPerSecond).toLocaleString('en-US')} names/s on ${backendName} · ${elapsed()} · ${t('eta', { s: seconds(left) })}`;
          document.body.dataset['lossPoints'] = String(this.curves.lossPoints);
          break;
        }
        case 'epoch':
          if (event.valAccuracy !== null) {
            recurrentAccuracy = event.valAccuracy;
            this.curves.addAccuracy(event.step, event.valAccuracy);
          }
          break;
        case 'resumed':
          this.status.textContent = `continuing the stopped run with these settings from step ${event.step}/${event.totalSteps}…`;
          document.body.dataset['resumedFrom'] = String(event.step);
          break;
        case 'ngram':
          this.status.textContent = `n-gram model: ${event.grams.toLocaleString('en-US')} n-grams fitted in ${event.seconds.toFixed(1)} s`;
          break;
        case 'done': {
          const how = event.stopped === 'aborted' ? 'stopped' : 'done';
          const total = (performance.now() - began) / 1000;
          this.renderPhases(null, skipped, true);
          this.status.textContent = `${how}: ${event.steps} steps, ${event.namesTrained.toLocaleString('en-US')} names in ${event.trainSeconds.toFixed(1)} s of recurrent training (${Math.round(event.namesPerSecond).toLocaleString('en-US')} names/s on ${backendName}); ${seconds(total)} in all; saved in this browser (IndexedDB)`;
          this.status.dataset['namesPerSecond'] = String(event.namesPerSecond);
          this.status.dataset['totalSeconds'] = total.toFixed(2);
          if (event.report !== null) {
            // The saved model's own point (recurrent network + n-gram head when fitted).
            this.curves.addSavedAccuracy(lastStep, event.report.accuracy);
            renderReport(this.report, event.report);
            this.curvesNote.textContent =
              recurrentAccuracy === null || skipped.has('ngram')
                ? `Validation accuracy of the saved model: ${(100 * event.report.accuracy).toFixed(1)}%.`
                : `The line is the recurrent network alone after each epoch (last: ${(100 * recurrentAccuracy).toFixed(1)}%); the square is the saved model, the network mixed with the n-gram model: ${(100 * event.report.accuracy).toFixed(1)}% — the figure in the report below.`;
          }
          finish();
          document.body.dataset['training'] = how;
          this.host.onSaved();
          break;
        }
        case 'error':
          this.host.showError(`Training failed: ${event.message}`);
          this.status.textContent = 'failed';
          document.body.dataset['training'] = 'failed';
          finish();
          break;
      }
    };
    worker.onerror = (event): void => {
      this.host.showError(`Training worker error: ${event.message}`);
      document.body.dataset['training'] = 'failed';
      finish();
    };
    this.renderPhases(null, skipped, false);
    worker.postMessage(request);
  }
}

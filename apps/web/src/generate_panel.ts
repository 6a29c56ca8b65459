import * as tf from '@tensorflow/tfjs-core';
import { UNK_ID } from '@charrnn/tokenizer';
import { loadGeneratorBundle, sampleStream, type GeneratorBundle } from '@charrnn/trainer';
import { byId, el, messageOf, percent } from './dom.js';
import { renderExpectations } from './generate_view.js';
import { expectationColumns, replayGeneration } from './generation_steps.js';
import { t } from './i18n.js';
import { GENERATOR_MODEL } from './model_files.js';
import { fetchZippedModel, type ModelSource } from './model_source.js';

/** What the generate panel needs from the page. */
export interface GeneratePanelHost {
  /** The page's classifier's guess for a name, or `null` when no classifier is ready. */
  classify(name: string): { label: string; probability: number } | null;
}

/** One name of the last run (for the e2e tests and the console). */
export interface GeneratedName {
  text: string;
  label: string;
  prime: string;
  seed: number;
  /** Whether the model ended it (EOS) rather than {@link MAX_GENERATED}. */
  ended: boolean;
  /** DOM updates while it streamed in (the prime is one). */
  updates: number;
}

/** Most characters generated after the prime. */
export const MAX_GENERATED = 20;
/**
 * Pause between characters (ms): each one is drawn in its own task, so sampling never holds the
 * main thread (one step of the stepper takes microseconds), and the reader sees the name being
 * written.
 */
export const STREAM_DELAY_MS = 35;
/** Limits of the numeric fields. */
const LIMITS = {
  count: { min: 1, max: 20 },
  seed: { min: 0, max: 1_000_000 },
} as const;
/** Seeds of the names of one run: name `i` of seed `s` uses `s × SEED_STRIDE + i`. */
const SEED_STRIDE = 100;
/** Language offered first, when the generator knows it. */
const DEFAULT_LABEL = 'Italian';

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * "Generate names": a language, a temperature, a count and a seed; Generate streams names in one
 * character at a time from `sampleStream` (one character per task); "complete my name" primes
 * the generator with a typed start. Each finished name gets the page classifier's guess and
 * whether it is one of the generator's training names; the last one gets the chart of what
 * the model expected at each step.
 */
export class GeneratePanel {
  private readonly ui = {
    info: byId('gen-info'),
    label: byId<HTMLSelectElement>('gen-label'),
    temperature: byId<HTMLInputElement>('gen-temperature'),
    temperatureValue: byId<HTMLOutputElement>('gen-temperature-value'),
    count: byId<HTMLInputElement>('gen-count'),
    seed: byId<HTMLInputElement>('gen-seed'),
    start: byId<HTMLButtonElement>('gen-start'),
    prefix: byId<HTMLInputElement>('gen-prefix'),
    complete: byId<HTMLButtonElement>('gen-complete'),
    problem: byId('gen-problem'),
    status: byId('gen-status'),
    names: byId<HTMLOListElement>('gen-names'),
    chart: byId<HTMLOListElement>('gen-chart'),
  };
  private source: ModelSource | null = null;
  private bundle: GeneratorBundle | null = null;
  /** The tfjs backend `bundle` was built on (rebuilt when the page switches). */
  private builtOn = '';
  private running = false;
  private loadProblem: string | null = null;
  private last: GeneratedName[] = [];
  private chartName: {
    name: string;
    prime: string;
    generated: string;
    ended: boolean;
    label: string;
  } | null = null;
  private doneSummary: (() => string) | null = null;

  constructor(private readonly host: GeneratePanelHost) {
    const { ui } = this;
    ui.temperature.addEventListener('input', () => this.showTemperature());
    ui.start.addEventListener('click', () => void this.generate(''));
    ui.complete.addEventListener('click', () => {
      const prefix = ui.prefix.value.trim();
      if (prefix.length === 0) {
        this.showProblem(t('generateNeedPrefix'));
        ui.prefix.focus();
        return;
      }
      void this.generate(prefix);
    });
    ui.prefix.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') ui.complete.click();
    });
    ui.prefix.addEventListener('input', () => this.checkPrefix());
    this.showTemperature();
    this.retranslate();
  }

  /** Downloads the shipped generator and fills the language list. */
  async load(): Promise<void> {
    this.ui.info.textContent = t('generateLoading');
    try {
      this.source = await fetchZippedModel(GENERATOR_MODEL, 'shipped generator');
      const bundle = await this.ready();
      const preferred = bundle.labels.includes(DEFAULT_LABEL) ? DEFAULT_LABEL : bundle.labels[0];
      this.ui.label.replaceChildren(
        ...bundle.labels.map((label) => el('option', { text: label, attrs: { value: label } })),
      );
      if (preferred !== undefined) this.ui.label.value = preferred;
      this.ui.label.disabled = false;
      this.setBusy(false);
    } catch (error) {
      this.loadProblem = messageOf(error);
    }
    this.retranslate();
  }

  /** Texts that depend on the page language. */
  retranslate(): void {
    const { ui } = this;
    const metrics = this.bundle?.metadata?.metrics;
    const bpc = metrics?.['val_bpc'];
    const config = this.bundle?.model.config;
    ui.info.textContent =
      this.loadProblem !== null
        ? t('generateFailed', { message: this.loadProblem })
        : config === undefined
          ? t('generateLoading')
          : t('generateInfo', {
              // The tutorial's generator reads one-hot letters and categories: no embeddings.
              cell: 'architecture' in config ? 'TUTORIAL RNN' : String(config.cell).toUpperCase(),
              hidden: config.hiddenSize,
              embed: 'architecture' in config ? 0 : config.embedDim,
              labelEmbed: 'architecture' in config ? 0 : (config.labelEmbedDim ?? 0),
              labels: this.bundle?.labels.length ?? 0,
              bpc: typeof bpc === 'number' ? bpc.toFixed(2) : '?',
            });
    ui.names.setAttribute('aria-label', t('generateNamesLabel'));
    if (this.doneSummary !== null && !this.running) ui.status.textContent = this.doneSummary();
    this.drawChart();
    this.checkPrefix();
  }

  /** The names of the last run (for the e2e tests). */
  generated(): GeneratedName[] {
    return this.last.map((n) => ({ ...n }));
  }

  /** The generator on the page's current backend (rebuilt from the same bytes after a switch). */
  private async ready(): Promise<GeneratorBundle> {
    if (this.bundle !== null && this.builtOn === tf.getBackend()) return this.bundle;
    const source = this.source;
    if (source === null) throw new Error('the generator is not loaded');
    this.bundle?.model.dispose();
    this.bundle = null;
    const bundle = await loadGeneratorBundle({ load: () => Promise.resolve(source.artifacts) });
    this.bundle = bundle;
    this.builtOn = tf.getBackend();
    return bundle;
  }

  private showTemperature(): void {
    this.ui.temperatureValue.value = Number(this.ui.temperature.value).toFixed(1);
  }

  private showProblem(message: string | null): void {
    this.ui.problem.textContent = message ?? '';
    this.ui.problem.hidden = message === null;
  }

  /** Says which typed characters the generator cannot read; returns whether the prefix is usable. */
  private checkPrefix(): boolean {
    const bundle = this.bundle;
    const prefix = this.ui.prefix.value.trim();
    if (bundle === null || prefix.length === 0) {
      this.showProblem(null);
      return prefix.length > 0;
    }
    const normalized = [...bundle.tokenizer.normalize(prefix)];
    const ids = bundle.tokenizer.encode(prefix);
    const unknown = [...new Set(normalized.filter((_, i) => ids[i] === UNK_ID))];
    this.showProblem(unknown.length === 0 ? null : t('generateUnknown', { chars: unknown.join(' ') }));
    return unknown.length === 0;
  }

  private readInteger(
    input: HTMLInputElement,
    field: string,
    limits: { min: number; max: number },
  ): number | null {
    const value = Number(input.value);
    const ok =
      input.value.trim() !== '' && Number.isInteger(value) && value >= limits.min && value <= limits.max;
    input.setAttribute('aria-invalid', String(!ok));
    if (!ok) {
      this.showProblem(t('generateBadNumber', { field, ...limits }));
      input.focus();
      return null;
    }
    return value;
  }

  private setBusy(busy: boolean): void {
    this.running = busy;
    this.ui.start.disabled = busy || this.source === null;
    this.ui.complete.disabled = busy || this.source === null;
  }

  /** One run: `count` names for the chosen language, each streamed in, then the chart of the last. */
  private async generate(prime: string): Promise<void> {
    if (this.running || this.source === null) return;
    const { ui } = this;
    this.showProblem(null);
    const count = this.readInteger(ui.count, t('generateCount'), LIMITS.count);
    const seed = count === null ? null : this.readInteger(ui.seed, t('generateSeed'), LIMITS.seed);
    if (count === null || seed === null) return;
    if (prime.length > 0 && !this.checkPrefix()) return;
    const label = ui.label.value;
    const temperature = Number(ui.temperature.value);
    this.setBusy(true);
    document.body.dataset['generating'] = 'running';
    const values = { count, label, temperature: temperature.toFixed(1), seed };
    ui.status.textContent = t('generateRunning', values);
    ui.names.replaceChildren();
    this.last = [];
    try {
      const bundle = await this.ready();
      const normalizedPrime = bundle.tokenizer.normalize(prime);
      for (let i = 0; i < count; i++) {
        const nameSeed = seed * SEED_STRIDE + i;
        const text = el('span', { className: 'gen-text' });
        const item = el('li', { attrs: { 'data-seed': String(nameSeed) }, children: [text] });
        ui.names.append(item);
        let written = '';
        let updates = 0;
        let generatedChars = 0;
        for await (const piece of sampleStream(bundle, {
          label,
          temperature,
          prime,
          seed: nameSeed,
          maxLength: MAX_GENERATED,
        })) {
          written += piece;
          if (updates > 0 || normalizedPrime.length === 0) generatedChars++;
          text.textContent = written;
          updates++;
          await pause(STREAM_DELAY_MS);
        }
        const ended = generatedChars < MAX_GENERATED;
        const name: GeneratedName = {
          text: written,
          label,
          prime: normalizedPrime,
          seed: nameSeed,
          ended,
          updates,
        };
        this.last.push(name);
        this.finishName(item, bundle, name);
        this.chartName = {
          name: written,
          prime: normalizedPrime,
          generated: written.slice(normalizedPrime.length),
          ended,
          label,
        };
        this.drawChart();
      }
      ui.seed.value = String(Math.min(seed + 1, LIMITS.seed.max));
      const names = this.last.map((n) => n.text);
      this.doneSummary = (): string => t('generateDone', { ...values, names: names.join(', ') });
      ui.status.textContent = this.doneSummary();
      document.body.dataset['generating'] = 'done';
    } catch (error) {
      ui.status.textContent = messageOf(error);
      document.body.dataset['generating'] = 'failed';
    } finally {
      this.setBusy(false);
    }
  }

  /** Tags a finished name: the classifier's guess, and whether the generator saw it in training. */
  private finishName(item: HTMLElement, bundle: GeneratorBundle, name: GeneratedName): void {
    item.dataset['done'] = 'true';
    item.dataset['ended'] = String(name.ended);
    const tags: HTMLElement[] = [];
    const seen = bundle.novelty?.has(bundle.tokenizer.normalize(name.text));
    if (seen !== undefined)
      tags.push(
        el('span', {
          className: seen ? 'gen-tag seen' : 'gen-tag new',
          text: seen ? t('generateSeen') : t('generateNew'),
        }),
      );
    if (!name.ended)
      tags.push(el('span', { className: 'gen-tag', text: t('generateCut', { n: MAX_GENERATED }) }));
    const guess = this.host.classify(name.text);
    if (guess !== null)
      tags.push(
        el('span', {
          className: guess.label === name.label ? 'gen-tag agrees' : 'gen-tag',
          attrs: { 'data-guess': guess.label },
          text: t('generateGuess', { label: guess.label, p: percent(guess.probability, 0) }),
        }),
      );
    item.append(...tags);
  }

  private drawChart(): void {
    const bundle = this.bundle;
    const last = this.chartName;
    if (bundle === null || last === null) {
      renderExpectations(this.ui.chart, '', []);
      return;
    }
    const steps = replayGeneration(bundle, last.label, last.prime, last.generated, last.ended);
    const columns = expectationColumns(steps, (id) => bundle.tokenizer.decode([id]));
    renderExpectations(this.ui.chart, last.name, columns);
  }
}

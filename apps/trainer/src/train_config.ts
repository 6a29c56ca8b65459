import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, InvalidConfigError } from '@charrnn/core';
import { MAX_NGRAM, type CellType } from '@charrnn/layers';
import { MONITOR_METRICS, TRAIN_LIMITS as L, type MonitorMetric } from '@charrnn/trainer';
import { LineCounter, parseDocument, isMap, isScalar } from 'yaml';
import { z } from 'zod';
import { BACKEND_CHOICES, type BackendChoice } from './backend.js';
import { parseChoice, parseInteger, parseNumber, type Where } from './options.js';

/**
 * Validated configuration of one `charrnn train` run, saved as `config.json` in the run
 * directory and in every checkpoint. Keys are the flags' names in snake_case; a `--config` file
 * uses the same keys (kebab-case also accepted).
 */
export interface TrainConfig {
  data: string | null;
  val: string | null;
  test: string | null;
  out: string;
  force: boolean;
  cell: CellType;
  layers: number;
  bidirectional: 'concat' | 'sum' | null;
  dropout: number;
  recurrent_dropout: number;
  reset_after: boolean;
  hidden: number;
  embed: number;
  epochs: number | null;
  iters: number | null;
  batch: number;
  optimizer: 'sgd' | 'adam';
  lr: number;
  momentum: number;
  clip: number;
  sampler: 'tutorial' | 'shuffle' | 'bucket' | 'balanced';
  alphabet: 'tutorial' | 'unicode';
  seed: number;
  /** Members of a seed ensemble (seeds seed, seed + 1, ...) averaged into one model; 1: a single model. */
  ensemble: number;
  backend: BackendChoice;
  schedule: 'constant' | 'step' | 'cosine';
  lr_step: number;
  lr_gamma: number;
  min_lr: number;
  warmup: number;
  plateau: number | null;
  plateau_factor: number;
  monitor: MonitorMetric;
  early_stop: number | null;
  restore_best: boolean;
  class_weight: 'none' | 'auto' | 'sqrt';
  label_smoothing: number;
  /** τ of the logit adjustment applied after training (0: none), or `'auto'`: chosen on val. */
  logit_adjust: number | 'auto';
  /** Longest n-gram of the n-gram head mixed into the model (n-grams of 1 to `ngram` tokens); 0: no head. */
  ngram: number;
  /** Mixture weight of the n-gram head: logits = (1 − w)·recurrent + w·n-gram. */
  ngram_weight: number;
}

/** Config keys that hold paths (resolved against the config file's directory when read from one). */
const PATH_KEYS = ['data', 'val', 'test', 'out'] as const;

/**
 * The default recipe: what `charrnn train --data train.tsv --val val.tsv` does without further
 * flags (chosen on the names-split validation set; see the README).
 */
export const TRAIN_DEFAULTS = {
  force: false,
  cell: 'gru',
  layers: 1,
  bidirectional: 'concat',
  dropout: 0.3,
  recurrent_dropout: 0.1,
  reset_after: false,
  hidden: 128,
  embed: 64,
  epochs: 15,
  batch: 64,
  optimizer: 'adam',
  momentum: 0.9,
  clip: 5,
  sampler: 'shuffle',
  alphabet: 'tutorial',
  seed: 42,
  ensemble: 1,
  backend: 'auto',
  schedule: 'cosine',
  lr_step: 5,
  lr_gamma: 0.5,
  min_lr: 0,
  warmup: 0,
  plateau_factor: 0.5,
  monitor: 'macro_f1',
  restore_best: true,
  class_weight: 'none',
  label_smoothing: 0,
  logit_adjust: 0.4,
  ngram: 5,
  ngram_weight: 0.5,
} as const satisfies Partial<TrainConfig>;

/** Default τ of the logit adjustment for a recurrent model alone (`--ngram none`). */
export const LOGIT_ADJUST_WITHOUT_NGRAM = 0.25;

/** Default learning rate per optimizer when `--lr` is not given. */
export const DEFAULT_LR = { sgd: 0.01, adam: 0.003 } as const;

/** Every key a config file may hold (the keys of {@link TrainConfig}), in `--help` order. */
const CONFIG_KEYS = [
  'data',
  'val',
  'test',
  'out',
  'force',
  'cell',
  'layers',
  'bidirectional',
  'dropout',
  'recurrent_dropout',
  'reset_after',
  'hidden',
  'embed',
  'epochs',
  'iters',
  'batch',
  'optimizer',
  'lr',
  'momentum',
  'clip',
  'sampler',
  'alphabet',
  'seed',
  'ensemble',
  'backend',
  'schedule',
  'lr_step',
  'lr_gamma',
  'min_lr',
  'warmup',
  'plateau',
  'plateau_factor',
  'monitor',
  'early_stop',
  'restore_best',
  'class_weight',
  'label_smoothing',
  'logit_adjust',
  'ngram',
  'ngram_weight',
] as const satisfies readonly (keyof TrainConfig)[];

type ConfigKey = keyof TrainConfig;
// Compile-time check: CONFIG_KEYS lists every key of TrainConfig.
const _everyKeyListed: [Exclude<ConfigKey, (typeof CONFIG_KEYS)[number]>] extends [never] ? true : false =
  true;

/** The flag that sets each key on the command line: `recurrent_dropout` → `--recurrent-dropout`. */
export const CONFIG_FLAGS = Object.fromEntries(
  CONFIG_KEYS.map((key) => [key, `--${key.replaceAll('_', '-')}`]),
) as Readonly<Record<ConfigKey, string>>;

/** commander's camelCase attribute name of a config key (`recurrent_dropout` → `recurrentDropout`). */
export function attributeOf(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** A scalar a config file may give for a key. */
const fileValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** Shape of a config file: one object of known keys with scalar values (ranges are checked later). */
const fileSchema = z.strictObject(
  Object.fromEntries(CONFIG_KEYS.map((key) => [key, fileValue.optional()])) as Record<
    ConfigKey,
    z.ZodOptional<typeof fileValue>
  >,
);

/** Values read from a `--config` file, by snake_case key, with the line each is on (YAML). */
export interface ConfigFile {
  file: string;
  values: Partial<Record<ConfigKey, string | number | boolean | null>>;
  lines: Partial<Record<ConfigKey, number>>;
}

/** Largest config file read (a config is a few hundred bytes). */
const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * Reads and checks the shape of a JSON (`.json`) or YAML (`.yaml`, `.yml`, anything else) config
 * file. Keys may be snake_case (`recurrent_dropout`) or kebab-case (`recurrent-dropout`); path
 * values are resolved against the file's directory. Every error names the file and the key.
 */
export async function readConfigFile(file: string): Promise<ConfigFile> {
  let text: string;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new InvalidConfigError('not a regular file', { file, field: '--config' });
    if (info.size > MAX_CONFIG_BYTES)
      throw new InvalidConfigError(
        `is ${info.size} bytes; a config file may hold at most ${MAX_CONFIG_BYTES}`,
        {
          file,
        },
      );
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof InvalidConfigError) throw error;
    throw new InvalidConfigError(`cannot read the config file: ${(error as Error).message}`, {
      file,
      field: '--config',
      cause: error,
    });
  }
  const lines: Partial<Record<ConfigKey, number>> = {};
  let raw: unknown;
  if (file.toLowerCase().endsWith('.json')) {
    try {
      raw = JSON.parse(text) as unknown;
    } catch (error) {
      throw new InvalidConfigError(`is not valid JSON: ${(error as Error).message}`, { file, cause: error });
    }
  } else {
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
    const first = doc.errors[0];
    if (first !== undefined) {
      const line = first.linePos?.[0].line;
      const what = (first.message.split('\n')[0] ?? first.message).replace(/ at line \d+, column \d+:?$/, '');
      throw new InvalidConfigError(`is not valid YAML: ${what}`, {
        file,
        ...(line === undefined ? {} : { line }),
      });
    }
    raw = doc.toJS() as unknown;
    if (isMap(doc.contents)) {
      for (const pair of doc.contents.items) {
        if (isScalar(pair.key) && pair.key.range !== undefined && pair.key.range !== null) {
          const key = String(pair.key.value).replaceAll('-', '_') as ConfigKey;
          lines[key] = lineCounter.linePos(pair.key.range[0]).line;
        }
      }
    }
  }
  return checkConfigObject(raw, file, lines);
}

/**
 * Checks the shape of a parsed config object (from a file, or the config saved in a checkpoint):
 * known keys (snake_case or kebab-case), scalar values; paths resolved against `file`'s folder.
 */
export function checkConfigObject(
  raw: unknown,
  file: string,
  lines: Partial<Record<ConfigKey, number>> = {},
): ConfigFile {
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new InvalidConfigError('must hold one object of settings (key: value)', { file });
  const normalized: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const snake = key.replaceAll('-', '_');
    if (snake in normalized)
      throw new InvalidConfigError(`gives ${snake} twice (as snake_case and kebab-case)`, {
        file,
        field: key,
      });
    normalized[snake] = value;
  }
  const parsed = fileSchema.safeParse(normalized);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.code === 'unrecognized_keys' ? (issue.keys[0] ?? '') : String(issue?.path[0] ?? '');
    const line = lines[key as ConfigKey];
    const message =
      issue?.code === 'unrecognized_keys'
        ? `unknown setting (known: ${CONFIG_KEYS.join(', ')})`
        : `expected a string, number, boolean or null, got ${describe(normalized[key])}`;
    throw new InvalidConfigError(message, { file, ...(line === undefined ? {} : { line }), field: key });
  }
  const values: ConfigFile['values'] = {};
  const dir = path.dirname(path.resolve(file));
  for (const [key, value] of Object.entries(parsed.data) as [ConfigKey, string | number | boolean | null][]) {
    if (value === undefined) continue;
    values[key] =
      (PATH_KEYS as readonly string[]).includes(key) && typeof value === 'string'
        ? path.resolve(dir, value)
        : value;
  }
  return { file, values, lines };
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Where a setting came from: a flag given on the command line, a config file, or the default. */
type Source =
  | { kind: 'cli'; value: string | boolean }
  | { kind: 'file'; value: string | number | boolean | null; where: Where }
  | { kind: 'default' };

/**
 * Merges the sources of each setting: defaults < `--config` file < flags given on the command line.
 */
class Settings {
  constructor(
    private readonly cli: Readonly<Record<string, unknown>>,
    private readonly file: ConfigFile | null,
  ) {}

  source(key: ConfigKey): Source {
    const fromCli = this.cli[attributeOf(key)];
    if (typeof fromCli === 'string' || typeof fromCli === 'boolean') return { kind: 'cli', value: fromCli };
    if (this.file !== null && key in this.file.values) {
      const line = this.file.lines[key];
      return {
        kind: 'file',
        value: this.file.values[key] ?? null,
        where: { file: this.file.file, field: key, ...(line === undefined ? {} : { line }) },
      };
    }
    return { kind: 'default' };
  }

  /** Where errors about `key` point: the flag, or the file and key. */
  where(key: ConfigKey): Where {
    const s = this.source(key);
    return s.kind === 'file' ? s.where : CONFIG_FLAGS[key];
  }

  given(key: ConfigKey): boolean {
    const s = this.source(key);
    return s.kind !== 'default' && !(s.kind === 'file' && s.value === null);
  }

  /** The raw text of a setting (numbers from a file as written), or undefined when not given. */
  text(key: ConfigKey): string | undefined {
    const s = this.source(key);
    if (s.kind === 'default') return undefined;
    if (s.kind === 'cli') {
      if (typeof s.value === 'boolean') return undefined;
      return s.value;
    }
    if (s.value === null) return undefined;
    if (typeof s.value === 'boolean') this.fail(key, `expected a value, got ${String(s.value)}`);
    return String(s.value);
  }

  integer(key: ConfigKey, fallback: number, min: number, max: number): number {
    const raw = this.text(key);
    return raw === undefined ? fallback : parseInteger(this.where(key), raw, min, max);
  }

  optionalInteger(key: ConfigKey, min: number, max: number): number | null {
    const raw = this.text(key);
    return raw === undefined ? null : parseInteger(this.where(key), raw, min, max);
  }

  number(key: ConfigKey, fallback: number, min: number, max: number, exclusiveMin = false): number {
    const raw = this.text(key);
    return raw === undefined ? fallback : parseNumber(this.where(key), raw, min, max, { exclusiveMin });
  }

  choice<T extends string>(key: ConfigKey, fallback: T, choices: readonly T[]): T {
    const raw = this.text(key);
    return raw === undefined ? fallback : parseChoice(this.where(key), raw, choices);
  }

  flag(key: ConfigKey, fallback: boolean): boolean {
    const s = this.source(key);
    if (s.kind === 'default') return fallback;
    if (typeof s.value === 'boolean') return s.value;
    if (s.kind === 'file' && s.value === null) return fallback;
    return this.fail(key, `expected true or false, got ${JSON.stringify(s.value)}`);
  }

  path(key: ConfigKey): string | null {
    const s = this.source(key);
    if (s.kind === 'default' || s.value === null) return null;
    if (typeof s.value !== 'string' || s.value === '')
      return this.fail(key, `expected a path, got ${JSON.stringify(s.value)}`);
    return s.value;
  }

  fail(key: ConfigKey, message: string): never {
    const where = this.where(key);
    if (typeof where === 'string') throw new InvalidArgumentError(message, { field: where });
    throw new InvalidConfigError(message, where);
  }
}

/**
 * Resolves the configuration of a run from the flags given on the command line (`cli`: commander's
 * attributes, only those the user typed) and an optional config file: flags beat the file, the
 * file beats the defaults. Every error names its flag, or its file, line and key. With `saved`, the
 * file is a configuration this function resolved before (it holds every key, so settings that do
 * not apply to it, such as `lr_step` without the step schedule, are not refused).
 */
export function resolveTrainConfig(
  cli: Readonly<Record<string, unknown>>,
  file: ConfigFile | null = null,
  options: { saved?: boolean } = {},
): TrainConfig {
  const s = new Settings(cli, file);
  const d = TRAIN_DEFAULTS;
  const out = s.path('out');
  if (out === null)
    throw new InvalidArgumentError('is required (or give out in --config)', { field: '--out' });

  // --epochs and --iters exclude each other; a flag on the command line overrides the other from a file.
  let epochsGiven = s.given('epochs');
  let itersGiven = s.given('iters');
  if (epochsGiven && itersGiven) {
    const epochsCli = s.source('epochs').kind === 'cli';
    const itersCli = s.source('iters').kind === 'cli';
    if (epochsCli === itersCli) s.fail('iters', 'give either epochs or iters, not both');
    if (epochsCli) itersGiven = false;
    else epochsGiven = false;
  }
  const optimizer = s.choice('optimizer', d.optimizer, ['sgd', 'adam'] as const);
  const cell = s.choice('cell', d.cell, ['rnn', 'simple', 'lstm', 'gru'] as const);
  const resetAfter = s.flag('reset_after', d.reset_after);
  if (resetAfter && cell !== 'gru') s.fail('reset_after', 'applies to cell gru only');
  const schedule = s.choice('schedule', d.schedule, ['constant', 'step', 'cosine'] as const);
  const onlyWith = (key: ConfigKey, what: string, applies: boolean): void => {
    // A saved (resolved) configuration holds every key; only what a person typed is checked.
    if (options.saved !== true && s.given(key) && !applies) s.fail(key, `applies to ${what} only`);
  };
  onlyWith('lr_step', 'schedule step', schedule === 'step');
  onlyWith('lr_gamma', 'schedule step', schedule === 'step');
  onlyWith('min_lr', 'schedule cosine', schedule === 'cosine');
  onlyWith('warmup', 'schedule cosine', schedule === 'cosine');
  onlyWith('momentum', 'optimizer sgd', optimizer === 'sgd');
  const plateau = s.optionalInteger('plateau', 1, 10_000);
  const ngram = ngramSetting(s, options.saved === true);
  onlyWith('ngram_weight', 'an n-gram head (ngram 1 or more)', ngram > 0);
  onlyWith('plateau_factor', 'plateau (reduce-on-plateau)', plateau !== null);

  let bidirectional: TrainConfig['bidirectional'] = d.bidirectional;
  const bi = s.source('bidirectional');
  if (bi.kind !== 'default') {
    if (bi.value === false || bi.value === null || bi.value === 'none') bidirectional = null;
    else if (bi.value === true) bidirectional = 'concat';
    else bidirectional = parseChoice(s.where('bidirectional'), String(bi.value), ['concat', 'sum'] as const);
  }

  return {
    data: s.path('data'),
    val: s.path('val'),
    test: s.path('test'),
    out,
    force: s.flag('force', d.force),
    cell,
    layers: s.integer('layers', d.layers, L.layers.min, L.layers.max),
    bidirectional,
    dropout: s.number('dropout', d.dropout, L.dropout.min, L.dropout.max),
    recurrent_dropout: s.number(
      'recurrent_dropout',
      d.recurrent_dropout,
      L.recurrent_dropout.min,
      L.recurrent_dropout.max,
    ),
    reset_after: resetAfter,
    hidden: s.integer('hidden', d.hidden, L.hidden.min, L.hidden.max),
    embed: s.integer('embed', d.embed, L.embed.min, L.embed.max),
    epochs: epochsGiven
      ? s.integer('epochs', d.epochs, L.epochs.min, L.epochs.max)
      : itersGiven
        ? null
        : d.epochs,
    iters: itersGiven ? s.integer('iters', 1, 1, 1e9) : null,
    batch: s.integer('batch', d.batch, L.batch.min, L.batch.max),
    optimizer,
    lr: s.number('lr', DEFAULT_LR[optimizer], L.lr.min, L.lr.max, L.lr.exclusiveMin),
    momentum: s.number('momentum', d.momentum, 0, 0.9999),
    clip: s.number('clip', d.clip, L.clip.min, L.clip.max),
    sampler: s.choice('sampler', d.sampler, ['tutorial', 'shuffle', 'bucket', 'balanced'] as const),
    alphabet: s.choice('alphabet', d.alphabet, ['tutorial', 'unicode'] as const),
    seed: s.integer('seed', d.seed, 0, 2 ** 32 - 1 - 16),
    ensemble: s.integer('ensemble', d.ensemble, 1, 16),
    backend: s.choice('backend', d.backend, BACKEND_CHOICES),
    schedule,
    lr_step: s.integer('lr_step', d.lr_step, 1, 100_000),
    lr_gamma: s.number('lr_gamma', d.lr_gamma, 0, 1, true),
    min_lr: s.number('min_lr', d.min_lr, 0, 10),
    warmup: s.integer('warmup', d.warmup, 0, 1e9),
    plateau,
    plateau_factor: s.number('plateau_factor', d.plateau_factor, 0, 0.9999, true),
    monitor: s.choice('monitor', d.monitor, MONITOR_METRICS),
    early_stop: s.optionalInteger('early_stop', 1, 100_000),
    restore_best: s.flag('restore_best', d.restore_best),
    class_weight: s.choice('class_weight', d.class_weight, ['none', 'auto', 'sqrt'] as const),
    label_smoothing: s.number('label_smoothing', d.label_smoothing, 0, 0.5),
    logit_adjust: logitAdjust(s, ngram),
    ngram,
    ngram_weight: s.number('ngram_weight', d.ngram_weight, 0, 1, true),
  };
}

/** `--ngram`: `none` (0) or the longest n-gram, 1 to 8; a saved configuration without it had no head. */
function ngramSetting(s: Settings, saved: boolean): number {
  const raw = s.text('ngram');
  if (raw === undefined) return saved ? 0 : TRAIN_DEFAULTS.ngram;
  if (raw === 'none') return 0;
  const where = s.where('ngram');
  if (!/^\s*[-+.\d]/.test(raw)) parseChoice(where, raw, ['none', '<n>'] as const);
  return parseInteger(where, raw, 0, MAX_NGRAM);
}

/**
 * `--logit-adjust`: `none` (0), `auto`, or τ in [0, 5]. Its default depends on the n-gram head
 * (each chosen on the names-split validation set).
 */
function logitAdjust(s: Settings, ngram: number): number | 'auto' {
  const raw = s.text('logit_adjust');
  if (raw === undefined) return ngram > 0 ? TRAIN_DEFAULTS.logit_adjust : LOGIT_ADJUST_WITHOUT_NGRAM;
  if (raw === 'none') return 0;
  if (raw === 'auto') return 'auto';
  const where = s.where('logit_adjust');
  if (!/^\s*[-+.\d]/.test(raw)) parseChoice(where, raw, ['none', 'auto', '<tau>'] as const);
  return parseNumber(where, raw, 0, 5);
}

/** The flags given on the command line that `--resume` does not accept (all but `--backend`). */
export function flagsRefusedOnResume(cli: Readonly<Record<string, unknown>>): string[] {
  return CONFIG_KEYS.filter((key) => key !== 'backend' && cli[attributeOf(key)] !== undefined).map(
    (key) => CONFIG_FLAGS[key],
  );
}

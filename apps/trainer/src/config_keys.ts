import type { CellType } from '@charrnn/layers';
import type { MonitorMetric } from '@charrnn/trainer';
import type { BackendChoice } from './backend.js';
import type { ThreadsChoice } from './kernel_threads.js';

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
  /** Train past the parameter and memory budget (see `checkBudget`). */
  allow_large: boolean;
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
  /** Threads of the WebAssembly kernels (cpu and wasm backends); `'auto'`: one per core. */
  threads: ThreadsChoice;
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

/** Every key a config file may hold (the keys of {@link TrainConfig}), in `--help` order. */
export const CONFIG_KEYS = [
  'data',
  'val',
  'test',
  'out',
  'force',
  'allow_large',
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
  'threads',
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

/** A key of {@link TrainConfig}. */
export type ConfigKey = keyof TrainConfig;
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

import { InvalidArgumentError } from '@charrnn/core';
import type { LabeledName } from '@charrnn/data';
import type { ClassifierConfig } from '@charrnn/layers';
import { Tokenizer } from '@charrnn/tokenizer';
import type { TrainConfig } from './config_keys.js';

/**
 * Largest model `charrnn train` builds without `--allow-large`: 50 million parameters (the
 * default recipe has about 0.2 million; a 2-layer bidirectional GRU of 1,024 has 25 million).
 */
export const MAX_PARAMETERS = 50_000_000;

/** Largest estimated training memory without `--allow-large`: 4 GiB. */
export const MAX_TRAINING_BYTES = 4 * 2 ** 30;

/** Hidden size from which the orthogonal initializer of the recurrent kernels takes about a second. */
const SLOW_INIT_HIDDEN = 512;

/** Gate blocks per recurrent cell. */
const GATES: Record<ClassifierConfig['cell'], number> = { rnn: 1, simple: 1, gru: 3, lstm: 4 };

/** What a model costs, estimated from its configuration before anything is allocated. */
export interface TrainingEstimate {
  /** Trainable parameters (n-gram head excluded: it is fitted after training, from the data). */
  parameters: number;
  /**
   * Bytes of training memory: weights, gradients and two Adam moments (16 bytes a parameter),
   * plus the activations kept for the backward pass of one batch of the longest names.
   */
  bytes: number;
}

/**
 * Estimates the parameters and training memory of `config` trained in batches of `batch` names of
 * up to `maxLength` tokens.
 *
 * @example
 * ```ts
 * estimateTraining({ cell: 'gru', vocabSize: 59, embedDim: 64, hiddenSize: 4096, numClasses: 18, layers: 64 }, 64, 20);
 * // { parameters: ~6.4e9, bytes: ~1e11 }
 * ```
 */
export function estimateTraining(
  config: ClassifierConfig,
  batch: number,
  maxLength: number,
): TrainingEstimate {
  const g = GATES[config.cell];
  const h = config.hiddenSize;
  const directions = config.bidirectional === undefined ? 1 : 2;
  const layers = config.layers ?? 1;
  const width = config.bidirectional === 'concat' ? 2 * h : h;
  const biases = config.resetAfter === true ? 2 : 1;
  let parameters = config.vocabSize * config.embedDim;
  for (let layer = 0; layer < layers; layer++) {
    const input = layer === 0 ? config.embedDim : width;
    parameters += directions * g * h * (input + h + biases);
  }
  parameters += width * config.numClasses + config.numClasses;
  const activations = 4 * 3 * batch * maxLength * (g + 1) * h * directions * layers;
  return { parameters, bytes: 16 * parameters + activations };
}

function human(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

/**
 * Refuses, before anything is allocated, a model past the documented budget
 * ({@link MAX_PARAMETERS} parameters, {@link MAX_TRAINING_BYTES} of training memory) unless
 * `allowLarge`; returns a line describing the cost, and a line to print before a model
 * initialization that takes seconds (large hidden sizes: the orthogonal initializer), if any.
 *
 * @throws InvalidArgumentError naming `--hidden` with the estimate and how to go on
 */
export function checkBudget(
  config: ClassifierConfig,
  batch: number,
  maxLength: number,
  allowLarge: boolean,
): { cost: string; slowInit?: string } {
  const estimate = estimateTraining(config, batch, maxLength);
  const cost = `${human(estimate.parameters)} parameters, about ${gib(estimate.bytes)} of training memory`;
  if (!allowLarge && (estimate.parameters > MAX_PARAMETERS || estimate.bytes > MAX_TRAINING_BYTES))
    throw new InvalidArgumentError(
      `this model has ${cost} (batch ${batch}, names up to ${maxLength} characters), over the budget of ` +
        `${human(MAX_PARAMETERS)} parameters and ${gib(MAX_TRAINING_BYTES)}; lower --hidden, --layers or --batch, ` +
        'or pass --allow-large if you mean it',
      { field: '--hidden' },
    );
  return config.hiddenSize >= SLOW_INIT_HIDDEN
    ? {
        cost,
        slowInit: `initializing ${human(estimate.parameters)} parameters (orthogonal ${config.hiddenSize}×${config.hiddenSize} recurrent kernels: this takes a while)`,
      }
    : { cost };
}

/**
 * {@link checkBudget} for a `charrnn train` run, before its model is built: the architecture of
 * `config`, the vocabulary its alphabet gives on `train` and the longest training name.
 */
export function checkTrainBudget(
  config: TrainConfig,
  train: readonly LabeledName[],
  numClasses: number,
): { cost: string; slowInit?: string } {
  let longest = 1;
  const symbols = new Set<string>();
  for (const { name } of train) {
    if (name.length > longest) longest = name.length;
    if (config.alphabet === 'unicode') for (const ch of name) symbols.add(ch);
  }
  const vocabSize = config.alphabet === 'unicode' ? symbols.size + 2 : Tokenizer.tutorial().vocabSize;
  const model: ClassifierConfig = {
    cell: config.cell,
    vocabSize,
    embedDim: config.embed,
    hiddenSize: config.hidden,
    numClasses,
    layers: config.layers,
    ...(config.bidirectional === null ? {} : { bidirectional: config.bidirectional }),
    ...(config.reset_after ? { resetAfter: true } : {}),
  };
  return checkBudget(model, config.batch, longest, config.allow_large);
}

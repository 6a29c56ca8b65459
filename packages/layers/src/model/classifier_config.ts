import { InvalidConfigError } from '@charrnn/core';
import { RECURRENT_ACTIVATIONS } from '../cells/recurrent_activation.js';
import type { RecurrentActivation } from '../cells/recurrent_activation.js';

/**
 * Recurrent cell of a {@link CharClassifier}. `'rnn'`: the tutorial's tanh RNN; `'simple'`:
 * Keras `SimpleRNN`, the same function under its Keras name; `'lstm'`: Keras `LSTM`
 * (gates i, f, c, o, sigmoid recurrent activation); `'gru'`: Keras `GRU` (gates z, r, h).
 */
export type CellType = 'rnn' | 'simple' | 'lstm' | 'gru';

/** Architecture of a {@link CharClassifier}: embedding → recurrent layers → dense. */
export interface ClassifierConfig {
  /** Recurrent cell, see {@link CellType}. */
  cell: CellType;
  /** Number of token ids, PAD (0) and UNK (1) included (`Tokenizer.vocabSize`). */
  vocabSize: number;
  /** Embedding width. */
  embedDim: number;
  /** Recurrent state width (per direction). */
  hiddenSize: number;
  /** Number of classes (output units). */
  numClasses: number;
  /** Stacked recurrent layers (default 1); all but the last pass on their full output sequence. */
  layers?: number;
  /**
   * Bidirectional layers, merging the two directions' outputs by `'concat'` (width
   * `2 * hiddenSize`) or `'sum'`. The backward direction reads each sequence from its own last
   * valid character, so padding never matters. Absent: one direction.
   */
  bidirectional?: 'concat' | 'sum';
  /** GRU only: reset gate after the recurrent product (Keras 3 / PyTorch / cuDNN). Default false. */
  resetAfter?: boolean;
  /**
   * LSTM and GRU: the gate activation, `'sigmoid'` (default) or `'hard_sigmoid'` (the tfjs-layers
   * and Keras 2 default, clip(0.2·a + 0.5, 0, 1); computed on the tfjs-ops path).
   */
  recurrentActivation?: RecurrentActivation;
  /** LSTM only: forget-gate biases start at 1 (Keras `unit_forget_bias`). Default true. */
  unitForgetBias?: boolean;
  /**
   * Dropout rate in [0, 1) on each recurrent layer's input (one mask per sequence, the same at
   * every step), during training only. Default 0.
   */
  dropout?: number;
  /** Recurrent dropout rate in [0, 1) on the state entering each step, during training only. Default 0. */
  recurrentDropout?: number;
}

const CELLS: readonly CellType[] = ['rnn', 'simple', 'lstm', 'gru'];

/** Throws InvalidConfigError naming the field unless `config` describes a model. @internal */
export function checkClassifierConfig(config: ClassifierConfig): void {
  if (!CELLS.includes(config.cell))
    throw new InvalidConfigError(
      `unsupported cell ${JSON.stringify(config.cell)} (supported: ${CELLS.map((c) => `"${c}"`).join(', ')})`,
      { field: 'cell' },
    );
  for (const field of ['vocabSize', 'embedDim', 'hiddenSize', 'numClasses'] as const) {
    const value = config[field];
    if (!Number.isSafeInteger(value) || value < 1)
      throw new InvalidConfigError(`${field} must be a positive integer, got ${JSON.stringify(value)}`, {
        field,
      });
  }
  if (config.numClasses < 2)
    throw new InvalidConfigError(`numClasses must be at least 2, got ${config.numClasses}`, {
      field: 'numClasses',
    });
  const layers = config.layers ?? 1;
  if (!Number.isSafeInteger(layers) || layers < 1 || layers > 64)
    throw new InvalidConfigError(
      `layers must be an integer in [1, 64], got ${JSON.stringify(config.layers)}`,
      {
        field: 'layers',
      },
    );
  if (
    config.bidirectional !== undefined &&
    config.bidirectional !== 'concat' &&
    config.bidirectional !== 'sum'
  )
    throw new InvalidConfigError(
      `bidirectional must be "concat" or "sum", got ${JSON.stringify(config.bidirectional)}`,
      { field: 'bidirectional' },
    );
  for (const field of ['dropout', 'recurrentDropout'] as const) {
    const value = config[field] ?? 0;
    if (!(typeof value === 'number' && value >= 0 && value < 1))
      throw new InvalidConfigError(`${field} must be in [0, 1), got ${JSON.stringify(config[field])}`, {
        field,
      });
  }
  if (config.resetAfter !== undefined && config.cell !== 'gru')
    throw new InvalidConfigError('resetAfter applies to the gru cell only', { field: 'resetAfter' });
  if (config.recurrentActivation !== undefined) {
    if (config.cell !== 'lstm' && config.cell !== 'gru')
      throw new InvalidConfigError('recurrentActivation applies to the lstm and gru cells only', {
        field: 'recurrentActivation',
      });
    if (!(RECURRENT_ACTIVATIONS as readonly unknown[]).includes(config.recurrentActivation))
      throw new InvalidConfigError(
        `recurrentActivation must be "sigmoid" or "hard_sigmoid", got ${JSON.stringify(config.recurrentActivation)}`,
        { field: 'recurrentActivation' },
      );
  }
  if (config.unitForgetBias !== undefined && config.cell !== 'lstm')
    throw new InvalidConfigError('unitForgetBias applies to the lstm cell only', { field: 'unitForgetBias' });
}

/** Number of gate blocks of a cell: columns of its kernels are `gates * hiddenSize`. @internal */
export function gateCount(cell: CellType): number {
  return cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
}

/** Width of each recurrent layer's output (what the next layer or the dense layer reads). @internal */
export function recurrentOutputSize(config: ClassifierConfig): number {
  return config.bidirectional === 'concat' ? 2 * config.hiddenSize : config.hiddenSize;
}

import { InvalidConfigError } from '@charrnn/core';
import type { CellType } from './classifier_config.js';

/**
 * Architecture of a {@link LanguageModel}: embedding (and, for a conditional model, a label
 * embedding concatenated to it at every step) → stacked recurrent layers → dense over the
 * vocabulary at every step.
 */
export interface LanguageModelConfig {
  /** Recurrent cell (`'rnn'`/`'simple'`, `'lstm'`, `'gru'`). */
  cell: CellType;
  /**
   * Number of symbol ids, input and output alike (PAD, 0, included; it is never a target). The
   * trainer's layout: the tokenizer's ids, then one boundary id that is BOS as an input and EOS as
   * a target.
   */
  vocabSize: number;
  /** Symbol embedding width. */
  embedDim: number;
  /** Recurrent state width. */
  hiddenSize: number;
  /** Stacked recurrent layers (default 1). */
  layers?: number;
  /** Number of labels of a conditional model (at least 1); absent: unconditional. */
  numLabels?: number;
  /** Label embedding width of a conditional model (required with `numLabels`). */
  labelEmbedDim?: number;
  /**
   * Dropout rate in [0, 1) on each recurrent layer's input and on the output layer's input (one
   * mask per sequence, the same at every step), during training only. Default 0.
   */
  dropout?: number;
  /** GRU only: reset gate after the recurrent product. Default false. */
  resetAfter?: boolean;
  /** LSTM only: forget-gate biases start at 1. Default true. */
  unitForgetBias?: boolean;
}

const CELLS: readonly CellType[] = ['rnn', 'simple', 'lstm', 'gru'];

/** Throws InvalidConfigError naming the field unless `config` describes a language model. @internal */
export function checkLanguageModelConfig(config: LanguageModelConfig): void {
  if (!CELLS.includes(config.cell))
    throw new InvalidConfigError(
      `unsupported cell ${JSON.stringify(config.cell)} (supported: ${CELLS.map((c) => `"${c}"`).join(', ')})`,
      { field: 'cell' },
    );
  const positive = (field: keyof LanguageModelConfig, value: unknown): void => {
    if (!Number.isSafeInteger(value) || (value as number) < 1)
      throw new InvalidConfigError(`${field} must be a positive integer, got ${JSON.stringify(value)}`, {
        field,
      });
  };
  for (const field of ['vocabSize', 'embedDim', 'hiddenSize'] as const) positive(field, config[field]);
  if (config.vocabSize < 2)
    throw new InvalidConfigError(`vocabSize must be at least 2, got ${config.vocabSize}`, {
      field: 'vocabSize',
    });
  const layers = config.layers ?? 1;
  if (!Number.isSafeInteger(layers) || layers < 1 || layers > 64)
    throw new InvalidConfigError(
      `layers must be an integer in [1, 64], got ${JSON.stringify(config.layers)}`,
      {
        field: 'layers',
      },
    );
  if ((config.numLabels === undefined) !== (config.labelEmbedDim === undefined))
    throw new InvalidConfigError('numLabels and labelEmbedDim go together (a conditional model needs both)', {
      field: config.numLabels === undefined ? 'numLabels' : 'labelEmbedDim',
    });
  if (config.numLabels !== undefined) {
    positive('numLabels', config.numLabels);
    positive('labelEmbedDim', config.labelEmbedDim);
  }
  const dropout = config.dropout ?? 0;
  if (!(typeof dropout === 'number' && dropout >= 0 && dropout < 1))
    throw new InvalidConfigError(`dropout must be in [0, 1), got ${JSON.stringify(config.dropout)}`, {
      field: 'dropout',
    });
  if (config.resetAfter !== undefined && config.cell !== 'gru')
    throw new InvalidConfigError('resetAfter applies to the gru cell only', { field: 'resetAfter' });
  if (config.unitForgetBias !== undefined && config.cell !== 'lstm')
    throw new InvalidConfigError('unitForgetBias applies to the lstm cell only', { field: 'unitForgetBias' });
}

/** Names and shapes of a language model's weights, in {@link LanguageModel.trainableWeights} order. @internal */
export function languageModelWeightLayout(config: LanguageModelConfig): { name: string; shape: number[] }[] {
  const { vocabSize: V, embedDim: E, hiddenSize: H } = config;
  const G = (config.cell === 'lstm' ? 4 : config.cell === 'gru' ? 3 : 1) * H;
  const layout = [{ name: 'embedding/embeddings', shape: [V, E] }];
  if (config.numLabels !== undefined)
    layout.push({ name: 'label_embedding/embeddings', shape: [config.numLabels, config.labelEmbedDim ?? 0] });
  const cellName = config.cell === 'lstm' ? 'lstm' : config.cell === 'gru' ? 'gru' : 'simple_rnn';
  for (let l = 0; l < (config.layers ?? 1); l++) {
    const input = l === 0 ? E + (config.labelEmbedDim ?? 0) : H;
    const name = l === 0 ? cellName : `${cellName}_${l}`;
    layout.push(
      { name: `${name}/kernel`, shape: [input, G] },
      { name: `${name}/recurrent_kernel`, shape: [H, G] },
      {
        name: `${name}/bias`,
        shape: config.cell === 'gru' && config.resetAfter === true ? [2, G] : [G],
      },
    );
  }
  layout.push({ name: 'dense/kernel', shape: [H, V] }, { name: 'dense/bias', shape: [V] });
  return layout;
}

import { InvalidConfigError } from '@charrnn/core';

/** Architecture of a {@link CharClassifier}: embedding → recurrent layer → dense. */
export interface ClassifierConfig {
  /** Recurrent cell. `'rnn'`: the tutorial's tanh RNN (Keras `SimpleRNN`). */
  cell: 'rnn';
  /** Number of token ids, PAD (0) and UNK (1) included (`Tokenizer.vocabSize`). */
  vocabSize: number;
  /** Embedding width. */
  embedDim: number;
  /** Recurrent state width. */
  hiddenSize: number;
  /** Number of classes (output units). */
  numClasses: number;
}

/** Throws InvalidConfigError naming the field unless `config` describes a model. @internal */
export function checkClassifierConfig(config: ClassifierConfig): void {
  if (config.cell !== 'rnn')
    throw new InvalidConfigError(`unsupported cell ${JSON.stringify(config.cell)} (supported: "rnn")`, {
      field: 'cell',
    });
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
}

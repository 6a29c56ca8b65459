import { InvalidBundleError } from '@charrnn/core';
import type { ClassifierConfig } from './classifier_config.js';

/** Layer names in the exported model, as Keras (Python) names them by default. */
const EMBEDDING = 'embedding';
const RNN = 'simple_rnn';
const DENSE = 'dense';

/**
 * Names and shapes of the classifier's weights in Keras / tfjs-layers layout and order
 * (embeddings, kernel, recurrent_kernel, bias, dense kernel, dense bias).
 * @internal
 */
export function weightLayout(config: ClassifierConfig): { name: string; shape: number[] }[] {
  const { vocabSize: V, embedDim: E, hiddenSize: H, numClasses: C } = config;
  return [
    { name: `${EMBEDDING}/embeddings`, shape: [V, E] },
    { name: `${RNN}/kernel`, shape: [E, H] },
    { name: `${RNN}/recurrent_kernel`, shape: [H, H] },
    { name: `${RNN}/bias`, shape: [H] },
    { name: `${DENSE}/kernel`, shape: [H, C] },
    { name: `${DENSE}/bias`, shape: [C] },
  ];
}

const glorotUniform = {
  class_name: 'VarianceScaling',
  config: { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: null },
};
const zeros = { class_name: 'Zeros', config: {} };

/**
 * The tfjs-layers `Sequential` topology (`model.toJSON(null, false)` of tfjs-layers 4.22) of
 * Embedding(mask_zero) → SimpleRNN(tanh) → Dense(softmax), so `tf.loadLayersModel` can load
 * the exported weights. The initializers recorded are the ones {@link CharClassifier.create}
 * uses.
 * @internal
 */
export function sequentialTopology(config: ClassifierConfig): Record<string, unknown> {
  return {
    class_name: 'Sequential',
    config: {
      name: 'sequential',
      layers: [
        {
          class_name: 'Embedding',
          config: {
            input_dim: config.vocabSize,
            output_dim: config.embedDim,
            embeddings_initializer: {
              class_name: 'RandomUniform',
              config: { minval: -0.05, maxval: 0.05, seed: null },
            },
            embeddings_regularizer: null,
            activity_regularizer: null,
            embeddings_constraint: null,
            mask_zero: true,
            input_length: null,
            name: EMBEDDING,
            trainable: true,
            batch_input_shape: [null, null],
            dtype: 'float32',
          },
        },
        {
          class_name: 'SimpleRNN',
          config: {
            name: RNN,
            trainable: true,
            units: config.hiddenSize,
            activation: 'tanh',
            use_bias: true,
            kernel_initializer: glorotUniform,
            recurrent_initializer: { class_name: 'Orthogonal', config: { gain: 1, seed: null } },
            bias_initializer: zeros,
            kernel_regularizer: null,
            recurrent_regularizer: null,
            bias_regularizer: null,
            activity_regularizer: null,
            kernel_constraint: null,
            recurrent_constraint: null,
            bias_constraint: null,
            dropout: 0,
            recurrent_dropout: 0,
            return_sequences: false,
            return_state: false,
            go_backwards: false,
            stateful: false,
            unroll: false,
          },
        },
        {
          class_name: 'Dense',
          config: {
            units: config.numClasses,
            activation: 'softmax',
            use_bias: true,
            kernel_initializer: glorotUniform,
            bias_initializer: zeros,
            kernel_regularizer: null,
            bias_regularizer: null,
            activity_regularizer: null,
            kernel_constraint: null,
            bias_constraint: null,
            name: DENSE,
            trainable: true,
          },
        },
      ],
    },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the classifier configuration back from a topology written by
 * {@link sequentialTopology} (or an equivalent Keras model: Embedding with mask_zero →
 * SimpleRNN with tanh → Dense with softmax).
 * @throws InvalidBundleError naming the offending field
 * @internal
 */
export function configFromTopology(topology: unknown): ClassifierConfig {
  const fail = (field: string, message: string): never => {
    throw new InvalidBundleError(message, { field: `modelTopology.${field}` });
  };
  if (!isRecord(topology) || topology['class_name'] !== 'Sequential')
    fail('class_name', 'expected a Sequential model');
  const model = topology as Record<string, unknown>;
  const layers = isRecord(model['config']) ? model['config']['layers'] : undefined;
  if (!Array.isArray(layers) || layers.length !== 3)
    return fail('config.layers', 'expected 3 layers: Embedding, SimpleRNN, Dense');
  const layer = (i: number, className: string): Record<string, unknown> => {
    const entry: unknown = layers[i];
    if (!isRecord(entry) || entry['class_name'] !== className || !isRecord(entry['config']))
      return fail(`config.layers[${i}]`, `expected a ${className} layer`);
    return entry['config'];
  };
  const positive = (i: number, layerConfig: Record<string, unknown>, key: string): number => {
    const value = layerConfig[key];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
      return fail(
        `config.layers[${i}].config.${key}`,
        `must be a positive integer, got ${JSON.stringify(value)}`,
      );
    return value;
  };
  const embedding = layer(0, 'Embedding');
  const rnn = layer(1, 'SimpleRNN');
  const output = layer(2, 'Dense');
  if (embedding['mask_zero'] !== true)
    fail('config.layers[0].config.mask_zero', 'must be true (id 0 is padding)');
  if (rnn['activation'] !== 'tanh')
    fail('config.layers[1].config.activation', `must be "tanh", got ${JSON.stringify(rnn['activation'])}`);
  for (const key of ['return_sequences', 'go_backwards', 'stateful', 'return_state'] as const) {
    if (rnn[key] === true) fail(`config.layers[1].config.${key}`, 'is not supported');
  }
  if (rnn['use_bias'] === false) fail('config.layers[1].config.use_bias', 'must be true');
  if (output['activation'] !== 'softmax')
    fail(
      'config.layers[2].config.activation',
      `must be "softmax", got ${JSON.stringify(output['activation'])}`,
    );
  if (output['use_bias'] === false) fail('config.layers[2].config.use_bias', 'must be true');
  return {
    cell: 'rnn',
    vocabSize: positive(0, embedding, 'input_dim'),
    embedDim: positive(0, embedding, 'output_dim'),
    hiddenSize: positive(1, rnn, 'units'),
    numClasses: positive(2, output, 'units'),
  };
}

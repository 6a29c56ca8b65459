import { InvalidBundleError } from '@charrnn/core';
import { gateCount, recurrentOutputSize } from './classifier_config.js';
import type { CellType, ClassifierConfig } from './classifier_config.js';
import type { RecurrentActivation } from '../cells/recurrent_activation.js';

/** Keras layer names of a classifier's layers; weights are named after them. @internal */
export interface ModelNames {
  embedding: string;
  /** Per recurrent layer: the RNN layer's name and, when bidirectional, its wrapper's. */
  recurrent: { rnn: string; wrapper?: string }[];
  dense: string;
}

const KERAS_CLASS: Record<CellType, string> = {
  rnn: 'SimpleRNN',
  simple: 'SimpleRNN',
  lstm: 'LSTM',
  gru: 'GRU',
};
const KERAS_NAME: Record<CellType, string> = {
  rnn: 'simple_rnn',
  simple: 'simple_rnn',
  lstm: 'lstm',
  gru: 'gru',
};

/** Layer names as Keras (Python) gives them by default in a fresh model. @internal */
export function defaultNames(config: ClassifierConfig): ModelNames {
  const suffix = (i: number): string => (i === 0 ? '' : `_${i}`);
  return {
    embedding: 'embedding',
    recurrent: Array.from({ length: config.layers ?? 1 }, (_, i) => ({
      rnn: `${KERAS_NAME[config.cell]}${suffix(i)}`,
      ...(config.bidirectional === undefined ? {} : { wrapper: `bidirectional${suffix(i)}` }),
    })),
    dense: 'dense',
  };
}

/** Weight-name prefix of each direction of recurrent layer `names` (forward first). @internal */
export function directionPrefixes(names: { rnn: string; wrapper?: string }): string[] {
  return names.wrapper === undefined
    ? [names.rnn]
    : [`${names.wrapper}/forward_${names.rnn}`, `${names.wrapper}/backward_${names.rnn}`];
}

/**
 * Names and shapes of the classifier's weights in Keras / tfjs-layers layout and order:
 * embeddings; per recurrent layer and direction (forward, then backward) kernel,
 * recurrent_kernel, bias; dense kernel, dense bias.
 * @internal
 */
export function weightLayout(
  config: ClassifierConfig,
  names: ModelNames = defaultNames(config),
): { name: string; shape: number[] }[] {
  const { vocabSize: V, embedDim: E, hiddenSize: H, numClasses: C } = config;
  const G = gateCount(config.cell) * H;
  const out = recurrentOutputSize(config);
  const layout = [{ name: `${names.embedding}/embeddings`, shape: [V, E] }];
  names.recurrent.forEach((layer, i) => {
    for (const prefix of directionPrefixes(layer)) {
      layout.push(
        { name: `${prefix}/kernel`, shape: [i === 0 ? E : out, G] },
        { name: `${prefix}/recurrent_kernel`, shape: [H, G] },
        { name: `${prefix}/bias`, shape: config.cell === 'gru' && config.resetAfter === true ? [2, G] : [G] },
      );
    }
  });
  layout.push(
    { name: `${names.dense}/kernel`, shape: [out, C] },
    { name: `${names.dense}/bias`, shape: [C] },
  );
  return layout;
}

const glorotUniform = {
  class_name: 'VarianceScaling',
  config: { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: null },
};
const zeros = { class_name: 'Zeros', config: {} };
const NO_REGULARIZERS = {
  kernel_regularizer: null,
  recurrent_regularizer: null,
  bias_regularizer: null,
  activity_regularizer: null,
  kernel_constraint: null,
  recurrent_constraint: null,
  bias_constraint: null,
};

/** The Keras config of recurrent layer `name` (tfjs-layers 4.22 `toJSON` field set). */
function recurrentLayerConfig(
  config: ClassifierConfig,
  name: string,
  returnSequences: boolean,
): Record<string, unknown> {
  const common = {
    name,
    trainable: true,
    units: config.hiddenSize,
    activation: 'tanh',
    ...(config.cell === 'lstm' || config.cell === 'gru'
      ? { recurrent_activation: config.recurrentActivation ?? 'sigmoid' }
      : {}),
    use_bias: true,
    kernel_initializer: glorotUniform,
    recurrent_initializer: { class_name: 'Orthogonal', config: { gain: 1, seed: null } },
    bias_initializer: zeros,
    ...(config.cell === 'lstm' ? { unit_forget_bias: config.unitForgetBias ?? true } : {}),
    ...NO_REGULARIZERS,
    dropout: config.dropout ?? 0,
    recurrent_dropout: config.recurrentDropout ?? 0,
    ...(config.cell === 'lstm' || config.cell === 'gru' ? { implementation: null } : {}),
    ...(config.cell === 'gru' ? { reset_after: config.resetAfter === true } : {}),
    return_sequences: returnSequences,
    return_state: false,
    go_backwards: false,
    stateful: false,
    unroll: false,
  };
  return common;
}

/**
 * The tfjs-layers `Sequential` topology (`model.toJSON(null, false)` of tfjs-layers 4.22) of
 * Embedding(mask_zero) → [Bidirectional(]SimpleRNN | LSTM | GRU[)] × layers → Dense(softmax),
 * so `tf.loadLayersModel` can load the exported weights (a GRU with `resetAfter` loads in Keras 3
 * but not in tfjs-layers 4.22, which lacks it). The initializers recorded are the ones
 * {@link CharClassifier.create} uses.
 * @internal
 */
export function sequentialTopology(config: ClassifierConfig): Record<string, unknown> {
  const names = defaultNames(config);
  const recurrent = names.recurrent.map((layer, i) => {
    const inner = {
      class_name: KERAS_CLASS[config.cell],
      config: recurrentLayerConfig(config, layer.rnn, i < names.recurrent.length - 1),
    };
    if (layer.wrapper === undefined) return inner;
    return {
      class_name: 'Bidirectional',
      config: { merge_mode: config.bidirectional, layer: inner, name: layer.wrapper, trainable: true },
    };
  });
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
            name: names.embedding,
            trainable: true,
            batch_input_shape: [null, null],
            dtype: 'float32',
          },
        },
        ...recurrent,
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
            name: names.dense,
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

const CELL_OF_CLASS: Record<string, CellType> = { SimpleRNN: 'rnn', LSTM: 'lstm', GRU: 'gru' };

/**
 * Reads the classifier configuration and layer names back from a topology written by
 * {@link sequentialTopology} or by Keras / tfjs-layers for an equivalent model: Embedding with
 * mask_zero → one or more SimpleRNN / LSTM / GRU layers (tanh, sigmoid or hard_sigmoid recurrent activation,
 * optionally all wrapped in Bidirectional with the same merge mode), all but the last returning
 * sequences → Dense with softmax. A SimpleRNN reads as cell `'rnn'`.
 * @throws InvalidBundleError naming the offending field
 * @internal
 */
export function parseTopology(topology: unknown): { config: ClassifierConfig; names: ModelNames } {
  const fail = (field: string, message: string): never => {
    throw new InvalidBundleError(message, { field: `modelTopology.${field}` });
  };
  if (!isRecord(topology) || topology['class_name'] !== 'Sequential')
    fail('class_name', 'expected a Sequential model');
  const model = topology as Record<string, unknown>;
  const layers = isRecord(model['config']) ? model['config']['layers'] : undefined;
  if (!Array.isArray(layers) || layers.length < 3)
    return fail('config.layers', 'expected Embedding, recurrent layer(s), Dense');
  const layerAt = (
    i: number,
    classNames: string[],
  ): { className: string; config: Record<string, unknown> } => {
    const entry: unknown = layers[i];
    if (!isRecord(entry) || !classNames.includes(entry['class_name'] as string) || !isRecord(entry['config']))
      return fail(`config.layers[${i}]`, `expected a ${classNames.join(' or ')} layer`);
    return { className: entry['class_name'] as string, config: entry['config'] };
  };
  const positive = (field: string, layerConfig: Record<string, unknown>, key: string): number => {
    const value = layerConfig[key];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
      return fail(`${field}.${key}`, `must be a positive integer, got ${JSON.stringify(value)}`);
    return value;
  };
  const rate = (field: string, layerConfig: Record<string, unknown>, key: string): number => {
    const value = layerConfig[key] ?? 0;
    if (typeof value !== 'number' || !(value >= 0 && value < 1))
      return fail(`${field}.${key}`, `must be a number in [0, 1), got ${JSON.stringify(value)}`);
    return value;
  };
  const name = (field: string, layerConfig: Record<string, unknown>): string => {
    const value = layerConfig['name'];
    if (typeof value !== 'string' || value === '') return fail(`${field}.name`, 'must be a non-empty string');
    return value;
  };

  const embedding = layerAt(0, ['Embedding']).config;
  if (embedding['mask_zero'] !== true)
    fail('config.layers[0].config.mask_zero', 'must be true (id 0 is padding)');
  const last = layers.length - 1;
  const output = layerAt(last, ['Dense']).config;
  const outputField = `config.layers[${last}].config`;
  if (output['activation'] !== 'softmax')
    fail(`${outputField}.activation`, `must be "softmax", got ${JSON.stringify(output['activation'])}`);
  if (output['use_bias'] === false) fail(`${outputField}.use_bias`, 'must be true');

  let cell: CellType | undefined;
  let units = 0;
  let merge: 'concat' | 'sum' | undefined;
  let resetAfter = false;
  let recurrentActivation: RecurrentActivation = 'sigmoid';
  let dropout = 0;
  let recurrentDropout = 0;
  const recurrentNames: ModelNames['recurrent'] = [];
  for (let i = 1; i < last; i++) {
    const layerField = `config.layers[${i}]`;
    const outer = layerAt(i, ['SimpleRNN', 'LSTM', 'GRU', 'Bidirectional']);
    let inner = outer;
    let field = `${layerField}.config`;
    let wrapper: string | undefined;
    let layerMerge: 'concat' | 'sum' | undefined;
    if (outer.className === 'Bidirectional') {
      wrapper = name(field, outer.config);
      const mode = outer.config['merge_mode'];
      if (mode !== 'concat' && mode !== 'sum')
        fail(`${field}.merge_mode`, `must be "concat" or "sum", got ${JSON.stringify(mode)}`);
      layerMerge = mode as 'concat' | 'sum';
      const wrapped = outer.config['layer'];
      if (
        !isRecord(wrapped) ||
        !['SimpleRNN', 'LSTM', 'GRU'].includes(wrapped['class_name'] as string) ||
        !isRecord(wrapped['config'])
      )
        fail(`${field}.layer`, 'expected a SimpleRNN, LSTM or GRU layer');
      inner = {
        className: (wrapped as Record<string, unknown>)['class_name'] as string,
        config: (wrapped as Record<string, unknown>)['config'] as Record<string, unknown>,
      };
      field = `${field}.layer.config`;
    }
    const layerCell = CELL_OF_CLASS[inner.className] as CellType;
    const c = inner.config;
    if (i === 1) {
      cell = layerCell;
      units = positive(field, c, 'units');
      merge = layerMerge;
      dropout = rate(field, c, 'dropout');
      recurrentDropout = rate(field, c, 'recurrent_dropout');
      resetAfter = c['reset_after'] === true;
    } else {
      if (layerCell !== cell)
        fail(field, `expected a ${KERAS_CLASS[cell as CellType]} layer like the first one`);
      if (positive(field, c, 'units') !== units)
        fail(`${field}.units`, `must equal the first layer's (${units})`);
      if (layerMerge !== merge)
        fail(layerField, 'all recurrent layers must be bidirectional with the same merge mode, or none');
      if (rate(field, c, 'dropout') !== dropout || rate(field, c, 'recurrent_dropout') !== recurrentDropout)
        fail(`${field}.dropout`, 'dropout rates must be the same in every recurrent layer');
      if ((c['reset_after'] === true) !== resetAfter)
        fail(`${field}.reset_after`, 'must be the same in every layer');
    }
    if (c['activation'] !== 'tanh')
      fail(`${field}.activation`, `must be "tanh", got ${JSON.stringify(c['activation'])}`);
    if (layerCell !== 'rnn') {
      const activation = c['recurrent_activation'];
      if (activation !== 'sigmoid' && activation !== 'hard_sigmoid')
        fail(
          `${field}.recurrent_activation`,
          `must be "sigmoid" or "hard_sigmoid", got ${JSON.stringify(activation)}`,
        );
      // Keras 3 redefined hard_sigmoid as relu6(x + 3) / 6; ours is Keras 2's / tfjs-layers'.
      if (activation === 'hard_sigmoid' && /^3\./.test(String(model['keras_version'])))
        fail(
          `${field}.recurrent_activation`,
          `Keras ${String(model['keras_version'])}'s hard_sigmoid (relu6(x + 3) / 6) is not supported; charrnn's is Keras 2's and tfjs-layers' clip(0.2·x + 0.5, 0, 1)`,
        );
      if (i === 1) recurrentActivation = activation as RecurrentActivation;
      else if (activation !== recurrentActivation)
        fail(`${field}.recurrent_activation`, 'must be the same in every layer');
    }
    if (c['use_bias'] === false) fail(`${field}.use_bias`, 'must be true');
    for (const key of ['go_backwards', 'stateful', 'return_state'] as const) {
      if (c[key] === true) fail(`${field}.${key}`, 'is not supported');
    }
    const wantSequences = i < last - 1;
    if ((c['return_sequences'] === true) !== wantSequences)
      fail(
        `${field}.return_sequences`,
        wantSequences
          ? 'must be true: another recurrent layer follows'
          : 'must be false on the last recurrent layer',
      );
    recurrentNames.push({ rnn: name(field, c), ...(wrapper === undefined ? {} : { wrapper }) });
  }

  const config: ClassifierConfig = {
    cell: cell as CellType,
    vocabSize: positive('config.layers[0].config', embedding, 'input_dim'),
    embedDim: positive('config.layers[0].config', embedding, 'output_dim'),
    hiddenSize: units,
    numClasses: positive(outputField, output, 'units'),
    ...(recurrentNames.length > 1 ? { layers: recurrentNames.length } : {}),
    ...(merge === undefined ? {} : { bidirectional: merge }),
    ...(resetAfter ? { resetAfter: true } : {}),
    ...(recurrentActivation === 'sigmoid' ? {} : { recurrentActivation }),
    ...(dropout > 0 ? { dropout } : {}),
    ...(recurrentDropout > 0 ? { recurrentDropout } : {}),
  };
  return {
    config,
    names: {
      embedding: name('config.layers[0].config', embedding),
      recurrent: recurrentNames,
      dense: name(outputField, output),
    },
  };
}

import type * as tf from '@tensorflow/tfjs-core';
import { InvalidBundleError } from '@charrnn/core';
import { CharClassifier } from '@charrnn/layers';
import { Tokenizer } from '@charrnn/tokenizer';
import { tokenizerVocabulary, vocabularyTokenizer } from './torch_vocabulary.js';
import type { TorchVocabulary } from './torch_vocabulary.js';

/** Options of {@link importLayersModel}. */
export interface LayersImportOptions {
  /**
   * How the model's token ids map to text (row `i` of its embedding = token id `i`). Default: the
   * tokenizer a `charrnn export --format layers` recorded in `userDefinedMetadata.charrnnExport`.
   */
  vocabulary?: TorchVocabulary | ((rows: number) => TorchVocabulary);
  /** Label of each output; default: the export's labels, else `'0'`, `'1'`... */
  labels?: readonly string[];
  /** The `model.json` the artifacts came from, for error messages. */
  file?: string;
}

/** A tfjs-layers / Keras model brought into charrnn. */
export interface ImportedLayersModel {
  /** The classifier. */
  model: CharClassifier;
  /** The tokenizer whose ids it reads. */
  tokenizer: Tokenizer;
  /** Label of each output. */
  labels: string[];
  /** What was changed on the way in (e.g. `mask_zero: false read as masked`). */
  notes: string[];
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const RECURRENT = new Set(['SimpleRNN', 'LSTM', 'GRU', 'Bidirectional']);

/**
 * The names of the layers feeding `layer` in a functional config (Keras 2 / tfjs-layers
 * `inbound_nodes: [[[name, node, tensor, kwargs]]]` or Keras 3 `inbound_nodes: [{args: [{config:
 * {keras_history: [name, ...]}}]}]`).
 */
function inboundNames(layer: Json): string[] {
  const nodes = layer['inbound_nodes'];
  if (!Array.isArray(nodes) || nodes.length === 0) return [];
  const node: unknown = nodes[0];
  if (Array.isArray(node)) return node.map((entry) => (Array.isArray(entry) ? String(entry[0]) : ''));
  if (isRecord(node) && Array.isArray(node['args']))
    return node['args'].map((arg) => {
      const history = isRecord(arg) && isRecord(arg['config']) ? arg['config']['keras_history'] : undefined;
      return Array.isArray(history) ? String(history[0]) : '';
    });
  return [];
}

/**
 * The layers of a Sequential model or of a functional model that is a single chain
 * (input → … → output), InputLayer left out.
 */
function layerChain(topology: Json, fail: (field: string, message: string) => never): Json[] {
  const className = topology['class_name'];
  const config = topology['config'];
  const layers = Array.isArray(config) ? config : isRecord(config) ? config['layers'] : undefined;
  if (!Array.isArray(layers) || !layers.every(isRecord))
    return fail('modelTopology.config.layers', 'must be an array of layers');
  if (className === 'Sequential') return (layers as Json[]).filter((l) => l['class_name'] !== 'InputLayer');
  if (className !== 'Model' && className !== 'Functional')
    return fail(
      'modelTopology.class_name',
      `expected Sequential, Model or Functional, got ${JSON.stringify(className)}`,
    );
  const byName = new Map(
    (layers as Json[]).map((l) => [String(isRecord(l['config']) ? l['config']['name'] : l['name']), l]),
  );
  const outputs = isRecord(config) ? config['output_layers'] : undefined;
  const outputName =
    Array.isArray(outputs) && outputs.length === 1 && Array.isArray(outputs[0])
      ? String(outputs[0][0])
      : undefined;
  if (outputName === undefined)
    return fail('modelTopology.config.output_layers', 'expected exactly one output');
  const chain: Json[] = [];
  let current = byName.get(outputName);
  while (current !== undefined && current['class_name'] !== 'InputLayer') {
    if (chain.length > layers.length) return fail('modelTopology.config.layers', 'the layers form a cycle');
    chain.unshift(current);
    const inbound = inboundNames(current);
    const name = String(isRecord(current['config']) ? current['config']['name'] : current['name']);
    if (inbound.length !== 1)
      return fail(
        `modelTopology.config.layers[${JSON.stringify(name)}].inbound_nodes`,
        'expected a single chain of layers (one input each)',
      );
    current = byName.get(inbound[0] as string);
    if (current === undefined)
      return fail(
        `modelTopology.config.layers[${JSON.stringify(name)}].inbound_nodes`,
        `unknown layer ${JSON.stringify(inbound[0])}`,
      );
  }
  if (chain.length + 1 !== layers.length)
    fail('modelTopology.config.layers', 'some layers are not on the chain from the input to the output');
  return chain.map((layer) => ({ class_name: layer['class_name'], config: layer['config'] }));
}

/**
 * Brings a tfjs-layers or Keras model (`model.json` artifacts: a Sequential model, or a
 * functional model that is a chain of the same layers) of the form Embedding → SimpleRNN | LSTM
 * | GRU (stacked, optionally Bidirectional) → Dense(softmax) into charrnn. What charrnn changes
 * on the way, listed in `notes`:
 * - `mask_zero: false` is read as masked: charrnn runs each name over its own characters (its
 *   lengths), which is what the model computes on an unpadded name;
 * - a trailing `Activation('softmax')` / `Softmax` layer is folded into the Dense layer;
 * - weight names with a cell segment (`lstm/lstm_cell/kernel`, as tf.keras writes them) are read
 *   as `lstm/kernel`;
 * - the embedding's rows are remapped to the tokenizer's ids through the vocabulary.
 *
 * @throws InvalidBundleError naming the file and field when the model is not such a classifier
 */
export function importLayersModel(
  artifacts: tf.io.ModelArtifacts,
  options: LayersImportOptions = {},
): ImportedLayersModel {
  const file = options.file ?? 'model.json';
  const fail = (field: string, message: string): never => {
    throw new InvalidBundleError(message, { file, field });
  };
  const notes: string[] = [];
  let topology: unknown = artifacts.modelTopology;
  if (isRecord(topology) && isRecord(topology['model_config'])) topology = topology['model_config'];
  if (!isRecord(topology)) return fail('modelTopology', 'must be a Keras model config object');
  const chain: Json[] = layerChain(topology, fail).map((l) => ({
    ...l,
    config: { ...(l['config'] as Json) },
  }));
  const lastLayer = chain[chain.length - 1];
  if (
    lastLayer !== undefined &&
    (lastLayer['class_name'] === 'Softmax' ||
      (lastLayer['class_name'] === 'Activation' && (lastLayer['config'] as Json)['activation'] === 'softmax'))
  ) {
    chain.pop();
    const dense = chain[chain.length - 1];
    if (
      dense?.['class_name'] === 'Dense' &&
      ((dense['config'] as Json)['activation'] ?? 'linear') === 'linear'
    ) {
      (dense['config'] as Json)['activation'] = 'softmax';
      notes.push('a trailing softmax layer was folded into the Dense layer');
    } else fail('modelTopology.config.layers', 'a softmax layer must follow a linear Dense layer');
  }
  const embedding = chain[0];
  if (embedding?.['class_name'] !== 'Embedding')
    return fail('modelTopology.config.layers[0]', 'expected an Embedding layer first');
  const embeddingConfig = embedding['config'] as Json;
  if (embeddingConfig['mask_zero'] !== true) {
    embeddingConfig['mask_zero'] = true;
    notes.push('mask_zero: false read as masked: each name runs over its own characters');
  }
  for (const [i, layer] of chain.entries()) {
    if (i > 0 && i < chain.length - 1 && !RECURRENT.has(String(layer['class_name'])))
      fail(
        `modelTopology.config.layers[${i}]`,
        `expected a SimpleRNN, LSTM, GRU or Bidirectional layer, got ${JSON.stringify(layer['class_name'])}`,
      );
  }

  // Weights by name, float32 only, cell segments dropped.
  const specs: unknown = artifacts.weightSpecs ?? [];
  const data = artifacts.weightData;
  if (!Array.isArray(specs)) return fail('weightSpecs', 'must be an array');
  if (!(data instanceof ArrayBuffer)) return fail('weightData', 'must be one ArrayBuffer');
  const weights = new Map<string, { shape: number[]; values: Float32Array }>();
  let offset = 0;
  for (const [i, spec] of (specs as unknown[]).entries()) {
    if (!isRecord(spec) || typeof spec['name'] !== 'string')
      return fail(`weightSpecs[${i}]`, 'must be {name, shape, dtype}');
    const shape = spec['shape'];
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      return fail(`weightSpecs[${i}].shape`, 'must be an array of non-negative integers');
    if (spec['dtype'] !== undefined && spec['dtype'] !== 'float32')
      fail(`weightSpecs[${i}].dtype`, `must be float32, got ${JSON.stringify(spec['dtype'])}`);
    const count = (shape as number[]).reduce((n, d) => n * d, 1);
    if (!Number.isSafeInteger(count) || offset + count * 4 > data.byteLength)
      fail(`weightSpecs[${i}]`, `weightData holds ${data.byteLength} bytes, too few for the weights listed`);
    const name = spec['name'].replace(/\/[A-Za-z0-9_]*_cell(_\d+)?\//, '/');
    weights.set(name, {
      shape: [...(shape as number[])],
      values: new Float32Array(data.slice(offset, offset + count * 4)),
    });
    offset += count * 4;
  }
  const embeddingName = String(embeddingConfig['name']);
  const table = weights.get(`${embeddingName}/embeddings`);
  if (table === undefined || table.shape.length !== 2)
    return fail('weightSpecs', `weight "${embeddingName}/embeddings" is missing`);
  const [rows, width] = table.shape as [number, number];

  const exported = isRecord(artifacts.userDefinedMetadata)
    ? artifacts.userDefinedMetadata['charrnnExport']
    : undefined;
  let vocabulary = options.vocabulary;
  let labels = options.labels;
  if (vocabulary === undefined) {
    const tokenizerJson = isRecord(exported) ? exported['tokenizer'] : undefined;
    if (tokenizerJson === undefined)
      return fail(
        'userDefinedMetadata',
        'the model records no tokenizer: give its alphabet (--alphabet tutorial|unicode|<file>)',
      );
    try {
      vocabulary = tokenizerVocabulary(Tokenizer.fromJSON(tokenizerJson));
    } catch (error) {
      return fail('userDefinedMetadata.charrnnExport.tokenizer', (error as Error).message);
    }
  }
  if (labels === undefined && isRecord(exported) && Array.isArray(exported['labels']))
    labels = exported['labels'] as string[];
  const mapping = vocabularyTokenizer(typeof vocabulary === 'function' ? vocabulary(rows) : vocabulary);
  const remapped = new Float32Array(mapping.sourceRows.length * width);
  mapping.sourceRows.forEach((row, id) => {
    if (row >= rows) fail('--alphabet', `the vocabulary has more rows than the embedding's ${rows}`);
    if (row >= 0) remapped.set(table.values.subarray(row * width, (row + 1) * width), id * width);
  });
  weights.set(`${embeddingName}/embeddings`, { shape: [mapping.sourceRows.length, width], values: remapped });
  embeddingConfig['input_dim'] = mapping.sourceRows.length;

  const newSpecs: tf.io.WeightsManifestEntry[] = [];
  const total = [...weights.values()].reduce((n, w) => n + w.values.length, 0);
  const joined = new Float32Array(total);
  let at = 0;
  for (const [name, { shape, values }] of weights) {
    newSpecs.push({ name, shape, dtype: 'float32' });
    joined.set(values, at);
    at += values.length;
  }
  let model: CharClassifier;
  try {
    model = CharClassifier.fromArtifacts({
      modelTopology: {
        class_name: 'Sequential',
        config: { name: 'sequential', layers: chain },
        keras_version: topology['keras_version'] ?? (artifacts.modelTopology as Json)['keras_version'],
      },
      weightSpecs: newSpecs,
      weightData: joined.buffer,
    });
  } catch (error) {
    if (!(error instanceof InvalidBundleError)) throw error;
    // Names the file; the field is the one of the chain handed to fromArtifacts.
    const message =
      error.field === undefined ? error.message : error.message.replace(`field ${error.field}: `, '');
    throw new InvalidBundleError(message, {
      file,
      ...(error.field === undefined ? {} : { field: error.field }),
      cause: error,
    });
  }
  const numClasses = model.config.numClasses;
  const outLabels =
    labels === undefined ? Array.from({ length: numClasses }, (_, i) => String(i)) : [...labels];
  if (outLabels.length !== numClasses) {
    model.dispose();
    fail('--labels', `${outLabels.length} labels given, the model has ${numClasses} outputs`);
  }
  return { model, tokenizer: mapping.tokenizer, labels: outLabels, notes };
}

import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, InvalidBundleError, IoError, isCharRnnError } from './errors.js';
import type { ErrorContext } from './errors.js';
import { formatValue } from './format_value.js';
import { labelProblem } from './label_text.js';
import { CORE_VERSION } from './version.js';
import { dequantizeWeights, quantizeWeights, type WeightStoragePolicy } from './weight_quantization.js';
import { isArrayBuffer, joinWeightData, weightSpecsByteLength } from './weight_specs.js';

/** Version of the bundle layout written by {@link saveBundle}; {@link loadBundle} reads exactly this one. */
export const BUNDLE_FORMAT_VERSION = 1;

/** Key of the charrnn metadata inside a model's `userDefinedMetadata`. */
export const BUNDLE_METADATA_KEY = 'charrnn';

/**
 * What charrnn stores beside the network: everything needed to turn a name into a prediction
 * (tokenizer, labels) and to know where the model came from (config, training, metrics).
 * Saved as `userDefinedMetadata.charrnn` of the Layers-format `model.json`, so it must be
 * plain JSON.
 */
export interface BundleMetadata {
  /** Always {@link BUNDLE_FORMAT_VERSION}. */
  formatVersion: typeof BUNDLE_FORMAT_VERSION;
  /** ISO 8601 time the bundle was created, e.g. `new Date().toISOString()`. */
  createdAt: string;
  /** The tokenizer's JSON form (`Tokenizer.toJSON()` of `@charrnn/tokenizer`). */
  tokenizer: unknown;
  /**
   * Class names, index = class id = output unit; a generator's label names (empty for an
   * unconditional generator, whose `model.task` is `'generate'`).
   */
  labels: string[];
  /** Model configuration (cell type, sizes...). */
  model: Record<string, unknown>;
  /** Training configuration and provenance (optimizer, seed, data...). */
  training?: Record<string, unknown>;
  /** Evaluation results (accuracy, macro-F1...). */
  metrics?: Record<string, unknown>;
}

/** A trained model as saved and loaded: Layers-format topology and weights plus charrnn metadata. */
export interface ModelBundle {
  /** Keras / tfjs-layers model topology JSON (the `modelTopology` of `model.json`). */
  modelTopology: object;
  /** Weight names, shapes and dtypes, in the order their bytes appear in `weightData`. */
  weightSpecs: tf.io.WeightsManifestEntry[];
  /**
   * All weight values concatenated (little-endian float32/int32), as described by `weightSpecs`.
   * Always plain: {@link loadBundle} decodes quantized weights, {@link saveBundle} quantizes on
   * request ({@link SaveBundleOptions.weightStorage}).
   */
  weightData: ArrayBuffer;
  /** charrnn's own metadata. */
  metadata: BundleMetadata;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const META = `userDefinedMetadata.${BUNDLE_METADATA_KEY}`;

function validateMetadata(raw: unknown, where: ErrorContext): BundleMetadata {
  if (!isRecord(raw))
    throw new InvalidBundleError('charrnn metadata is missing (not a charrnn bundle?)', {
      ...where,
      field: META,
    });
  const version = raw['formatVersion'];
  if (version !== BUNDLE_FORMAT_VERSION) {
    throw new InvalidBundleError(
      `unsupported formatVersion ${formatValue(version)} (this @charrnn/core reads ${BUNDLE_FORMAT_VERSION})`,
      { ...where, field: `${META}.formatVersion` },
    );
  }
  const createdAt = raw['createdAt'];
  if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt))) {
    throw new InvalidBundleError('createdAt must be an ISO 8601 date string', {
      ...where,
      field: `${META}.createdAt`,
    });
  }
  if (raw['tokenizer'] === undefined || raw['tokenizer'] === null)
    throw new InvalidBundleError('tokenizer is missing', { ...where, field: `${META}.tokenizer` });
  const labels = raw['labels'];
  // An index loop, not every(): every() skips the holes of a sparse array.
  const allStrings = (list: unknown[]): boolean => {
    for (let i = 0; i < list.length; i++) if (typeof list[i] !== 'string') return false;
    return true;
  };
  // A generator (language model) without label conditioning has no labels.
  const generator = isRecord(raw['model']) && raw['model']['task'] === 'generate';
  if (!Array.isArray(labels) || (labels.length === 0 && !generator) || !allStrings(labels)) {
    throw new InvalidBundleError('labels must be a non-empty array of strings', {
      ...where,
      field: `${META}.labels`,
    });
  }
  for (const [i, label] of (labels as string[]).entries()) {
    const problem = labelProblem(label);
    if (problem !== undefined)
      throw new InvalidBundleError(`${problem} in label ${i + 1} (${formatValue(label)})`, {
        ...where,
        field: `${META}.labels[${i}]`,
      });
  }
  if (new Set(labels).size !== labels.length)
    throw new InvalidBundleError('labels must be unique', { ...where, field: `${META}.labels` });
  if (!isRecord(raw['model']))
    throw new InvalidBundleError('model must be an object', { ...where, field: `${META}.model` });
  for (const key of ['training', 'metrics'] as const) {
    if (raw[key] !== undefined && !isRecord(raw[key]))
      throw new InvalidBundleError(`${key} must be an object when present`, {
        ...where,
        field: `${META}.${key}`,
      });
  }
  return raw as unknown as BundleMetadata;
}

/** Validates untrusted artifacts and turns them into a bundle. */
function bundleFromArtifacts(artifacts: tf.io.ModelArtifacts, where: ErrorContext = {}): ModelBundle {
  if (artifacts.format !== undefined && artifacts.format !== 'layers-model') {
    throw new InvalidBundleError(`format must be "layers-model", got ${formatValue(artifacts.format)}`, {
      ...where,
      field: 'format',
    });
  }
  const { modelTopology } = artifacts;
  if (!isRecord(modelTopology) || isArrayBuffer(modelTopology)) {
    throw new InvalidBundleError('modelTopology is missing or not a JSON object', {
      ...where,
      field: 'modelTopology',
    });
  }
  const expectedBytes = weightSpecsByteLength(artifacts.weightSpecs, 'weightSpecs', where);
  const weightSpecs = artifacts.weightSpecs as tf.io.WeightsManifestEntry[];
  if (artifacts.weightData === undefined || artifacts.weightData === null) {
    throw new InvalidBundleError('weightData is missing', { ...where, field: 'weightData' });
  }
  const weightData = joinWeightData(artifacts.weightData);
  if (weightData === undefined)
    throw new InvalidBundleError('weightData must be an ArrayBuffer or an array of ArrayBuffers', {
      ...where,
      field: 'weightData',
    });
  if (weightData.byteLength !== expectedBytes) {
    throw new InvalidBundleError(
      `weightData has ${weightData.byteLength} bytes but weightSpecs describe ${expectedBytes}`,
      { ...where, field: 'weightData' },
    );
  }
  const metadata = validateMetadata(artifacts.userDefinedMetadata?.[BUNDLE_METADATA_KEY], where);
  return { modelTopology, weightSpecs, weightData, metadata };
}

/**
 * Saves a bundle through any tfjs IO handler: `fileSystemHandler(dir)` from
 * `@charrnn/core/node`, `tf.io.browserDownloads()`, `tf.io.http(url)`, `'indexeddb://name'`
 * handlers, `tf.io.withSaveHandler(...)`.
 *
 * The handler receives standard Layers-format artifacts (`format: 'layers-model'`,
 * `generatedBy: 'charrnn <version>'`) with the metadata under `userDefinedMetadata.charrnn`,
 * so the saved `model.json` looks like one written by tfjs-layers' `model.save()`.
 *
 * @throws InvalidBundleError when the bundle itself is inconsistent (same checks as
 *   {@link loadBundle}), InvalidArgumentError when the handler cannot save
 *
 * @example
 * ```ts
 * import { fileSystemHandler } from '@charrnn/core/node';
 * await saveBundle({ ...model.toArtifacts(), metadata }, fileSystemHandler('runs/best'));
 * ```
 */
export async function saveBundle(
  bundle: ModelBundle,
  handler: tf.io.IOHandler,
  options: SaveBundleOptions = {},
): Promise<tf.io.SaveResult> {
  if (typeof handler.save !== 'function')
    throw new InvalidArgumentError('IO handler has no save method', { field: 'handler' });
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: bundle.modelTopology,
    format: 'layers-model',
    generatedBy: `charrnn ${CORE_VERSION}`,
    convertedBy: null,
    weightSpecs: bundle.weightSpecs,
    weightData: bundle.weightData,
    userDefinedMetadata: { [BUNDLE_METADATA_KEY]: bundle.metadata as unknown as object },
  };
  bundleFromArtifacts(artifacts);
  const storage = options.weightStorage ?? 'float32';
  if (storage !== 'float32')
    Object.assign(artifacts, quantizeWeights(bundle.weightSpecs, bundle.weightData, storage));
  return handler.save(artifacts);
}

/** Options of {@link saveBundle}. */
export interface SaveBundleOptions {
  /**
   * How the float32 weights are stored (default `float32`): `float16` halves the weights file,
   * `uint8` quarters it; one storage for all, or a function of the weight's name. tfjs's own
   * weight quantization in the manifest, decoded by {@link loadBundle} and `tf.loadLayersModel`.
   */
  weightStorage?: WeightStoragePolicy;
}

/**
 * The file or URL a handler reads, when it tells: `fileSystemHandler(dir).path` (its model.json),
 * `tf.io.http(url).path`. Named in validation errors.
 */
function sourceOf(handler: tf.io.IOHandler): ErrorContext {
  const path = (handler as { path?: unknown }).path;
  return typeof path === 'string' ? { file: path } : {};
}

/**
 * Loads and validates a bundle through any tfjs IO handler (`fileSystemHandler(dir)`,
 * `tf.io.http(url)`, `tf.io.browserFiles([json, weights])`, `tf.io.fromMemory(...)`).
 *
 * Checks, each failure naming its field: `format` is `layers-model` when present;
 * `modelTopology` is a JSON object; `weightSpecs` is an array of float32/int32 entries with
 * non-negative integer shapes (float32 ones may carry tfjs's `quantization`, float16 or
 * uint8/uint16 with `scale` and `min`: they are decoded to float32 here); `weightData` (one buffer or shards, joined here) has exactly the
 * bytes the specs describe; `userDefinedMetadata.charrnn` exists with `formatVersion` 1, an ISO
 * `createdAt`, a `tokenizer`, unique string `labels` (each valid by `labelProblem`: no control
 * character, tab or line break) and a `model` object. When the handler has a
 * string `path` (`fileSystemHandler`'s model.json, `tf.io.http`'s URL), errors name it as the file.
 * Declared weight shapes are checked with overflow guards before anything is allocated.
 *
 * @throws InvalidBundleError naming the offending field; IoError when the handler itself fails
 *   with a non-charrnn error; InvalidArgumentError when the handler cannot load
 *
 * @example
 * ```ts
 * const bundle = await loadBundle(fileSystemHandler('runs/best'));
 * bundle.metadata.labels; // ['Arabic', 'Chinese', ...]
 * ```
 */
export async function loadBundle(handler: tf.io.IOHandler): Promise<ModelBundle> {
  if (typeof handler.load !== 'function')
    throw new InvalidArgumentError('IO handler has no load method', { field: 'handler' });
  let artifacts: tf.io.ModelArtifacts;
  try {
    artifacts = await handler.load();
  } catch (error) {
    if (isCharRnnError(error)) throw error;
    throw new IoError(`loading the model failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const where = sourceOf(handler);
  if (!isRecord(artifacts)) throw new InvalidBundleError('IO handler returned no model artifacts', where);
  const bundle = bundleFromArtifacts(artifacts, where);
  return { ...bundle, ...dequantizeWeights(bundle.weightSpecs, bundle.weightData) };
}

import type * as tf from '@tensorflow/tfjs-core';
import {
  InvalidBundleError,
  loadBundle,
  saveBundle,
  type BundleMetadata,
  type WeightStoragePolicy,
} from '@charrnn/core';
import { CharClassifier } from '@charrnn/layers';
import { Tokenizer } from '@charrnn/tokenizer';
import { bundleKind, ModelKindError } from './generate/generator_bundle.js';

/** A classifier with everything needed to read names: tokenizer, label names, metadata. */
export interface ClassifierBundle {
  /** The classifier (with its n-gram head, when it has one). */
  model: CharClassifier;
  /** The tokenizer it was trained with. */
  tokenizer: Tokenizer;
  /** Label of each output, in output order. */
  labels: string[];
  /** The bundle's charrnn metadata (training config, metrics...). */
  metadata: BundleMetadata;
}

/** What to record beside the weights when saving. */
export interface SaveClassifierOptions {
  /** Training configuration to keep with the model. */
  training?: Record<string, unknown>;
  /** Metrics to keep with the model. */
  metrics?: Record<string, unknown>;
  /**
   * How the weights are stored (default `float32`): `float16`, `uint8`, or a function of the
   * weight's name (the n-gram head's are `ngram/kernel` and `ngram/bias`). See `saveBundle`.
   */
  weightStorage?: WeightStoragePolicy;
}

/**
 * Saves a classifier, its tokenizer and label names as one model bundle through any `tf.io`
 * handler (files with `fileSystemHandler` from `@charrnn/core/node`, IndexedDB, downloads...).
 * Give either a {@link ClassifierBundle} (what {@link trainClassifier} returns; its metadata's
 * `training` and `metrics` are kept unless `options` replaces them) or the model, tokenizer and
 * labels. An attached n-gram head is saved too: its JSON as `model.ngram` in the charrnn
 * metadata, its weights as `ngram/kernel` and `ngram/bias` after the recurrent model's. (Such a
 * bundle is no longer a plain tfjs-layers model: `charrnn export` writes the recurrent part alone.)
 *
 * @example
 * ```ts
 * await saveClassifierBundle(bundle, fileSystemHandler('runs/x'));
 * await saveClassifierBundle(model, tokenizer, labels, fileSystemHandler('runs/y'));
 * ```
 * @throws InvalidBundleError when the labels do not match the model's outputs
 */
export function saveClassifierBundle(
  bundle: ClassifierBundle,
  handler: tf.io.IOHandler,
  options?: SaveClassifierOptions,
): Promise<tf.io.SaveResult>;
export function saveClassifierBundle(
  model: CharClassifier,
  tokenizer: Tokenizer,
  labels: readonly string[],
  handler: tf.io.IOHandler,
  options?: SaveClassifierOptions,
): Promise<tf.io.SaveResult>;
export async function saveClassifierBundle(
  first: CharClassifier | ClassifierBundle,
  ...rest:
    | [handler: tf.io.IOHandler, options?: SaveClassifierOptions]
    | [
        tokenizer: Tokenizer,
        labels: readonly string[],
        handler: tf.io.IOHandler,
        options?: SaveClassifierOptions,
      ]
): Promise<tf.io.SaveResult> {
  if (first instanceof CharClassifier) {
    const [tokenizer, labels, handler, options] = rest as [
      Tokenizer,
      readonly string[],
      tf.io.IOHandler,
      SaveClassifierOptions | undefined,
    ];
    return saveParts(first, tokenizer, labels, handler, options ?? {});
  }
  const [handler, options = {}] = rest as [tf.io.IOHandler, SaveClassifierOptions | undefined];
  const { training, metrics } = first.metadata;
  return saveParts(first.model, first.tokenizer, first.labels, handler, {
    ...(training === undefined ? {} : { training }),
    ...(metrics === undefined ? {} : { metrics }),
    ...options,
  });
}

async function saveParts(
  model: CharClassifier,
  tokenizer: Tokenizer,
  labels: readonly string[],
  handler: tf.io.IOHandler,
  options: SaveClassifierOptions,
): Promise<tf.io.SaveResult> {
  if (labels.length !== model.config.numClasses) {
    throw new InvalidBundleError(
      `the model has ${model.config.numClasses} outputs but ${labels.length} labels were given`,
      {
        field: 'labels',
      },
    );
  }
  const head = model.ngramHead;
  return saveBundle(
    {
      ...model.toArtifacts({ ngramHead: true }),
      metadata: {
        formatVersion: 1,
        createdAt: new Date().toISOString(),
        tokenizer: tokenizer.toJSON(),
        labels: [...labels],
        model: { ...model.config, ...(head === undefined ? {} : { ngram: head.toJSON() }) },
        ...(options.training === undefined ? {} : { training: options.training }),
        ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
      },
    },
    handler,
    options.weightStorage === undefined ? {} : { weightStorage: options.weightStorage },
  );
}

/**
 * Loads a bundle saved by {@link saveClassifierBundle} (or `charrnn train`). Run it after the
 * backend is chosen: the weights are created on the active backend.
 *
 * @throws InvalidBundleError when the bundle is malformed or its parts disagree; ModelKindError
 *   (an InvalidBundleError) when it holds a generator.
 */
export async function loadClassifierBundle(handler: tf.io.IOHandler): Promise<ClassifierBundle> {
  const bundle = await loadBundle(handler);
  if (bundleKind(bundle.metadata) === 'generator') {
    const path = (handler as { path?: unknown }).path;
    throw new ModelKindError('classifier', 'generator', typeof path === 'string' ? path : undefined);
  }
  const tokenizer = Tokenizer.fromJSON(bundle.metadata.tokenizer);
  const labels = bundle.metadata.labels;
  // A SimpleRNN reads back as cell 'rnn' unless the bundle recorded its Keras name 'simple'.
  const ngram = bundle.metadata.model['ngram'];
  const model = CharClassifier.fromArtifacts(bundle, {
    simpleCell: bundle.metadata.model['cell'] === 'simple' ? 'simple' : 'rnn',
    ...(ngram === undefined ? {} : { ngram, ngramField: 'userDefinedMetadata.charrnn.model.ngram' }),
  });
  if (model.config.numClasses !== labels.length) {
    model.dispose();
    throw new InvalidBundleError(
      `the model has ${model.config.numClasses} outputs but ${labels.length} labels`,
      {
        field: 'userDefinedMetadata.charrnn.labels',
      },
    );
  }
  if (model.config.vocabSize !== tokenizer.vocabSize) {
    model.dispose();
    throw new InvalidBundleError(
      `the model's embedding has ${model.config.vocabSize} rows but the tokenizer has ${tokenizer.vocabSize} ids`,
      { field: 'userDefinedMetadata.charrnn.tokenizer' },
    );
  }
  return { model, tokenizer, labels, metadata: bundle.metadata };
}

import type * as tf from '@tensorflow/tfjs-core';
import { InvalidBundleError, loadBundle, saveBundle, type BundleMetadata } from '@charrnn/core';
import { CharClassifier } from '@charrnn/layers';
import { Tokenizer } from '@charrnn/tokenizer';
import { bundleKind, ModelKindError } from './generate/generator_bundle.js';

/** A classifier with everything needed to read names: tokenizer, label names, metadata. */
export interface ClassifierBundle {
  model: CharClassifier;
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
}

/** One name's prediction from {@link classifyNames}. */
export interface NamePrediction {
  /** The name as given. */
  name: string;
  /** The name as the model reads it, after the tokenizer's normalization. */
  normalized: string;
  /** The `k` most likely labels, most likely first. */
  top: { label: string; probability: number }[];
}

/**
 * Saves a classifier, its tokenizer and label names as one model bundle through any `tf.io`
 * handler (files with `fileSystemHandler` from `@charrnn/core/node`, IndexedDB, downloads...).
 * An attached n-gram head is saved too: its JSON as `model.ngram` in the charrnn metadata, its
 * weights as `ngram/kernel` and `ngram/bias` after the recurrent model's. (Such a bundle is no
 * longer a plain tfjs-layers model: `charrnn export` writes the recurrent part alone.)
 *
 * @example
 * ```ts
 * await saveClassifierBundle(model, tokenizer, labels, fileSystemHandler('runs/x'));
 * ```
 */
export async function saveClassifierBundle(
  model: CharClassifier,
  tokenizer: Tokenizer,
  labels: readonly string[],
  handler: tf.io.IOHandler,
  options: SaveClassifierOptions = {},
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

/**
 * The `k` most likely labels of each name, in input order. Names are read in chunks of
 * `chunkSize`; any string is accepted (characters the tokenizer does not know are handled by
 * its policy).
 */
export function classifyNames(
  bundle: Pick<ClassifierBundle, 'model' | 'tokenizer' | 'labels'>,
  names: readonly string[],
  k = 3,
  chunkSize = 256,
): NamePrediction[] {
  const out: NamePrediction[] = [];
  const numClasses = bundle.labels.length;
  const topK = Math.max(1, Math.min(k, numClasses));
  for (let start = 0; start < names.length; start += chunkSize) {
    const chunk = names.slice(start, start + chunkSize);
    const probabilities = bundle.model.predictProba(bundle.tokenizer.encodeBatch(chunk));
    chunk.forEach((name, row) => {
      const scores = probabilities.subarray(row * numClasses, (row + 1) * numClasses);
      const order = Array.from(scores.keys()).sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0));
      out.push({
        name,
        normalized: bundle.tokenizer.normalize(name),
        top: order
          .slice(0, topK)
          .map((i) => ({ label: bundle.labels[i] ?? String(i), probability: scores[i] ?? 0 })),
      });
    });
  }
  return out;
}

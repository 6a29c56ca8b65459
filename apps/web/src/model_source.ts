import * as tf from '@tensorflow/tfjs-core';
import { InvalidBundleError } from '@charrnn/core';
import { loadClassifierBundle, saveClassifierBundle, type ClassifierBundle } from '@charrnn/trainer';

/** Where the browser-trained model is kept between visits. */
export const TRAINED_MODEL_URL = 'indexeddb://charrnn-demo-trained';

/**
 * A model bundle read into memory once. Keeping the raw artifacts lets the demo rebuild the
 * classifier on another backend after a backend switch, from the same bytes.
 */
export interface ModelSource {
  /** Shown on the page (e.g. `shipped model`, a dropped file's name): render as text. */
  description: string;
  artifacts: tf.io.ModelArtifacts;
}

async function readArtifacts(handler: tf.io.IOHandler, description: string): Promise<ModelSource> {
  if (handler.load === undefined)
    throw new InvalidBundleError('this handler cannot load', { file: description });
  return { description, artifacts: await handler.load() };
}

/** The model that ships with the demo (`public/model`, see README.md for how it was trained). */
export function shippedModel(): Promise<ModelSource> {
  const url = new URL('model/model.json', document.baseURI).href;
  return readArtifacts(tf.io.http(url), 'shipped model (embedded corpus, tutorial RNN)');
}

/** The model the in-browser training saved to IndexedDB, or `null` when there is none. */
export async function storedTrainedModel(): Promise<ModelSource | null> {
  const models = await tf.io.listModels().catch(() => ({}) as Record<string, unknown>);
  if (!(TRAINED_MODEL_URL in models)) return null;
  const [handler] = tf.io.getLoadHandlers(TRAINED_MODEL_URL);
  if (handler === undefined) return null;
  return readArtifacts(handler, 'model trained in this browser (IndexedDB)');
}

/**
 * A bundle written by `charrnn train` (or downloaded from this page), picked or dropped as
 * files: one `model.json` and its weights file(s), matched by the names in its manifest.
 */
export function bundleFromFiles(files: readonly File[]): Promise<ModelSource> {
  const json = files.filter((f) => f.name.toLowerCase().endsWith('.json'));
  const weights = files.filter((f) => !f.name.toLowerCase().endsWith('.json'));
  if (json.length !== 1)
    throw new InvalidBundleError(
      `pick exactly one model.json and its weights file (got ${json.length} .json files)`,
    );
  const [modelJson] = json as [File];
  if (weights.length === 0)
    throw new InvalidBundleError(`the weights file of ${modelJson.name} is missing`, {
      file: modelJson.name,
    });
  return readArtifacts(tf.io.browserFiles([modelJson, ...weights]), `${modelJson.name} (from your files)`);
}

/** Builds the classifier on the active backend. Dispose `bundle.model` when done. */
export function instantiate(source: ModelSource): Promise<ClassifierBundle> {
  return loadClassifierBundle(tf.io.fromMemory(source.artifacts));
}

/**
 * Offers the bundle as two downloads, `<prefix>.json` and `<prefix>.weights.bin`; with the
 * default prefix, `model.json` as `charrnn predict --model <folder>` expects it.
 */
export async function downloadBundle(bundle: ClassifierBundle, prefix = 'model'): Promise<void> {
  const [handler] = tf.io.getSaveHandlers(`downloads://${prefix}`);
  if (handler === undefined) throw new Error('downloads are not available in this browser');
  await saveClassifierBundle(bundle.model, bundle.tokenizer, bundle.labels, handler, {
    ...(bundle.metadata.training === undefined ? {} : { training: bundle.metadata.training }),
    ...(bundle.metadata.metrics === undefined ? {} : { metrics: bundle.metadata.metrics }),
  });
}

import * as tf from '@tensorflow/tfjs-core';
import { InvalidBundleError, zipLoadHandler, zipSaveHandler } from '@charrnn/core';
import { loadClassifierBundle, saveClassifierBundle, type ClassifierBundle } from '@charrnn/trainer';
import { SHIPPED_MODEL } from './model_files.js';

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
  /** Bytes downloaded for it, when it came over the network. */
  downloadedBytes?: number;
}

async function readArtifacts(handler: tf.io.IOHandler, description: string): Promise<ModelSource> {
  if (handler.load === undefined)
    throw new InvalidBundleError('this handler cannot load', { file: description });
  return { description, artifacts: await handler.load() };
}

/** Fetches one zipped bundle next to the page (`public/model/<file>`). */
export async function fetchZippedModel(file: string, description: string): Promise<ModelSource> {
  const url = new URL(`model/${file}`, document.baseURI).href;
  const response = await fetch(url);
  if (!response.ok) throw new InvalidBundleError(`cannot download (HTTP ${response.status})`, { file: url });
  const bytes = new Uint8Array(await response.arrayBuffer());
  return {
    ...(await readArtifacts(zipLoadHandler(bytes, file), description)),
    downloadedBytes: bytes.byteLength,
  };
}

/** The model that ships with the demo (`public/model/model.zip`, see README.md for how it was made). */
export function shippedModel(): Promise<ModelSource> {
  return fetchZippedModel(SHIPPED_MODEL, 'shipped model');
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
 * A bundle picked or dropped as files: one `.zip` (this page's download), or a folder's
 * `model.json` and its weights file(s) as `charrnn train` writes them, matched by the names in
 * its manifest.
 * @throws InvalidBundleError saying in plain words what is missing
 */
export async function bundleFromFiles(files: readonly File[]): Promise<ModelSource> {
  const zips = files.filter((f) => f.name.toLowerCase().endsWith('.zip'));
  if (zips.length > 0) {
    if (files.length !== 1)
      throw new InvalidBundleError('pick the .zip file alone (it already holds the whole model)');
    const [zip] = zips as [File];
    return readArtifacts(
      zipLoadHandler(new Uint8Array(await zip.arrayBuffer()), zip.name),
      `${zip.name} (from your files)`,
    );
  }
  const json = files.filter((f) => f.name.toLowerCase().endsWith('.json'));
  const weights = files.filter((f) => !f.name.toLowerCase().endsWith('.json'));
  if (json.length !== 1)
    throw new InvalidBundleError(
      `pick one .zip, or exactly one model.json with its weights file (got ${json.length} .json files)`,
    );
  const [modelJson] = json as [File];
  if (weights.length === 0)
    throw new InvalidBundleError(`the weights file of ${modelJson.name} is missing: pick it too`, {
      file: modelJson.name,
    });
  return readArtifacts(tf.io.browserFiles([modelJson, ...weights]), `${modelJson.name} (from your files)`);
}

/** Builds the classifier on the active backend. Dispose `bundle.model` when done. */
export function instantiate(source: ModelSource): Promise<ClassifierBundle> {
  return loadClassifierBundle(tf.io.fromMemory(source.artifacts));
}

/**
 * Offers the bundle as one download, `<name>.zip` (model.json and its weights, compressed),
 * which this page's picker and `charrnn predict --model <name>.zip` both read.
 */
export async function downloadBundle(bundle: ClassifierBundle, name = 'charrnn-model'): Promise<void> {
  let zip: Uint8Array | undefined;
  await saveClassifierBundle(
    bundle.model,
    bundle.tokenizer,
    bundle.labels,
    zipSaveHandler((z) => void (zip = z)),
    {
      ...(bundle.metadata.training === undefined ? {} : { training: bundle.metadata.training }),
      ...(bundle.metadata.metrics === undefined ? {} : { metrics: bundle.metadata.metrics }),
    },
  );
  if (zip === undefined) throw new Error('the zip was not made');
  const url = URL.createObjectURL(new Blob([zip as BlobPart], { type: 'application/zip' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = `${name}.zip`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

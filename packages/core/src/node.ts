/**
 * Node-only helpers of `@charrnn/core` (import from `@charrnn/core/node`): atomic file writes and
 * a file-system IO handler for model bundles.
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, InvalidBundleError, IoError } from './errors.js';
import { isArrayBuffer, joinWeightData, weightSpecsByteLength } from './weight_specs.js';

/** File name of the model JSON written by {@link fileSystemHandler}. */
export const MODEL_JSON_FILE = 'model.json';
/** File name of the weights written by {@link fileSystemHandler}. */
export const WEIGHTS_FILE = 'weights.bin';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function errnoCode(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

async function fsyncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Best effort: directories cannot be opened or fsync'ed on every platform (Windows).
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Writes a file so that readers see either the old content or the complete new content, never
 * a partial file: the data goes to a temporary file with a random suffix in the same directory,
 * is fsync'ed, then renamed over `path`; the directory is then fsync'ed (best effort). On
 * failure the temporary file is removed.
 *
 * @param path destination; its directory must exist
 * @param data text (written as UTF-8) or bytes
 * @throws IoError naming `path` when any step fails
 *
 * @example
 * ```ts
 * await writeFileAtomic('runs/best/metrics.json', JSON.stringify(report, null, 2));
 * ```
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'wx');
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, path);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    throw new IoError(`cannot write file: ${messageOf(error)}`, { file: path, cause: error });
  }
  await fsyncDirectory(dir);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a file of a bundle; a missing file is an invalid bundle, other failures are I/O errors. */
async function readBundleFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new InvalidBundleError('file not found', { file: path, cause: error });
    throw new IoError(`cannot read file: ${messageOf(error)}`, { file: path, cause: error });
  }
}

/** Fields of ModelArtifacts copied verbatim between model.json and the artifacts. */
const PASSTHROUGH_FIELDS = [
  'format',
  'generatedBy',
  'convertedBy',
  'trainingConfig',
  'signature',
  'userDefinedMetadata',
  'modelInitializer',
  'initializerSignature',
] as const;

async function saveToDirectory(dir: string, artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
  const { modelTopology } = artifacts;
  if (modelTopology === undefined || isArrayBuffer(modelTopology)) {
    throw new InvalidArgumentError('fileSystemHandler saves JSON model topologies only', {
      field: 'modelTopology',
    });
  }
  const weightSpecs = artifacts.weightSpecs ?? [];
  const expected = weightSpecsByteLength(weightSpecs, 'weightSpecs');
  const weightData =
    artifacts.weightData === undefined ? new ArrayBuffer(0) : joinWeightData(artifacts.weightData);
  if (weightData === undefined)
    throw new InvalidBundleError('weightData must be an ArrayBuffer or an array of ArrayBuffers', {
      field: 'weightData',
    });
  if (weightData.byteLength !== expected) {
    throw new InvalidBundleError(
      `weightData has ${weightData.byteLength} bytes but weightSpecs describe ${expected}`,
      { field: 'weightData' },
    );
  }
  const modelJson: Record<string, unknown> = {
    modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: weightSpecs }],
  };
  for (const field of PASSTHROUGH_FIELDS)
    if (artifacts[field] !== undefined) modelJson[field] = artifacts[field];
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new IoError(`cannot create directory: ${messageOf(error)}`, { file: dir, cause: error });
  }
  // Weights first: a complete model.json then always points at complete weights.
  await writeFileAtomic(join(dir, WEIGHTS_FILE), new Uint8Array(weightData));
  await writeFileAtomic(join(dir, MODEL_JSON_FILE), JSON.stringify(modelJson));
  return {
    modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON({ ...artifacts, weightSpecs, weightData }),
  };
}

async function loadFromDirectory(dir: string): Promise<tf.io.ModelArtifacts> {
  const root = resolve(dir);
  const modelPath = join(dir, MODEL_JSON_FILE);
  const text = (await readBundleFile(modelPath)).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidBundleError(`malformed JSON: ${messageOf(error)}`, { file: modelPath, cause: error });
  }
  if (!isRecord(json)) throw new InvalidBundleError('expected a JSON object', { file: modelPath });
  if (!isRecord(json['modelTopology']))
    throw new InvalidBundleError('modelTopology is missing or not a JSON object', {
      file: modelPath,
      field: 'modelTopology',
    });
  const manifest = json['weightsManifest'];
  if (!Array.isArray(manifest))
    throw new InvalidBundleError('weightsManifest must be an array', {
      file: modelPath,
      field: 'weightsManifest',
    });

  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const shards: ArrayBuffer[] = [];
  for (const [g, group] of (manifest as unknown[]).entries()) {
    const at = `weightsManifest[${g}]`;
    if (!isRecord(group))
      throw new InvalidBundleError('manifest group must be an object', { file: modelPath, field: at });
    const { paths, weights } = group;
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string' && p !== '')) {
      throw new InvalidBundleError('paths must be an array of file names', {
        file: modelPath,
        field: `${at}.paths`,
      });
    }
    const expected = weightSpecsByteLength(weights, `${at}.weights`, { file: modelPath });
    let actual = 0;
    for (const path of paths as string[]) {
      const full = resolve(root, path);
      if (!full.startsWith(root + sep))
        throw new InvalidBundleError(`weights path "${path}" leaves the model directory`, {
          file: modelPath,
          field: `${at}.paths`,
        });
      const bytes = await readBundleFile(full);
      actual += bytes.byteLength;
      shards.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    }
    if (actual !== expected) {
      throw new InvalidBundleError(
        `weights file has ${actual} bytes but the manifest describes ${expected}`,
        { file: join(dir, (paths as string[]).join('+')) },
      );
    }
    weightSpecs.push(...(weights as tf.io.WeightsManifestEntry[]));
  }

  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json['modelTopology'],
    weightSpecs,
    weightData: joinWeightData(shards) ?? new ArrayBuffer(0),
  };
  for (const field of PASSTHROUGH_FIELDS) {
    if (json[field] !== undefined) (artifacts as Record<string, unknown>)[field] = json[field];
  }
  return artifacts;
}

/**
 * A tfjs IO handler that stores a model in a directory, as tfjs-layers' own `file://` handler
 * does: `model.json` (Layers format: `modelTopology`, `format`, `generatedBy`, `convertedBy`,
 * `weightsManifest: [{ paths: ['weights.bin'], weights }]`, `userDefinedMetadata`...) and
 * `weights.bin`. Works with `saveBundle` / `loadBundle` and with tfjs-layers'
 * `model.save(handler)` / `tf.loadLayersModel(handler)`.
 *
 * `save` creates `dir` (like `mkdir -p`) and writes `weights.bin`, then `model.json`, each
 * atomically ({@link writeFileAtomic}). `load` reads every weights file the manifest lists
 * (paths must stay inside `dir`) and checks its size against the manifest.
 *
 * @param dir directory of the model
 * @throws (from `load`) InvalidBundleError naming the file when `model.json` or a weights file
 *   is missing, `model.json` is not valid JSON or a manifest entry is malformed, or a weights
 *   file's size differs from what the manifest describes; IoError for other read failures
 *
 * @example
 * ```ts
 * import { loadBundle, saveBundle } from '@charrnn/core';
 * import { fileSystemHandler } from '@charrnn/core/node';
 * await saveBundle(bundle, fileSystemHandler('runs/best'));
 * const again = await loadBundle(fileSystemHandler('runs/best'));
 * ```
 */
export function fileSystemHandler(dir: string): tf.io.IOHandler {
  return {
    save: (artifacts) => saveToDirectory(dir, artifacts),
    load: () => loadFromDirectory(dir),
  };
}

import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readdir, realpath, rm, stat } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { BUNDLE_METADATA_KEY } from '../bundle.js';
import { InvalidArgumentError, InvalidBundleError, IoError, isCharRnnError } from '../errors.js';
import { isArrayBuffer, joinWeightData, weightSpecsByteLength } from '../weight_specs.js';
import { errnoCode, messageOf, writeFileAtomic } from './write_file_atomic.js';

/** File name of the model JSON written by {@link fileSystemHandler}. */
export const MODEL_JSON_FILE = 'model.json';

/**
 * Fixed weights file name used by earlier versions of {@link fileSystemHandler} (and by
 * tfjs-layers' own `file://` handler). Still read when a `model.json` lists it; a save now
 * writes `weights.<hash>.bin` instead (see {@link weightsFileName}) and deletes a stale
 * `weights.bin`.
 */
export const WEIGHTS_FILE = 'weights.bin';

/** Largest `model.json` {@link fileSystemHandler} reads: 64 MiB (charrnn's are a few KiB). */
export const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;

/** Weights files a save writes (`weights.<16 hex>.bin`) or wrote before (`weights.bin`). */
const OWN_WEIGHTS = /^weights(?:\.[0-9a-f]{16})?\.bin$/;
/** Temporary files of interrupted saves of those and of `model.json` (see `writeFileAtomic`). */
const OWN_TEMP = /^\.(?:model\.json|weights(?:\.[0-9a-f]{16})?\.bin)\.[0-9a-f]{12}\.tmp$/;
/** Content-addressed weights file name: the hash is checked on load. */
const HASHED_WEIGHTS = /^weights\.([0-9a-f]{16})\.bin$/;

/** Loads retried when the bundle changed while it was being read (a concurrent save). */
const LOAD_ATTEMPTS = 25;

function sha256Prefix(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

/**
 * The file name {@link fileSystemHandler} stores weights under: `weights.<h>.bin`, where `<h>`
 * is the first 16 hex digits of the SHA-256 of the bytes. Equal weights always get the same
 * name and different weights (practically) never do, so a save never overwrites a weights file
 * that an existing `model.json` refers to with other bytes.
 *
 * @example
 * ```ts
 * weightsFileName(new Uint8Array(0)); // 'weights.e3b0c44298fc1c14.bin'
 * ```
 */
export function weightsFileName(data: Uint8Array): string {
  return `weights.${sha256Prefix(data)}.bin`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Errors that mean "this path does not name a readable file of the bundle". */
const NOT_A_BUNDLE_FILE = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'ENAMETOOLONG', 'ELOOP']);

function fileError(error: unknown, path: string, doing: string): Error {
  if (isCharRnnError(error)) return error;
  const code = errnoCode(error);
  if (code === 'ENOENT' || code === 'ENOTDIR')
    return new InvalidBundleError('file not found', { file: path, cause: error });
  if (code !== undefined && NOT_A_BUNDLE_FILE.has(code))
    return new InvalidBundleError(`not a readable file (${code})`, { file: path, cause: error });
  return new IoError(`cannot ${doing} file: ${messageOf(error)}`, { file: path, cause: error });
}

/**
 * Reads a file of a bundle after checking its size with `check` (which throws to refuse it), so
 * an oversized or truncated file is refused before anything is allocated. Missing files and
 * non-files are invalid bundles; other failures are I/O errors.
 */
async function readBundleFile(path: string, check: (size: number) => void): Promise<Buffer> {
  let handle: FileHandle | undefined;
  try {
    // O_NONBLOCK: a FIFO named model.json must not hang the load.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const info = await handle.stat();
    if (!info.isFile()) throw new InvalidBundleError('not a regular file', { file: path });
    check(info.size);
    const bytes = await handle.readFile();
    if (bytes.byteLength !== info.size)
      throw new InvalidBundleError('file changed while it was read', { file: path });
    return bytes;
  } catch (error) {
    throw fileError(error, path, 'read');
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

async function fileSize(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new InvalidBundleError('not a regular file', { file: path });
    return info.size;
  } catch (error) {
    throw fileError(error, path, 'read');
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

/** Deletes weights files no longer referenced and temp files of interrupted saves (best effort). */
async function removeStaleFiles(dir: string, keep: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((name) => name !== keep && (OWN_WEIGHTS.test(name) || OWN_TEMP.test(name)))
      .map((name) => rm(join(dir, name), { force: true }).catch(() => undefined)),
  );
}

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
  const bytes = new Uint8Array(weightData);
  const weightsFile = weightsFileName(bytes);
  const modelJson: Record<string, unknown> = {
    modelTopology,
    weightsManifest: [{ paths: [weightsFile], weights: weightSpecs }],
  };
  for (const field of PASSTHROUGH_FIELDS)
    if (artifacts[field] !== undefined) modelJson[field] = artifacts[field];
  const text = JSON.stringify(modelJson);
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new IoError(`cannot create directory: ${messageOf(error)}`, { file: dir, cause: error });
  }
  // 1. The weights, under a name no other content gets: the model.json now on disk does not
  //    refer to it unless it holds these very bytes, so this never tears the current bundle.
  await writeFileAtomic(join(dir, weightsFile), bytes);
  // 2. The commit point: one atomic rename switches readers from the old bundle to the new one.
  await writeFileAtomic(join(dir, MODEL_JSON_FILE), text);
  // 3. Only now may the old weights go, with the temp files of saves killed earlier.
  await removeStaleFiles(dir, weightsFile);
  return {
    // What tf.io.getModelArtifactsInfoForJSON reports, computed here so that this module does not
    // load tfjs-core at run time (a child process saving a checkpoint starts faster).
    modelArtifactsInfo: {
      dateSaved: new Date(),
      modelTopologyType: 'JSON',
      modelTopologyBytes: Buffer.byteLength(JSON.stringify(modelTopology)),
      weightSpecsBytes: Buffer.byteLength(JSON.stringify(weightSpecs)),
      weightDataBytes: weightData.byteLength,
    },
  };
}

interface ModelJson {
  /** The file's text, to notice a concurrent save. */
  text: string;
  json: Record<string, unknown>;
}

async function readModelJson(modelPath: string): Promise<ModelJson> {
  const bytes = await readBundleFile(modelPath, (size) => {
    if (size > MAX_MODEL_JSON_BYTES)
      throw new InvalidBundleError(
        `file is ${size} bytes, over the ${MAX_MODEL_JSON_BYTES}-byte limit of a model.json`,
        { file: modelPath },
      );
  });
  const text = bytes.toString('utf8');
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
  if (!Array.isArray(json['weightsManifest']))
    throw new InvalidBundleError('weightsManifest must be an array', {
      file: modelPath,
      field: 'weightsManifest',
    });
  return { text, json };
}

interface ManifestGroup {
  /** `weightsManifest[g].paths`, for errors. */
  field: string;
  /** Paths as written in the manifest. */
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
  /** Bytes the weights occupy. */
  bytes: number;
}

/** Validates the whole manifest (no file is touched) and returns its groups. */
function checkManifest(dir: string, modelPath: string, manifest: unknown[]): ManifestGroup[] {
  const root = resolve(dir);
  return manifest.map((group, g) => {
    const at = `weightsManifest[${g}]`;
    if (!isRecord(group))
      throw new InvalidBundleError('manifest group must be an object', { file: modelPath, field: at });
    const { paths, weights } = group;
    if (
      !Array.isArray(paths) ||
      !paths.every((p) => typeof p === 'string' && p !== '' && !p.includes('\0'))
    ) {
      throw new InvalidBundleError('paths must be an array of file names', {
        file: modelPath,
        field: `${at}.paths`,
      });
    }
    const bytes = weightSpecsByteLength(weights, `${at}.weights`, { file: modelPath });
    for (const path of paths as string[]) {
      if (!resolve(root, path).startsWith(root + sep))
        throw new InvalidBundleError(`weights path "${path}" leaves the model directory`, {
          file: modelPath,
          field: `${at}.paths`,
        });
    }
    return {
      field: `${at}.paths`,
      paths: paths as string[],
      weights: weights as tf.io.WeightsManifestEntry[],
      bytes,
    };
  });
}

/**
 * The real path of `file` (symlinks resolved), which must lie inside `root` (itself a real path):
 * a weights file or folder that is a symlink out of the bundle is refused, not followed.
 */
async function containedRealPath(
  root: string,
  file: string,
  modelPath: string,
  field: string,
  shownAs = file,
): Promise<string> {
  let real: string;
  try {
    real = await realpath(file);
  } catch (error) {
    throw fileError(error, shownAs, 'read');
  }
  if (!real.startsWith(root + sep))
    throw new InvalidBundleError(`"${basename(file)}" resolves to ${real}, outside the model directory`, {
      file: modelPath,
      field,
    });
  return real;
}

/**
 * Reads the weights files of one group after resolving their real paths (which must stay inside
 * the bundle) and checking their total size against the manifest.
 */
async function readGroup(root: string, modelPath: string, group: ManifestGroup): Promise<ArrayBuffer[]> {
  const files: string[] = [];
  for (const path of group.paths)
    files.push(await containedRealPath(root, join(root, path), modelPath, group.field));
  const sizes: number[] = [];
  for (const file of files) sizes.push(await fileSize(file));
  const actual = sizes.reduce((a, b) => a + b, 0);
  if (actual !== group.bytes) {
    throw new InvalidBundleError(
      `weights file has ${actual} bytes but the manifest describes ${group.bytes}`,
      { file: join(root, group.paths.join('+')) },
    );
  }
  const shards: ArrayBuffer[] = [];
  for (const [i, file] of files.entries()) {
    const bytes = await readBundleFile(file, (size) => {
      if (size !== sizes[i]) throw new InvalidBundleError('file changed while it was read', { file });
    });
    const hash = HASHED_WEIGHTS.exec(basename(file))?.[1];
    if (hash !== undefined && sha256Prefix(bytes) !== hash)
      throw new InvalidBundleError('content does not match the hash in its name (corrupt file)', { file });
    shards.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  }
  return shards;
}

/** Every `name` string in a Layers topology: the layer names (nested layers included). */
function layerNames(topology: unknown, into = new Set<string>()): Set<string> {
  const stack: unknown[] = [topology];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) for (const item of value) stack.push(item);
    else if (isRecord(value))
      for (const [key, item] of Object.entries(value)) {
        if (key === 'name' && typeof item === 'string') into.add(item);
        else if (typeof item === 'object') stack.push(item);
      }
  }
  return into;
}

/**
 * For a charrnn bundle (one with `userDefinedMetadata.charrnn`), which weights its model uses:
 * those named `<layer>/...` after a layer of the topology, and the n-gram head's `ngram/...`
 * when the metadata declares one. Undefined for other models (all their weights are read, as
 * tfjs-layers does).
 */
function usedWeights(json: Record<string, unknown>): ((name: string) => boolean) | undefined {
  const meta = json['userDefinedMetadata'];
  const charrnn = isRecord(meta) ? meta[BUNDLE_METADATA_KEY] : undefined;
  if (!isRecord(charrnn)) return undefined;
  const prefixes = layerNames(json['modelTopology']);
  const model = charrnn['model'];
  if (isRecord(model) && model['ngram'] !== undefined) prefixes.add('ngram');
  return (name) => prefixes.has(name.split('/')[0] ?? '');
}

async function loadOnce(root: string, modelPath: string, model: ModelJson): Promise<tf.io.ModelArtifacts> {
  const { json } = model;
  const used = usedWeights(json);
  // A group none of whose weights the model uses is never opened (it could be any size).
  const groups = checkManifest(root, modelPath, json['weightsManifest'] as unknown[]).filter(
    (group) => used === undefined || group.weights.some((w) => used(w.name)),
  );
  const shards: ArrayBuffer[] = [];
  for (const group of groups) for (const shard of await readGroup(root, modelPath, group)) shards.push(shard);
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json['modelTopology'] as object,
    weightSpecs: groups.flatMap((group) => group.weights),
    weightData: joinWeightData(shards) ?? new ArrayBuffer(0),
  };
  for (const field of PASSTHROUGH_FIELDS) {
    if (json[field] !== undefined) (artifacts as Record<string, unknown>)[field] = json[field];
  }
  return artifacts;
}

async function loadFromDirectory(dir: string): Promise<tf.io.ModelArtifacts> {
  // Containment is checked on real paths: the directory itself may be a symlink (runs/latest),
  // but nothing read may resolve outside it.
  let root: string;
  try {
    root = await realpath(dir);
  } catch (error) {
    throw fileError(error, join(dir, MODEL_JSON_FILE), 'read');
  }
  const modelPath = join(dir, MODEL_JSON_FILE);
  await containedRealPath(root, join(root, MODEL_JSON_FILE), modelPath, MODEL_JSON_FILE, modelPath);
  for (let attempt = 1; ; attempt++) {
    const model = await readModelJson(modelPath);
    try {
      return await loadOnce(root, modelPath, model);
    } catch (error) {
      // A save running beside this load may have replaced model.json and deleted the weights it
      // listed: read again. When model.json did not change, the bundle really is broken.
      if (attempt >= LOAD_ATTEMPTS || !(error instanceof InvalidBundleError)) throw error;
      const again = await readModelJson(modelPath).catch(() => undefined);
      if (again === undefined || again.text === model.text) throw error;
    }
  }
}

/** The IO handler returned by {@link fileSystemHandler}. */
export interface FileSystemHandler extends tf.io.IOHandler {
  /** The model directory. */
  readonly dir: string;
  /** Its `model.json`; `loadBundle` names it in validation errors. */
  readonly path: string;
  /** Writes the bundle crash-safely (see {@link fileSystemHandler}). */
  save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult>;
  /** Reads and checks `model.json` and the weights files it lists. */
  load(): Promise<tf.io.ModelArtifacts>;
}

/**
 * A tfjs IO handler that stores a model in a directory, like tfjs-layers' own `file://`
 * handler: `model.json` (Layers format: `modelTopology`, `format`, `generatedBy`, `convertedBy`,
 * `weightsManifest: [{ paths: ['weights.<hash>.bin'], weights }]`, `userDefinedMetadata`...)
 * plus one weights file. Works with `saveBundle` / `loadBundle` and with tfjs-layers'
 * `model.save(handler)` / `tf.loadLayersModel(handler)` (and `tf.loadLayersModel('file://…')`
 * of tfjs-node reads the directory too).
 *
 * **Crash safety.** A process killed at any moment of a `save` (SIGKILL, or power loss: every
 * file and the directory are fsync'ed) leaves a directory that `load`s as either the previous
 * bundle or the new one, complete, never a mix of the two:
 * 1. the weights are written ({@link writeFileAtomic}: temp file, fsync, rename) to
 *    `weights.<hash>.bin`, named after their content ({@link weightsFileName}), so the
 *    `model.json` on disk, which lists its own weights file, is never paired with other bytes;
 * 2. `model.json` is then replaced atomically: this rename is the commit point;
 * 3. weights files that are no longer listed (`weights.bin`, other `weights.<hash>.bin`) and temp
 *    files left by interrupted saves of this directory are deleted.
 * Leftover temp files never affect `load`. Run one save per directory at a time; a `load`
 * concurrent with a save gets one of the two bundles (it re-reads when the save deletes the
 * weights it was about to read).
 *
 * `save` creates `dir` (like `mkdir -p`). `load` resolves real paths first: `model.json` and every
 * weights file must resolve (symlinks followed) to a file inside the real `dir`, else the bundle
 * is refused. Of a charrnn bundle it reads only the manifest groups holding weights the model
 * uses (named after a layer of the topology, or the n-gram head the metadata declares); of another
 * model, every group. Sizes are checked against the manifest before anything is read or
 * allocated; a `weights.<hash>.bin` must match its hash. `model.json` is limited to
 * {@link MAX_MODEL_JSON_BYTES}.
 *
 * @param dir directory of the model
 * @throws (from `load`) InvalidBundleError naming the file when `model.json` or a weights file
 *   is missing or not a regular file, `model.json` is too large, not valid JSON or its manifest
 *   is malformed (naming the field too), or a weights file's size differs from what the
 *   manifest describes or its content from its hash; IoError for other read failures. (From
 *   `save`) IoError naming the file or directory that cannot be written.
 *
 * @example
 * ```ts
 * import { loadBundle, saveBundle } from '@charrnn/core';
 * import { fileSystemHandler } from '@charrnn/core/node';
 * await saveBundle(bundle, fileSystemHandler('runs/best'));
 * const again = await loadBundle(fileSystemHandler('runs/best'));
 * ```
 */
export function fileSystemHandler(dir: string): FileSystemHandler {
  return {
    dir,
    path: join(dir, MODEL_JSON_FILE),
    save: (artifacts) => saveToDirectory(dir, artifacts),
    load: () => loadFromDirectory(dir),
  };
}

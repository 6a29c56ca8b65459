import type * as tf from '@tensorflow/tfjs-core';
import { unzipSync, zipSync, strFromU8, strToU8 } from 'fflate';
import { InvalidBundleError } from './errors.js';
import { formatValue } from './format_value.js';
import { joinWeightData, weightSpecsByteLength } from './weight_specs.js';

/** Name of the model's JSON inside a zipped bundle (as in a bundle folder). */
export const ZIP_MODEL_JSON = 'model.json';
/** Name of the weights file inside a zipped bundle written by {@link zipSaveHandler}. */
export const ZIP_WEIGHTS = 'weights.bin';
/** Largest zipped bundle read, unpacked (a zip bomb is refused before it is inflated). */
export const MAX_ZIP_BUNDLE_BYTES = 512 * 1024 * 1024;

/** Top-level fields of a `model.json` kept beside the topology and weights. */
const PASSTHROUGH = [
  'format',
  'generatedBy',
  'convertedBy',
  'userDefinedMetadata',
  'trainingConfig',
] as const;

/**
 * A `tf.io` save handler that packs a bundle into **one zip file**: `model.json` (the usual
 * Layers-format JSON, its manifest pointing at `weights.bin`) and `weights.bin`, DEFLATE-
 * compressed (n-gram heads and 8-bit weights shrink a lot). The zip's bytes go to `sink`
 * (a browser download, a file...). {@link zipLoadHandler} and `charrnn predict --model x.zip` read it.
 *
 * @example
 * ```ts
 * await saveBundle(bundle, zipSaveHandler((zip) => writeFileSync('model.zip', zip)));
 * ```
 */
export function zipSaveHandler(sink: (zip: Uint8Array) => void | Promise<void>): tf.io.IOHandler {
  return {
    save: async (artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> => {
      const weightData = joinWeightData(artifacts.weightData ?? new ArrayBuffer(0)) ?? new ArrayBuffer(0);
      const json: Record<string, unknown> = {
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [ZIP_WEIGHTS], weights: artifacts.weightSpecs ?? [] }],
      };
      for (const field of PASSTHROUGH)
        if (artifacts[field] !== undefined && artifacts[field] !== null) json[field] = artifacts[field];
      const text = JSON.stringify(json);
      const zip = zipSync(
        { [ZIP_MODEL_JSON]: strToU8(text), [ZIP_WEIGHTS]: new Uint8Array(weightData) },
        { level: 9 },
      );
      await sink(zip);
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: strToU8(JSON.stringify(artifacts.modelTopology)).byteLength,
          weightSpecsBytes: strToU8(JSON.stringify(artifacts.weightSpecs ?? [])).byteLength,
          weightDataBytes: weightData.byteLength,
        },
      };
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A `tf.io` load handler for a bundle packed in one zip ({@link zipSaveHandler}, or any zip of a
 * bundle folder: `model.json` and the weights files its manifest lists, at the zip's top level
 * or all in one folder). Entries are inflated only after their declared sizes are checked
 * against {@link MAX_ZIP_BUNDLE_BYTES}.
 *
 * @param zip the zip file's bytes
 * @param file the zip's name, for error messages
 * @throws (from `load`) InvalidBundleError naming the zip and the entry: not a zip, no
 *   `model.json`, malformed JSON or manifest, a listed weights file missing or of the wrong size
 */
export function zipLoadHandler(
  zip: Uint8Array | ArrayBuffer,
  file = 'model.zip',
): tf.io.IOHandler & { path: string } {
  return {
    path: file,
    load: async (): Promise<tf.io.ModelArtifacts> => {
      const bytes = zip instanceof Uint8Array ? zip : new Uint8Array(zip);
      let entries: Record<string, Uint8Array>;
      let unpacked = 0;
      try {
        entries = unzipSync(bytes, {
          filter: (info) => {
            unpacked += info.originalSize;
            if (unpacked > MAX_ZIP_BUNDLE_BYTES)
              throw new InvalidBundleError(
                `unpacks to more than ${MAX_ZIP_BUNDLE_BYTES} bytes (not a model bundle?)`,
                { file },
              );
            return !info.name.endsWith('/');
          },
        });
      } catch (error) {
        if (error instanceof InvalidBundleError) throw error;
        throw new InvalidBundleError(
          `not a readable zip file (${error instanceof Error ? error.message : String(error)})`,
          { file, cause: error },
        );
      }
      const names = Object.keys(entries);
      const jsonName = names
        .filter((n) => n === ZIP_MODEL_JSON || n.endsWith(`/${ZIP_MODEL_JSON}`))
        .sort((a, b) => a.length - b.length)[0];
      if (jsonName === undefined)
        throw new InvalidBundleError(
          `holds no ${ZIP_MODEL_JSON} (entries: ${
            names
              .slice(0, 8)
              .map((n) => formatValue(n))
              .join(', ') || 'none'
          })`,
          { file },
        );
      const folder = jsonName.slice(0, jsonName.length - ZIP_MODEL_JSON.length);
      const where = `${file}/${jsonName}`;
      let json: unknown;
      try {
        json = JSON.parse(strFromU8(entries[jsonName] as Uint8Array));
      } catch (error) {
        throw new InvalidBundleError(
          `malformed JSON: ${error instanceof Error ? error.message : String(error)}`,
          { file: where, cause: error },
        );
      }
      if (!isRecord(json)) throw new InvalidBundleError('expected a JSON object', { file: where });
      const manifest = json['weightsManifest'];
      if (!Array.isArray(manifest))
        throw new InvalidBundleError('weightsManifest must be an array', {
          file: where,
          field: 'weightsManifest',
        });
      const specs: tf.io.WeightsManifestEntry[] = [];
      const shards: ArrayBuffer[] = [];
      manifest.forEach((group: unknown, g) => {
        const at = `weightsManifest[${g}]`;
        if (!isRecord(group) || !Array.isArray(group['paths']))
          throw new InvalidBundleError('manifest group must be an object with paths', {
            file: where,
            field: at,
          });
        const expected = weightSpecsByteLength(group['weights'], `${at}.weights`, { file: where });
        let actual = 0;
        for (const path of group['paths'] as unknown[]) {
          const entry = typeof path === 'string' ? entries[folder + path] : undefined;
          if (entry === undefined)
            throw new InvalidBundleError(
              `weights file ${formatValue(path)} listed in ${ZIP_MODEL_JSON} is not in the zip`,
              {
                file,
                field: `${at}.paths`,
              },
            );
          actual += entry.byteLength;
          shards.push(
            entry.buffer.slice(entry.byteOffset, entry.byteOffset + entry.byteLength) as ArrayBuffer,
          );
        }
        if (actual !== expected)
          throw new InvalidBundleError(
            `weights have ${actual} bytes but the manifest describes ${expected}`,
            {
              file,
              field: `${at}.paths`,
            },
          );
        specs.push(...(group['weights'] as tf.io.WeightsManifestEntry[]));
      });
      const artifacts: tf.io.ModelArtifacts = {
        modelTopology: json['modelTopology'] as object,
        weightSpecs: specs,
        weightData: joinWeightData(shards) ?? new ArrayBuffer(0),
      };
      for (const field of PASSTHROUGH)
        if (json[field] !== undefined) (artifacts as Record<string, unknown>)[field] = json[field];
      return artifacts;
    },
  };
}

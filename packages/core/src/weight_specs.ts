import type * as tf from '@tensorflow/tfjs-core';
import { InvalidBundleError } from './errors.js';
import type { ErrorContext } from './errors.js';

/** Bytes per element of the weight dtypes a bundle may hold. */
const BYTES_PER_ELEMENT: Readonly<Record<string, number>> = { float32: 4, int32: 4 };

/** Weights larger than this (16 GiB) are rejected as corrupt before anything is allocated. */
const MAX_WEIGHT_BYTES = 2 ** 34;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a weights manifest (`weightSpecs`) and returns the number of bytes its weights occupy.
 * Shapes are multiplied with overflow checks and never allocated, so a corrupt file with a shape
 * like `[1e9, 1e9]` is rejected with an error instead of exhausting memory.
 *
 * @param specs the untrusted value read from a file
 * @param field JSON path used in error messages, e.g. `'weightSpecs'`
 * @param context file the value came from, for error messages
 * @throws InvalidBundleError naming the offending entry (`weightSpecs[2].shape`)
 * @internal
 */
export function weightSpecsByteLength(specs: unknown, field: string, context: ErrorContext = {}): number {
  if (!Array.isArray(specs)) throw new InvalidBundleError(`${field} must be an array`, { ...context, field });
  let total = 0;
  const names = new Set<string>();
  specs.forEach((spec: unknown, i) => {
    const at = `${field}[${i}]`;
    if (!isRecord(spec))
      throw new InvalidBundleError('weight spec must be an object', { ...context, field: at });
    const { name, shape, dtype } = spec;
    if (typeof name !== 'string' || name === '')
      throw new InvalidBundleError('name must be a non-empty string', { ...context, field: `${at}.name` });
    if (names.has(name))
      throw new InvalidBundleError(`duplicate weight name "${name}"`, { ...context, field: `${at}.name` });
    names.add(name);
    if (spec['quantization'] !== undefined)
      throw new InvalidBundleError('quantized weights are not supported', {
        ...context,
        field: `${at}.quantization`,
      });
    const bytesPerElement = typeof dtype === 'string' ? BYTES_PER_ELEMENT[dtype] : undefined;
    if (bytesPerElement === undefined) {
      throw new InvalidBundleError(`unsupported dtype ${JSON.stringify(dtype)} (expected float32 or int32)`, {
        ...context,
        field: `${at}.dtype`,
      });
    }
    if (!Array.isArray(shape))
      throw new InvalidBundleError('shape must be an array of non-negative integers', {
        ...context,
        field: `${at}.shape`,
      });
    let bytes = bytesPerElement;
    for (const dim of shape as unknown[]) {
      if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || dim < 0) {
        throw new InvalidBundleError(
          `shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`,
          { ...context, field: `${at}.shape` },
        );
      }
      bytes *= dim;
      if (bytes > MAX_WEIGHT_BYTES)
        throw new InvalidBundleError(`shape ${JSON.stringify(shape)} is implausibly large`, {
          ...context,
          field: `${at}.shape`,
        });
    }
    total += bytes;
    if (total > MAX_WEIGHT_BYTES)
      throw new InvalidBundleError('weights are implausibly large in total', { ...context, field });
  });
  return total;
}

/** True for an ArrayBuffer from any realm (worker, iframe, vm context). */
export function isArrayBuffer(value: unknown): value is ArrayBuffer {
  return value instanceof ArrayBuffer || Object.prototype.toString.call(value) === '[object ArrayBuffer]';
}

/**
 * Normalises tfjs 4.x `WeightData` (one ArrayBuffer or an array of shards) to one ArrayBuffer.
 * Returns undefined when `data` is neither.
 * @internal
 */
export function joinWeightData(data: tf.io.WeightData | unknown): ArrayBuffer | undefined {
  if (isArrayBuffer(data)) return data;
  if (!Array.isArray(data) || !data.every(isArrayBuffer)) return undefined;
  const shards = data as ArrayBuffer[];
  if (shards.length === 1) return shards[0];
  const joined = new Uint8Array(shards.reduce((n, s) => n + s.byteLength, 0));
  let offset = 0;
  for (const shard of shards) {
    joined.set(new Uint8Array(shard), offset);
    offset += shard.byteLength;
  }
  return joined.buffer;
}

import type * as tf from '@tensorflow/tfjs-core';
import { InvalidBundleError } from './errors.js';
import type { ErrorContext } from './errors.js';
import { formatValue } from './format_value.js';

/** Bytes per element of the weight dtypes a bundle may hold. */
const BYTES_PER_ELEMENT: ReadonlyMap<unknown, number> = new Map([
  ['float32', 4],
  ['int32', 4],
]);

/** Bytes per stored value of each quantization dtype tfjs decodes. */
const QUANTIZED_BYTES: ReadonlyMap<unknown, number> = new Map([
  ['float16', 2],
  ['uint8', 1],
  ['uint16', 2],
]);

/**
 * Checks a manifest entry's `quantization` (tfjs's weight quantization: `float16`, or `uint8` /
 * `uint16` with a finite `scale` and `min`) for a float32 weight; returns its bytes per value.
 */
function quantizedBytes(quantization: unknown, dtype: unknown, context: ErrorContext): number {
  if (!isRecord(quantization)) throw new InvalidBundleError('quantization must be an object', context);
  const bytes = QUANTIZED_BYTES.get(quantization['dtype']);
  if (bytes === undefined)
    throw new InvalidBundleError(
      `unsupported quantization dtype ${formatValue(quantization['dtype'])} (expected float16, uint8 or uint16)`,
      { ...context, field: `${context.field ?? 'quantization'}.dtype` },
    );
  if (dtype !== 'float32')
    throw new InvalidBundleError(
      `only float32 weights may be quantized, this one is ${formatValue(dtype)}`,
      context,
    );
  if (quantization['dtype'] !== 'float16')
    for (const key of ['scale', 'min'] as const) {
      const value = quantization[key];
      if (typeof value !== 'number' || !Number.isFinite(value))
        throw new InvalidBundleError(`${key} must be a finite number, got ${formatValue(value)}`, {
          ...context,
          field: `${context.field ?? 'quantization'}.${key}`,
        });
    }
  return bytes;
}

/**
 * Weights larger than this (2 GiB, more than Node's `readFile` or a browser tab can hold in one
 * buffer; charrnn models weigh kilobytes) are rejected as corrupt before anything is allocated.
 */
const MAX_WEIGHT_BYTES = 2 ** 31;

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
  // An index loop, not forEach: forEach skips the holes of a sparse array.
  for (let i = 0; i < specs.length; i++) {
    const spec: unknown = specs[i];
    const at = `${field}[${i}]`;
    if (!isRecord(spec))
      throw new InvalidBundleError('weight spec must be an object', { ...context, field: at });
    const { name, shape, dtype } = spec;
    if (typeof name !== 'string' || name === '')
      throw new InvalidBundleError('name must be a non-empty string', { ...context, field: `${at}.name` });
    if (names.has(name))
      throw new InvalidBundleError(`duplicate weight name ${formatValue(name)}`, {
        ...context,
        field: `${at}.name`,
      });
    names.add(name);
    let bytesPerElement = BYTES_PER_ELEMENT.get(dtype);
    if (bytesPerElement === undefined) {
      throw new InvalidBundleError(`unsupported dtype ${formatValue(dtype)} (expected float32 or int32)`, {
        ...context,
        field: `${at}.dtype`,
      });
    }
    if (spec['quantization'] !== undefined)
      bytesPerElement = quantizedBytes(spec['quantization'], dtype, {
        ...context,
        field: `${at}.quantization`,
      });
    if (!Array.isArray(shape))
      throw new InvalidBundleError('shape must be an array of non-negative integers', {
        ...context,
        field: `${at}.shape`,
      });
    let bytes = bytesPerElement;
    for (const dim of shape as unknown[]) {
      if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || dim < 0) {
        throw new InvalidBundleError(
          `shape must be an array of non-negative integers, got ${formatValue(shape)}`,
          { ...context, field: `${at}.shape` },
        );
      }
      bytes *= dim;
      if (bytes > MAX_WEIGHT_BYTES)
        throw new InvalidBundleError(`shape ${formatValue(shape)} is implausibly large`, {
          ...context,
          field: `${at}.shape`,
        });
    }
    total += bytes;
    if (total > MAX_WEIGHT_BYTES)
      throw new InvalidBundleError('weights are implausibly large in total', { ...context, field });
  }
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
  if (!Array.isArray(data)) return undefined;
  // An index loop, not every(): every() skips the holes of a sparse array.
  for (let i = 0; i < data.length; i++) if (!isArrayBuffer(data[i])) return undefined;
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

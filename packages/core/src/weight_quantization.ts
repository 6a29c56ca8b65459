import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from './errors.js';

/**
 * How a float32 weight is stored in a bundle's weights file:
 * - `float32`: as is (4 bytes a value);
 * - `float16`: IEEE 754 half precision, rounded to nearest even (2 bytes; relative error ≤ 2⁻¹¹
 *   for values in [6.1e-5, 65504]);
 * - `uint8`: affine, `value ≈ q · scale + min` with `q` in 0…255 over the weight's own range
 *   (1 byte; absolute error ≤ scale / 2).
 *
 * `float16` and `uint8` are tfjs's own weight quantization: the manifest entry keeps
 * `dtype: 'float32'` and gains `quantization: { dtype, scale?, min? }`, which `tf.io` decodes
 * (`tf.io.decodeWeights`), so a quantized bundle is still a Layers-format model.
 */
export type WeightStorage = 'float32' | 'float16' | 'uint8';

/** The storages {@link WeightStorage} allows. */
export const WEIGHT_STORAGES: readonly WeightStorage[] = ['float32', 'float16', 'uint8'];

/** A storage for every weight, or one chosen per weight name. */
export type WeightStoragePolicy = WeightStorage | ((name: string) => WeightStorage);

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The IEEE 754 half-precision bits of `value` (round to nearest, ties to even; overflow to ±∞,
 * NaN kept NaN, subnormals kept).
 */
export function float16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa === 0 ? 0 : 0x200);
  // Re-bias from float32 (127) to float16 (15).
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): shift the implicit 1 in and round at the new position.
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mantissa & ((1 << shift) - 1);
    let bits = mantissa >>> shift;
    if (rest > half || (rest === half && (bits & 1) === 1)) bits += 1;
    return sign | bits;
  }
  let bits = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa rolls correctly into the exponent (up to ±∞).
  if (rest > 0x1000 || (rest === 0x1000 && (bits & 1) === 1)) bits += 1;
  return sign | bits;
}

/** A quantized weight's manifest entry and stored bytes. */
interface StoredWeight {
  spec: tf.io.WeightsManifestEntry;
  bytes: Uint8Array;
}

function quantizeOne(
  spec: tf.io.WeightsManifestEntry,
  values: Float32Array,
  storage: WeightStorage,
): StoredWeight {
  const plain: tf.io.WeightsManifestEntry = { name: spec.name, shape: spec.shape, dtype: spec.dtype };
  if (storage === 'float32' || spec.dtype !== 'float32')
    return { spec: plain, bytes: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
  if (storage === 'float16') {
    const half = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) half[i] = float16Bits(values[i] as number);
    return { spec: { ...plain, quantization: { dtype: 'float16' } }, bytes: new Uint8Array(half.buffer) };
  }
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v))
      throw new InvalidArgumentError(`holds ${v}; uint8 storage needs finite values`, {
        field: spec.name,
      });
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (values.length === 0) [min, max] = [0, 0];
  // Math.fround: the decoder computes q · scale + min in float32 from the manifest's numbers.
  const scale = max > min ? Math.fround((max - min) / 255) : 1;
  min = Math.fround(min);
  const q = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++)
    q[i] = Math.max(0, Math.min(255, Math.round(((values[i] as number) - min) / scale)));
  return { spec: { ...plain, quantization: { dtype: 'uint8', scale, min } }, bytes: q };
}

/**
 * Re-encodes float32 weights for storage: each float32 weight (in `specs` order, its bytes in
 * `data`) is stored as the policy says; int32 weights are copied as they are. Weights already
 * quantized are refused.
 *
 * @example
 * ```ts
 * const small = quantizeWeights(specs, data, (name) => (name === 'ngram/kernel' ? 'uint8' : 'float16'));
 * ```
 * @throws InvalidArgumentError when `data` is not the size the specs describe, or a weight cannot
 *   be stored as asked
 */
export function quantizeWeights(
  specs: readonly tf.io.WeightsManifestEntry[],
  data: ArrayBuffer,
  policy: WeightStoragePolicy,
): { weightSpecs: tf.io.WeightsManifestEntry[]; weightData: ArrayBuffer } {
  const storageOf = typeof policy === 'function' ? policy : (): WeightStorage => policy;
  const stored: StoredWeight[] = [];
  let offset = 0;
  for (const spec of specs) {
    if (spec.quantization !== undefined)
      throw new InvalidArgumentError('is already quantized', { field: spec.name });
    const size = spec.shape.reduce((n, d) => n * d, 1);
    const storage = storageOf(spec.name);
    if (!WEIGHT_STORAGES.includes(storage))
      throw new InvalidArgumentError(`unknown storage ${JSON.stringify(storage)}`, { field: spec.name });
    if (offset + size * 4 > data.byteLength)
      throw new InvalidArgumentError(`weight data ends before this weight (${data.byteLength} bytes)`, {
        field: spec.name,
      });
    stored.push(quantizeOne(spec, new Float32Array(data.slice(offset, offset + size * 4)), storage));
    offset += size * 4;
  }
  if (offset !== data.byteLength)
    throw new InvalidArgumentError(`holds ${data.byteLength} bytes, the weights listed need ${offset}`, {
      field: 'weightData',
    });
  const out = new Uint8Array(stored.reduce((n, s) => n + s.bytes.byteLength, 0));
  let at = 0;
  for (const { bytes } of stored) {
    out.set(bytes, at);
    at += bytes.byteLength;
  }
  return { weightSpecs: stored.map((s) => s.spec), weightData: out.buffer };
}

/**
 * Decodes quantized weights back to plain float32 (int32 stay int32) with tfjs's own decoder
 * (`tf.io.decodeWeights`), so what a bundle holds reads the same here as in `tf.loadLayersModel`.
 * Specs without `quantization` pass through unchanged. Runs on the active backend (the decoded
 * tensors are read back and disposed at once).
 */
export function dequantizeWeights(
  specs: readonly tf.io.WeightsManifestEntry[],
  data: ArrayBuffer,
): { weightSpecs: tf.io.WeightsManifestEntry[]; weightData: ArrayBuffer } {
  if (!specs.some((s) => s.quantization !== undefined)) return { weightSpecs: [...specs], weightData: data };
  const tensors = tf.io.decodeWeights(data, [...specs]);
  try {
    const parts = specs.map((spec) => {
      const values = (tensors[spec.name] as tf.Tensor).dataSync() as Float32Array | Int32Array;
      return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    });
    const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.byteLength;
    }
    return {
      weightSpecs: specs.map(({ name, shape, dtype }) => ({ name, shape, dtype })),
      weightData: out.buffer,
    };
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

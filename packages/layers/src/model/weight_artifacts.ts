import type * as tf from '@tensorflow/tfjs-core';
import { InvalidBundleError } from '@charrnn/core';

/** One weight of a model's layout: its name in artifacts and its shape. */
export interface WeightSlot {
  name: string;
  shape: readonly number[];
}

/**
 * The weights of a model as artifacts: specs named and shaped by `layout` (in order) and the
 * values as one little-endian float32 buffer. Shared by the language models' `toArtifacts`.
 * @internal
 */
export function weightsToArtifacts(
  weights: readonly tf.Variable[],
  layout: readonly WeightSlot[],
): { weightSpecs: tf.io.WeightsManifestEntry[]; weightData: ArrayBuffer } {
  const values = weights.map((v) => v.dataSync() as Float32Array);
  const data = new Float32Array(values.reduce((n, v) => n + v.length, 0));
  let offset = 0;
  for (const v of values) {
    data.set(v, offset);
    offset += v.length;
  }
  return {
    weightSpecs: layout.map(({ name, shape }) => ({ name, shape: [...shape], dtype: 'float32' as const })),
    weightData: data.buffer,
  };
}

/**
 * The values of `layout`'s weights, in its order, read from artifacts' `weightSpecs` and
 * `weightData` (matched by name; float32 only; shapes checked).
 * @throws InvalidBundleError naming the spec or weight that does not fit
 * @internal
 */
export function weightsFromArtifacts(
  weightSpecs: unknown,
  weightData: ArrayBuffer,
  layout: readonly WeightSlot[],
): Float32Array[] {
  if (!Array.isArray(weightSpecs))
    throw new InvalidBundleError('weightSpecs must be an array', { field: 'weightSpecs' });
  const found = new Map<string, Float32Array>();
  let offset = 0;
  for (const [i, spec] of (weightSpecs as tf.io.WeightsManifestEntry[]).entries()) {
    if (spec.dtype !== 'float32')
      throw new InvalidBundleError(`dtype must be float32, got ${JSON.stringify(spec.dtype)}`, {
        field: `weightSpecs[${i}].dtype`,
      });
    if (!Array.isArray(spec.shape) || !spec.shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      throw new InvalidBundleError('shape must be an array of non-negative integers', {
        field: `weightSpecs[${i}].shape`,
      });
    const size = spec.shape.reduce((n, d) => n * d, 1);
    if (offset + size * 4 > weightData.byteLength)
      throw new InvalidBundleError(
        `weightData holds ${weightData.byteLength} bytes, too few for the weights listed`,
        {
          field: 'weightData',
        },
      );
    found.set(spec.name, new Float32Array(weightData.slice(offset, offset + size * 4)));
    offset += size * 4;
  }
  return layout.map(({ name, shape }) => {
    const value = found.get(name);
    const size = shape.reduce((n, d) => n * d, 1);
    if (value === undefined)
      throw new InvalidBundleError(`weight "${name}" is missing`, { field: 'weightSpecs' });
    if (value.length !== size)
      throw new InvalidBundleError(
        `weight "${name}" has ${value.length} values, expected shape [${shape.join(', ')}]`,
        {
          field: 'weightSpecs',
        },
      );
    return value;
  });
}

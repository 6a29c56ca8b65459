import type { TensorDtype } from './tensor_dtype.js';

/** One tensor of a state dict, its values read into float32 (row-major, contiguous). */
export interface StateTensor {
  /** Element type it was stored with. */
  dtype: TensorDtype;
  /** Dimensions, outermost first (`[]` for a scalar). */
  shape: number[];
  /** `shape`'s product of values, row-major. */
  values: Float32Array;
}

/**
 * A PyTorch `state_dict` as read from a `.pt` or `.safetensors` file: parameter names
 * (`'rnn.weight_ih_l0'`...) to tensors, in file order.
 */
export type StateDict = Map<string, StateTensor>;

/** Limits of the readers: an input over one is refused before anything is allocated for it. */
export interface ReadLimits {
  /** Most values of one tensor (default 2^28, 1 GiB of float32). */
  maxTensorElements?: number;
  /** Most tensors in one file (default 100,000). */
  maxTensors?: number;
  /** Longest safetensors JSON header / pickle stream in bytes (default 16 MiB). */
  maxHeaderBytes?: number;
}

/** The default {@link ReadLimits}. */
export const DEFAULT_READ_LIMITS: Readonly<Required<ReadLimits>> = Object.freeze({
  maxTensorElements: 2 ** 28,
  maxTensors: 100_000,
  maxHeaderBytes: 16 * 1024 * 1024,
});

/** Product of `shape`, or `Infinity` once it passes `limit` (no overflow, nothing allocated). @internal */
export function elementCount(shape: readonly number[], limit: number): number {
  if (shape.includes(0)) return 0;
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (n > limit) return Infinity;
  }
  return n;
}

import * as tf from '@tensorflow/tfjs-core';
import { customOp } from '../ops/custom_op.js';
import { readBackIsCheap } from '../backend_path.js';
import type { SequenceShape } from './sequence_shape.js';

/**
 * Reverses every sequence of a `[batchSize * maxLen, features]` matrix within its own length:
 * row `r * maxLen + t` ↔ row `r * maxLen + (length_r − 1 − t)` for `t < length_r`; padding rows
 * stay where they are. The backward direction of a bidirectional layer reads its input through
 * this, so it starts at each sequence's last valid step and padding never matters. The op is its
 * own inverse, and so is its gradient.
 * @internal
 */
export function reverseSequences(x: tf.Tensor2D, sequences: SequenceShape): tf.Tensor2D {
  const { lengths, batchSize: B, maxLen: T } = sequences;
  const perm = new Int32Array(B * T);
  for (let r = 0; r < B; r++) {
    const length = lengths[r] as number;
    for (let t = 0; t < T; t++) perm[r * T + t] = r * T + (t < length ? length - 1 - t : t);
  }
  const permute = (m: tf.Tensor2D): tf.Tensor2D => {
    if (!readBackIsCheap()) return tf.gather(m, tf.tensor1d(perm, 'int32'));
    // wasm's gather is slow (docs/performance.md, "gather on wasm"): permute the rows in JS.
    const [rows, width] = m.shape;
    const src = m.dataSync() as Float32Array;
    const out = new Float32Array(rows * width);
    for (let n = 0; n < rows; n++) {
      const from = (perm[n] as number) * width;
      out.set(src.subarray(from, from + width), n * width);
    }
    return tf.tensor2d(out, [rows, width]);
  };
  return customOp([x] as [tf.Tensor2D], ([x]) => ({
    value: permute(x),
    gradFunc: (dy: tf.Tensor2D) => [permute(dy)],
  }));
}

/**
 * The token ids {@link reverseSequences} would give for an embedding of `ids`: each sequence
 * reversed within its own length, padding left in place.
 * @internal
 */
export function reverseIds(ids: Int32Array, sequences: SequenceShape): Int32Array {
  const { lengths, batchSize: B, maxLen: T } = sequences;
  const out = new Int32Array(ids);
  for (let r = 0; r < B; r++) {
    const length = lengths[r] as number;
    for (let t = 0; t < length; t++) out[r * T + t] = ids[r * T + length - 1 - t] as number;
  }
  return out;
}

import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@charrnn/core';
import { customOp } from './custom_op.js';
import { resolvePath } from '../backend_path.js';
import type { OpPath } from '../backend_path.js';

/**
 * Embedding lookup `x[n] = table[ids[n]]` with a hand-written gradient, so it trains on any
 * backend without registered gradients.
 *
 * The gradient scatters `dy` rows back onto the rows they were read from:
 * `dTable = onehot(ids)ᵀ · dy`. On `cpu`/`wasm` the lookup and the scatter-add run in JS
 * (wasm's `gather` is slow and its gradient needs `UnsortedSegmentSum`, which wasm lacks);
 * elsewhere the lookup is a `gather` and the scatter a `matMul` with a one-hot matrix.
 *
 * Id 0 is PAD: its row is looked up like any other, and the recurrent layer ignores those
 * positions, so their gradient is zero.
 *
 * @param table `[vocabSize, embedDim]` embedding matrix (usually a `tf.Variable`)
 * @param ids token ids, each in `[0, vocabSize)`
 * @param options `path`: implementation, see {@link OpPath} (default `'auto'`)
 * @returns `[ids.length, embedDim]`
 * @throws InvalidArgumentError when an id is out of range
 *
 * @example
 * ```ts
 * const table = tf.variable(tf.randomUniform([10, 4]));
 * const x = embeddingLookup(table, Int32Array.from([3, 1, 0])); // [3, 4]
 * ```
 */
export function embeddingLookup(
  table: tf.Tensor2D,
  ids: Int32Array,
  options: { path?: OpPath } = {},
): tf.Tensor2D {
  const [vocabSize, embedDim] = table.shape;
  checkIds(ids, vocabSize);
  const path = resolvePath(options.path);
  return customOp([table] as [tf.Tensor2D], ([table]) => ({
    value:
      path === 'js'
        ? lookupJs(table.dataSync() as Float32Array, ids, embedDim)
        : tf.gather(table, tf.tensor1d(ids, 'int32')),
    gradFunc: (dy: tf.Tensor2D) => [
      path === 'js'
        ? scatterAddJs(dy.dataSync() as Float32Array, ids, vocabSize, embedDim)
        : scatterAddOps(dy, ids, vocabSize),
    ],
  }));
}

function lookupJs(table: Float32Array, ids: Int32Array, embedDim: number): tf.Tensor2D {
  const out = new Float32Array(ids.length * embedDim);
  for (let n = 0; n < ids.length; n++) {
    const from = (ids[n] as number) * embedDim;
    out.set(table.subarray(from, from + embedDim), n * embedDim);
  }
  return tf.tensor2d(out, [ids.length, embedDim]);
}

function scatterAddJs(dy: Float32Array, ids: Int32Array, vocabSize: number, embedDim: number): tf.Tensor2D {
  const dTable = new Float32Array(vocabSize * embedDim);
  for (let n = 0; n < ids.length; n++) {
    const to = (ids[n] as number) * embedDim;
    const from = n * embedDim;
    for (let e = 0; e < embedDim; e++) dTable[to + e] = (dTable[to + e] as number) + (dy[from + e] as number);
  }
  return tf.tensor2d(dTable, [vocabSize, embedDim]);
}

function scatterAddOps(dy: tf.Tensor2D, ids: Int32Array, vocabSize: number): tf.Tensor2D {
  // onehot(ids)ᵀ built directly in JS ([vocab, n]), so the matMul needs no transpose.
  const oneHotT = new Float32Array(vocabSize * ids.length);
  for (let n = 0; n < ids.length; n++) oneHotT[(ids[n] as number) * ids.length + n] = 1;
  return tf.matMul(tf.tensor2d(oneHotT, [vocabSize, ids.length]), dy);
}

/** Throws InvalidArgumentError unless every id is in `[0, vocabSize)`. @internal */
export function checkIds(ids: Int32Array, vocabSize: number): void {
  for (let n = 0; n < ids.length; n++) {
    const id = ids[n] as number;
    if (!(id >= 0 && id < vocabSize))
      throw new InvalidArgumentError(`ids[${n}] = ${id} is outside the vocabulary [0, ${vocabSize})`, {
        field: 'ids',
      });
  }
}

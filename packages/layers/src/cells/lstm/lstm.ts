import type * as tf from '@tensorflow/tfjs-core';
import { lstmJs } from './lstm_js.js';
import { lstmOps } from './lstm_ops.js';
import { resolvePath } from '../../backend_path.js';
import { checkRecurrentArgs } from '../recurrent_options.js';
import type { RecurrentOptions } from '../recurrent_options.js';
import type { SequenceShape } from '../sequence_shape.js';

/**
 * Long short-term memory layer (Keras `LSTM`, gate order i, f, c, o; σ the recurrent activation,
 * `options.recurrentActivation`, sigmoid by default) over a batch of right-padded sequences, as one differentiable op:
 *
 * ```
 * z_t = x_t·W + h_{t−1}·U + b
 * i, f, g, o = σ(z_i), σ(z_f), tanh(z_c), σ(z_o)
 * c_t = f ⊙ c_{t−1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)    for t < length
 * h_t, c_t = h_{t−1}, c_{t−1}                        for t ≥ length (padding carries the state)
 * ```
 *
 * so a sequence gives the same output alone or padded in a batch. The gradient is a hand-written
 * backpropagation through time (`tf.customGrad`) for `x`, `W`, `U` and `b`; training needs no
 * registered gradients. `'js'` runs the gate math in JS between tfjs matMuls (fast on
 * `cpu`/`wasm`), `'ops'` stays in tfjs ops (GPU backends); both are tested against
 * {@link lstmReference}.
 *
 * @param x `[batchSize * maxLen, inputSize]`, row `r * maxLen + t` is step `t` of sequence `r`
 * @param W `[inputSize, 4 * units]` (Keras `kernel`)
 * @param U `[units, 4 * units]` (Keras `recurrent_kernel`)
 * @param b `[4 * units]` (Keras `bias`)
 * @param sequences lengths and layout of the batch
 * @returns `[batchSize, units]`, or `[batchSize * maxLen, units]` with `returnSequences`
 * @throws InvalidArgumentError when shapes or lengths do not fit together
 *
 * @example
 * ```ts
 * const seq = { lengths: Int32Array.from([3, 1]), batchSize: 2, maxLen: 3 };
 * const h = lstm(x, W, U, b, seq); // x: [6, inputSize] -> h: [2, units]
 * ```
 */
export function lstm(
  x: tf.Tensor2D,
  W: tf.Tensor2D,
  U: tf.Tensor2D,
  b: tf.Tensor1D,
  sequences: SequenceShape,
  options: RecurrentOptions = {},
): tf.Tensor2D {
  const run = checkRecurrentArgs(x, W, U, b, (units) => [4 * units], 4, sequences, options);
  // The 'js' path computes σ only; another gate activation runs in tfjs ops.
  return resolvePath(options.path) === 'js' && (run.recurrentActivation ?? 'sigmoid') === 'sigmoid'
    ? lstmJs(x, W, U, b, sequences, run)
    : lstmOps(x, W, U, b, sequences, run);
}

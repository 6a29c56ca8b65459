import type * as tf from '@tensorflow/tfjs-core';
import { gruJs } from './gru_js.js';
import { gruOps } from './gru_ops.js';
import { resolvePath } from '../../backend_path.js';
import { checkRecurrentArgs } from '../recurrent_options.js';
import type { RecurrentOptions } from '../recurrent_options.js';
import type { SequenceShape } from '../sequence_shape.js';

/** Options of {@link gru}. */
export interface GruOptions extends RecurrentOptions {
  /**
   * `false` (default; Keras 2 and tfjs-layers): the reset gate is applied before the candidate's
   * recurrent product, one bias `[3 * units]`. `true` (Keras 3 default, PyTorch, cuDNN): after
   * it, with separate input and recurrent biases, bias `[2, 3 * units]`.
   */
  resetAfter?: boolean;
}

/**
 * Gated recurrent unit layer (Keras `GRU`, gate order z, r, h; σ the recurrent activation,
 * `options.recurrentActivation`, sigmoid by default) over a batch of right-padded sequences, as one differentiable op:
 *
 * ```
 * z = σ(x_t·W_z + h·U_z + b_z),   r = σ(x_t·W_r + h·U_r + b_r)        (+ rb_z, rb_r with resetAfter)
 * h̃ = tanh(x_t·W_h + b_h + (r ⊙ h)·U_h)         resetAfter false
 * h̃ = tanh(x_t·W_h + b_h + r ⊙ (h·U_h + rb_h))   resetAfter true
 * h_t = z ⊙ h_{t−1} + (1 − z) ⊙ h̃   for t < length, else h_{t−1} (padding carries the state)
 * ```
 *
 * The gradient is a hand-written backpropagation through time (`tf.customGrad`) for `x`, `W`,
 * `U` and `b`. `'js'` (cpu/wasm) does the gate math in JS between tfjs matMuls, `'ops'` (GPU
 * backends) stays in tfjs ops; both are tested against {@link gruReference}.
 *
 * @param x `[batchSize * maxLen, inputSize]`, row `r * maxLen + t` is step `t` of sequence `r`
 * @param W `[inputSize, 3 * units]` (Keras `kernel`)
 * @param U `[units, 3 * units]` (Keras `recurrent_kernel`)
 * @param b `[3 * units]`, or `[2, 3 * units]` with `resetAfter` (Keras `bias`)
 * @returns `[batchSize, units]`, or `[batchSize * maxLen, units]` with `returnSequences`
 * @throws InvalidArgumentError when shapes or lengths do not fit together
 *
 * @example
 * ```ts
 * const h = gru(x, W, U, b, { lengths: Int32Array.from([3, 1]), batchSize: 2, maxLen: 3 });
 * ```
 */
export function gru(
  x: tf.Tensor2D,
  W: tf.Tensor2D,
  U: tf.Tensor2D,
  b: tf.Tensor,
  sequences: SequenceShape,
  options: GruOptions = {},
): tf.Tensor2D {
  const resetAfter = options.resetAfter === true;
  const run = checkRecurrentArgs(
    x,
    W,
    U,
    b,
    (units) => (resetAfter ? [2, 3 * units] : [3 * units]),
    3,
    sequences,
    options,
  );
  // The 'js' path computes σ only; another gate activation runs in tfjs ops.
  return resolvePath(options.path) === 'js' && (run.recurrentActivation ?? 'sigmoid') === 'sigmoid'
    ? gruJs(x, W, U, b, sequences, run, resetAfter)
    : gruOps(x, W, U, b, sequences, run, resetAfter);
}

import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@charrnn/core';
import { resolvePath } from '../../backend_path.js';
import type { RecurrentOptions } from '../recurrent_options.js';
import { checkSequenceShape } from '../sequence_shape.js';
import type { SequenceShape } from '../sequence_shape.js';
import { simpleRnnJs } from './simple_rnn_js.js';
import { simpleRnnOps } from './simple_rnn_ops.js';

/**
 * The tutorial's recurrent layer (Keras `SimpleRNN`, tanh) over a batch of right-padded
 * sequences, as one differentiable op:
 *
 * ```
 * h_0 = 0
 * h_t = tanh(x_t·Wx + h_{t-1}·Wh + b)     for t < length   (= tanh(W·[x_t; h_{t-1}] + b), W = [Wx; Wh])
 * h_t = h_{t-1}                           for t ≥ length   (padding carries the state)
 * output = h_length                       (the state after the last valid step)
 * ```
 *
 * so a sequence gives the same output alone or padded in a batch. The gradient is a hand-written
 * backpropagation through time (`tf.customGrad`) returning gradients for `x`, `Wx`, `Wh` and
 * `b`; training needs no registered gradients. Two implementations compute the same function
 * (tested against {@link simpleRnnReference}): `'js'` runs the recurrence in JS between tfjs
 * matMuls (fast on `cpu`/`wasm`), `'ops'` stays in tfjs ops (GPU backends). `'auto'` picks one
 * for the active backend.
 *
 * @param x `[batchSize * maxLen, inputSize]`, row `r * maxLen + t` is step `t` of sequence `r`
 * @param Wx `[inputSize, hiddenSize]` (Keras `kernel`)
 * @param Wh `[hiddenSize, hiddenSize]` (Keras `recurrent_kernel`)
 * @param b `[hiddenSize]` (Keras `bias`)
 * @param sequences lengths and layout of the batch
 * @param options implementation path, `returnSequences`, recurrent dropout: see {@link RecurrentOptions}
 * @returns `[batchSize, hiddenSize]`, or `[batchSize * maxLen, hiddenSize]` with `returnSequences`
 * @throws InvalidArgumentError when shapes or lengths do not fit together
 *
 * @example
 * ```ts
 * const seq = { lengths: Int32Array.from([3, 1]), batchSize: 2, maxLen: 3 };
 * const h = simpleRnn(x, Wx, Wh, b, seq); // x: [6, inputSize] -> h: [2, hiddenSize]
 * ```
 */
export function simpleRnn(
  x: tf.Tensor2D,
  Wx: tf.Tensor2D,
  Wh: tf.Tensor2D,
  b: tf.Tensor1D,
  sequences: SequenceShape,
  options: RecurrentOptions = {},
): tf.Tensor2D {
  checkSequenceShape(sequences);
  const { batchSize, maxLen } = sequences;
  const [inputSize, hiddenSize] = Wx.shape;
  const expect = (ok: boolean, field: string, message: string): void => {
    if (!ok) throw new InvalidArgumentError(message, { field });
  };
  expect(
    x.rank === 2 && x.shape[0] === batchSize * maxLen && x.shape[1] === inputSize,
    'x',
    `x has shape [${x.shape.join(', ')}], expected [${batchSize * maxLen}, ${inputSize}]`,
  );
  expect(
    Wh.rank === 2 && Wh.shape[0] === hiddenSize && Wh.shape[1] === hiddenSize,
    'Wh',
    `Wh has shape [${Wh.shape.join(', ')}], expected [${hiddenSize}, ${hiddenSize}]`,
  );
  expect(
    b.rank === 1 && b.shape[0] === hiddenSize,
    'b',
    `b has shape [${b.shape.join(', ')}], expected [${hiddenSize}]`,
  );
  const mask = options.recurrentDropoutMask;
  expect(
    mask === undefined || mask.length === batchSize * hiddenSize,
    'recurrentDropoutMask',
    `recurrentDropoutMask has ${mask?.length} entries, expected batchSize * units = ${batchSize * hiddenSize}`,
  );
  const initial = options.initialState;
  expect(
    initial === undefined || (initial.length === 1 && initial[0]?.length === batchSize * hiddenSize),
    'initialState',
    `initialState must be 1 array(s) of batchSize * units = ${batchSize * hiddenSize} entries`,
  );
  const run = {
    returnSequences: options.returnSequences === true,
    ...(mask === undefined ? {} : { recurrentDropoutMask: mask }),
    ...(initial === undefined ? {} : { initialState: initial }),
    ...(options.onFinalState === undefined ? {} : { onFinalState: options.onFinalState }),
  };
  return resolvePath(options.path) === 'js'
    ? simpleRnnJs(x, Wx, Wh, b, sequences, run)
    : simpleRnnOps(x, Wx, Wh, b, sequences, run);
}

import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@charrnn/core';
import type { OpPath } from '../backend_path.js';
import { checkRecurrentActivation } from './recurrent_activation.js';
import type { RecurrentActivation } from './recurrent_activation.js';
import { checkSequenceShape } from './sequence_shape.js';
import type { SequenceShape } from './sequence_shape.js';

/** Options shared by the recurrent layers ({@link lstm}, {@link gru}, {@link simpleRnn}). */
export interface RecurrentOptions {
  /** Implementation, see {@link OpPath} (default `'auto'`). */
  path?: OpPath;
  /**
   * `false` (default): return each sequence's state after its last valid step, `[batchSize, units]`.
   * `true`: return the state after every step, `[batchSize * maxLen, units]` (row `r * maxLen + t`),
   * zero on padding steps (which receive no gradient) — the input of a stacked layer.
   */
  returnSequences?: boolean;
  /**
   * Recurrent dropout: `[batchSize * units]` multipliers (0, or `1 / (1 − rate)`), row `r` for
   * sequence `r`. The state entering each step's recurrent product is multiplied by it (the same
   * mask at every step, shared by all gates: variational dropout). Omit at inference.
   */
  recurrentDropoutMask?: Float32Array;
  /**
   * The state entering step 0 instead of zeros: `[h0]` (SimpleRNN, GRU) or `[h0, c0]` (LSTM), each
   * `[batchSize * units]`, row `r` for sequence `r`. A constant: no gradient flows into it
   * (truncated backpropagation through time, as when a text model carries its state across
   * consecutive windows).
   */
  initialState?: readonly Float32Array[];
  /**
   * Called once by the forward pass with each sequence's state after its last valid step, laid
   * out as {@link RecurrentOptions.initialState} (new arrays; on GPU backends this reads back).
   */
  onFinalState?: (state: Float32Array[]) => void;
  /**
   * LSTM and GRU: the gate activation (default `'sigmoid'`); `'hard_sigmoid'` runs on the
   * `'ops'` path. See {@link RecurrentActivation}.
   */
  recurrentActivation?: RecurrentActivation;
}

/** {@link RecurrentOptions} after checking, as the implementations take them. @internal */
export interface RecurrentRunOptions {
  returnSequences: boolean;
  recurrentDropoutMask?: Float32Array;
  initialState?: readonly Float32Array[];
  onFinalState?: (state: Float32Array[]) => void;
  /** LSTM and GRU gate activation; absent = `'sigmoid'`. */
  recurrentActivation?: RecurrentActivation;
}

/**
 * Throws InvalidArgumentError naming the argument unless the shapes fit a recurrent layer with
 * `gates` gate blocks; returns the checked run options.
 * @internal
 */
export function checkRecurrentArgs(
  x: tf.Tensor2D,
  kernel: tf.Tensor2D,
  recurrentKernel: tf.Tensor2D,
  bias: tf.Tensor,
  biasShape: (units: number) => number[],
  gates: number,
  sequences: SequenceShape,
  options: RecurrentOptions,
): RecurrentRunOptions {
  checkSequenceShape(sequences);
  const { batchSize, maxLen } = sequences;
  const expect = (ok: boolean, field: string, message: string): void => {
    if (!ok) throw new InvalidArgumentError(message, { field });
  };
  const units = recurrentKernel.shape[0];
  const inputSize = kernel.shape[0];
  const shape = (t: tf.Tensor): string => `[${t.shape.join(', ')}]`;
  expect(
    recurrentKernel.rank === 2 && recurrentKernel.shape[1] === gates * units,
    'recurrentKernel',
    `recurrentKernel has shape ${shape(recurrentKernel)}, expected [units, ${gates} * units]`,
  );
  expect(
    kernel.rank === 2 && kernel.shape[1] === gates * units,
    'kernel',
    `kernel has shape ${shape(kernel)}, expected [${inputSize}, ${gates * units}]`,
  );
  expect(
    x.rank === 2 && x.shape[0] === batchSize * maxLen && x.shape[1] === inputSize,
    'x',
    `x has shape ${shape(x)}, expected [${batchSize * maxLen}, ${inputSize}]`,
  );
  const expected = biasShape(units);
  expect(
    bias.shape.length === expected.length && bias.shape.every((d, i) => d === expected[i]),
    'bias',
    `bias has shape ${shape(bias)}, expected [${expected.join(', ')}]`,
  );
  const mask = options.recurrentDropoutMask;
  expect(
    mask === undefined || mask.length === batchSize * units,
    'recurrentDropoutMask',
    `recurrentDropoutMask has ${mask?.length} entries, expected batchSize * units = ${batchSize * units}`,
  );
  const initial = options.initialState;
  const stateCount = gates === 4 ? 2 : 1;
  expect(
    initial === undefined ||
      (initial.length === stateCount && initial.every((s) => s.length === batchSize * units)),
    'initialState',
    `initialState must be ${stateCount} array(s) of batchSize * units = ${batchSize * units} entries`,
  );
  return {
    returnSequences: options.returnSequences === true,
    ...(mask === undefined ? {} : { recurrentDropoutMask: mask }),
    ...(initial === undefined ? {} : { initialState: initial }),
    ...(options.onFinalState === undefined ? {} : { onFinalState: options.onFinalState }),
    recurrentActivation: checkRecurrentActivation(options.recurrentActivation, 'recurrentActivation'),
  };
}

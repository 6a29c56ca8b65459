import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@charrnn/core';

/**
 * The gate activation of the LSTM and GRU (Keras `recurrent_activation`):
 * - `'sigmoid'`: σ(a) = 1 / (1 + e^−a) (Keras 3, PyTorch, charrnn's default);
 * - `'hard_sigmoid'`: clip(0.2·a + 0.5, 0, 1), the tfjs-layers and Keras 2 default (`'hardSigmoid'`
 *   in tfjs-layers options; Keras 3 redefined the name as relu6(a + 3) / 6, which this is not).
 */
export type RecurrentActivation = 'sigmoid' | 'hard_sigmoid';

/** The recurrent activations a cell computes. @internal */
export const RECURRENT_ACTIVATIONS: readonly RecurrentActivation[] = ['sigmoid', 'hard_sigmoid'];

/** Throws InvalidArgumentError naming `field` unless `value` is a {@link RecurrentActivation}. @internal */
export function checkRecurrentActivation(value: unknown, field: string): RecurrentActivation {
  if (value === undefined) return 'sigmoid';
  if (!(RECURRENT_ACTIVATIONS as readonly unknown[]).includes(value))
    throw new InvalidArgumentError(
      `recurrentActivation must be ${RECURRENT_ACTIVATIONS.map((a) => `"${a}"`).join(' or ')}, got ${JSON.stringify(value)}`,
      { field },
    );
  return value as RecurrentActivation;
}

/** The activation as tfjs ops (no gradient of its own: the cells' backward passes use {@link activationSlope}). @internal */
export function applyActivation(activation: RecurrentActivation, a: tf.Tensor2D): tf.Tensor2D {
  if (activation === 'sigmoid') return tf.sigmoid(a);
  return tf.clipByValue(tf.add(tf.mul(a, 0.2), 0.5), 0, 1) as tf.Tensor2D;
}

/**
 * The activation's derivative, from its output y: σ' = y(1 − y); hard_sigmoid' = 0.2 inside the
 * linear part (0 < y < 1), 0 where it is clipped.
 * @internal
 */
export function activationSlope(activation: RecurrentActivation, y: tf.Tensor2D): tf.Tensor2D {
  if (activation === 'sigmoid') return tf.mul(y, tf.sub(1, y));
  return tf.mul(tf.cast(tf.logicalAnd(tf.greater(y, 0), tf.less(y, 1)), 'float32'), 0.2);
}

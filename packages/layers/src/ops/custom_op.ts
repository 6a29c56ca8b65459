import * as tf from '@tensorflow/tfjs-core';

/** What a custom op's forward returns: its value and how to turn `dy` into input gradients. */
export interface CustomOpResult<O extends tf.Tensor> {
  value: O;
  /** One gradient per input, in input order, each shaped like its input. */
  gradFunc: (dy: O, saved: tf.Tensor[]) => tf.Tensor[];
}

/**
 * Runs `forward` as a `tf.customGrad` op on `inputs`, with typed inputs.
 *
 * The forward runs untaped inside a `tidy`: tensors it creates are freed unless returned or
 * passed to `save` (which keeps them for `gradFunc` only while a gradient is being recorded).
 * Data the backward needs may also live in the closure as plain JS arrays.
 * @internal
 */
export function customOp<I extends tf.Tensor[], O extends tf.Tensor>(
  inputs: I,
  forward: (inputs: I, save: tf.GradSaveFunc) => CustomOpResult<O>,
): O {
  const f = (...args: Array<tf.Tensor | tf.GradSaveFunc>): CustomOpResult<O> =>
    forward(args.slice(0, inputs.length) as I, args[inputs.length] as tf.GradSaveFunc);
  return tf.customGrad(f)(...inputs);
}

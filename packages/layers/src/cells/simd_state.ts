import * as tf from '@tensorflow/tfjs-core';
import type { SimdKernels } from '../kernels/simd_kernels.js';
import type { LengthOrder } from './run_plan.js';
import { gatherSequenceOutputs, reorderRows } from './run_plan.js';
import type { SequenceShape } from './sequence_shape.js';

// The state a SIMD recurrence keeps in the kernels' arena between its forward and backward pass,
// and the output and gradients it exchanges with tfjs.

/** A region of the SIMD arena: offset and size in floats. @internal */
export interface ArenaRegion {
  at: number;
  size: number;
}

/**
 * The output of a SIMD recurrence whose states `h[t]` (t = 0..T, rows in length order) are at
 * `regions.h` of the arena, and a hold on its state `regions` for the backward pass (sticky
 * under a gradient tape, see `SimdKernels.keep`).
 * @internal
 */
export function simdOutputAndKeep<R extends { h: ArenaRegion } & Record<string, ArenaRegion>>(
  simd: SimdKernels,
  regions: R,
  sequences: SequenceShape,
  plan: LengthOrder,
  H: number,
  returnSequences: boolean,
): { value: tf.Tensor2D; kept: { restore: () => Record<keyof R & string, number>; release: () => void } } {
  const { lengths, batchSize: B, maxLen: T } = sequences;
  const value = gatherSequenceOutputs(
    simd.view(regions.h.at, (T + 1) * B * H),
    lengths,
    plan.order,
    plan.running,
    T,
    H,
    returnSequences,
  );
  return { value, kept: simd.keep<keyof R & string>(regions, recordingGradients()) };
}

/**
 * Adds a sequence-returning recurrence's output gradient at step `t` (`dyData` rows
 * `order[i]·T + t`) to the state gradient `dh` of its `rows` running rows (rows in length order).
 * @internal
 */
export function addStepOutputGradient(
  simd: SimdKernels,
  dh: number,
  dyData: Float32Array,
  order: Int32Array,
  rows: number,
  t: number,
  T: number,
  H: number,
): void {
  const dhView = simd.view(dh, rows * H);
  for (let i = 0; i < rows; i++) {
    const n = (order[i] as number) * T + t;
    for (let j = 0; j < H; j++)
      dhView[i * H + j] = (dhView[i * H + j] as number) + (dyData[n * H + j] as number);
  }
}

/**
 * The gradient reaching the last states of a recurrence from `dy`, rows in length order; zeros
 * when it returns sequences (then `dy` enters step by step).
 * @internal
 */
export function lastStateGradient(
  dyData: Float32Array,
  order: Int32Array,
  B: number,
  H: number,
  returnSequences: boolean,
): Float32Array {
  return returnSequences ? new Float32Array(B * H) : reorderRows(dyData, order, H);
}

/**
 * Whether a gradient tape is recording (inside `tf.grads` / `tf.variableGrads`): then a custom
 * op's backward pass will run, and its state is worth keeping in the SIMD arena.
 * @internal
 */
export function recordingGradients(): boolean {
  return tf.engine().state.gradientDepth > 0;
}

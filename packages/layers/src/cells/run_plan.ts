import * as tf from '@tensorflow/tfjs-core';
import { matMulSlowerThanJs } from '../backend_path.js';

/*
 * How a `'js'` recurrent path (cpu/wasm) lays out a batch: rows are processed longest first, so
 * the sequences still running at step `t` are the first `running[t]` rows and padding costs no
 * recurrent arithmetic; the input-side products and weight gradients run on the valid
 * (non-padding) steps only, in compact rows. Outputs go back to the caller's row order.
 */

/** Rows in length order, and how many run at each step. @internal */
export interface LengthOrder {
  /** Row indices sorted by decreasing length (stable). */
  order: Int32Array;
  /** `running[t]`: how many sequences have a step `t`. */
  running: Int32Array;
}

/** Rows sorted longest first, and how many run at each step. @internal */
export function lengthOrder(lengths: Int32Array, maxLen: number): LengthOrder {
  const order = Int32Array.from({ length: lengths.length }, (_, r) => r).sort(
    (p, q) => (lengths[q] as number) - (lengths[p] as number) || p - q,
  );
  const running = new Int32Array(maxLen);
  for (const r of order)
    for (let t = 0; t < (lengths[r] as number); t++) running[t] = (running[t] as number) + 1;
  return { order, running };
}

/**
 * The valid (non-padding) rows of a `[batchSize * maxLen, ...]` layout: `valid[c]` is the flat
 * row `r * maxLen + t` of compact row `c`, and `compact[n]` the compact row of flat row `n`
 * (−1 on padding). The input projection and the weight gradients run on valid rows only, so
 * padding costs no arithmetic there either.
 * @internal
 */
export function validRows(lengths: Int32Array, maxLen: number): { valid: Int32Array; compact: Int32Array } {
  const compact = new Int32Array(lengths.length * maxLen).fill(-1);
  let count = 0;
  for (let r = 0; r < lengths.length; r++)
    for (let t = 0; t < (lengths[r] as number); t++) compact[r * maxLen + t] = count++;
  const valid = new Int32Array(count);
  for (let n = 0; n < compact.length; n++) if ((compact[n] as number) >= 0) valid[compact[n] as number] = n;
  return { valid, compact };
}

/** Rows `valid[c]` of a `[N, width]` matrix, as a new `[valid.length, width]` one. @internal */
export function gatherRows(src: Float32Array, valid: Int32Array, width: number): Float32Array {
  const out = new Float32Array(valid.length * width);
  for (let c = 0; c < valid.length; c++) {
    const from = (valid[c] as number) * width;
    out.set(src.subarray(from, from + width), c * width);
  }
  return out;
}

/** The inverse of {@link gatherRows}: a `[rows, width]` matrix, zero outside the valid rows. @internal */
export function scatterRows(src: Float32Array, valid: Int32Array, rows: number, width: number): Float32Array {
  const out = new Float32Array(rows * width);
  for (let c = 0; c < valid.length; c++)
    out.set(src.subarray(c * width, (c + 1) * width), (valid[c] as number) * width);
  return out;
}

/** What every JS recurrence (tutorial RNN, LSTM, GRU) derives from the batch before its loop. */
export interface RecurrentRunPlan extends LengthOrder {
  /** Flat `[b*T + t]` indices of the valid (non-padding) steps. */
  valid: Int32Array;
  /** Row of each valid step in the compacted `[M, ·]` input-side arrays. */
  compact: Int32Array;
  /** Number of valid steps: the input-side products run on these rows only. */
  M: number;
  /** {@link matMulSlowerThanJs} (the cpu backend): every product without SIMD kernels is done in JS. */
  onCpu: boolean;
  /** The recurrent dropout mask with its rows in the length order, when there is one. */
  dropMask: Float32Array | undefined;
}

/** The shared set-up of a JS recurrence over `lengths` (`maxLen` steps) with `units` units. */
export function planRecurrentRun(
  lengths: Int32Array,
  maxLen: number,
  units: number,
  recurrentDropoutMask: Float32Array | undefined,
): RecurrentRunPlan {
  const { order, running } = lengthOrder(lengths, maxLen);
  const { valid, compact } = validRows(lengths, maxLen);
  return {
    order,
    running,
    valid,
    compact,
    M: valid.length,
    onCpu: matMulSlowerThanJs(),
    dropMask: recurrentDropoutMask && reorderRows(recurrentDropoutMask, order, units),
  };
}

/** Rows of a `[rows, width]` matrix put in `order` (row `i` of the result is row `order[i]`). @internal */
export function reorderRows(src: Float32Array, order: Int32Array, width: number): Float32Array {
  const out = new Float32Array(order.length * width);
  for (let i = 0; i < order.length; i++) {
    const from = (order[i] as number) * width;
    out.set(src.subarray(from, from + width), i * width);
  }
  return out;
}

/**
 * The output tensor of a `'js'` recurrent path from its states `h[t]` (t = 0..T, each
 * `[B, H]`, rows in `order`): the state after each sequence's last step, or (with
 * `returnSequences`) every step's state at row `r * T + t`, zero on padding.
 * @internal
 */
export function gatherSequenceOutputs(
  h: Float32Array,
  lengths: Int32Array,
  order: Int32Array,
  running: Int32Array,
  T: number,
  H: number,
  returnSequences: boolean,
): tf.Tensor2D {
  const B = order.length;
  if (!returnSequences) {
    const last = new Float32Array(B * H);
    for (let i = 0; i < B; i++) {
      const from = (lengths[order[i] as number] as number) * B * H + i * H;
      last.set(h.subarray(from, from + H), (order[i] as number) * H);
    }
    return tf.tensor2d(last, [B, H]);
  }
  const all = new Float32Array(B * T * H);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < (running[t] as number); i++) {
      const from = ((t + 1) * B + i) * H;
      all.set(h.subarray(from, from + H), ((order[i] as number) * T + t) * H);
    }
  }
  return tf.tensor2d(all, [B * T, H]);
}

/**
 * The state after each sequence's last step, rows in sequence order, from states `s[t]`
 * (t = 0..T, each `[B, H]`, rows in `order`).
 * @internal
 */
export function finalStateRows(
  s: Float32Array,
  lengths: Int32Array,
  order: Int32Array,
  H: number,
): Float32Array {
  const B = order.length;
  const last = new Float32Array(B * H);
  for (let i = 0; i < B; i++) {
    const from = (lengths[order[i] as number] as number) * B * H + i * H;
    last.set(s.subarray(from, from + H), (order[i] as number) * H);
  }
  return last;
}

import * as tf from '@tensorflow/tfjs-core';
// Registers tfjs' autodiff gradients for the sum/mul/add around the layers.
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { gru } from './gru/gru.js';
import { lstm } from './lstm/lstm.js';
import { setup } from '../test-utils/recurrent_harness.js';
import type { Layer } from '../test-utils/recurrent_harness.js';
import { maxAbsDiff, randomArray, useBackend } from '../test-utils/tf_test_setup.js';
import { simdKernels } from '../kernels/simd_kernels.js';

const LAYERS: [string, number, (H: number) => number[], Layer][] = [
  ['LSTM', 4, (H) => [4 * H], (x, W, U, b, seq, o) => lstm(x, W, U, b as tf.Tensor1D, seq, o)],
  ['GRU', 3, (H) => [3 * H], (x, W, U, b, seq, o) => gru(x, W, U, b, seq, o)],
  [
    'GRU (reset after)',
    3,
    (H) => [2, 3 * H],
    (x, W, U, b, seq, o) => gru(x, W, U, b, seq, { ...o, resetAfter: true }),
  ],
];

/*
 * The SIMD LSTM and GRU keep their state in the kernels' arena from the forward to the backward
 * pass. Under a gradient tape the hold is sticky (later runs allocate above it); otherwise, or
 * past the arena's limits, another op that uses the kernels evicts it (copies it out) and the
 * backward reads the copy. Every way must give the same gradients.
 */
describe.each(LAYERS)('the SIMD %s state between forward and backward', (_, gates, bShape, layer) => {
  let available = false;
  beforeAll(async () => {
    available = (await useBackend('wasm')) && simdKernels() !== undefined;
  });

  it.each([false, true])(
    'gives the same gradients whether held or evicted (recurrent dropout: %s)',
    (dropout) => {
      if (!available) return;
      const c = { name: 'mixed', E: 5, H: 12, lengths: [6, 3, 0, 4, 6, 1], maxLen: 6 };
      const a = setup(c, 3, gates, bShape);
      const b = setup(c, 4, gates, bShape);
      const R = tf.tensor2d(randomArray(a.B * c.H, 5, 1), [a.B, c.H]);
      const options = dropout ? { recurrentDropoutMask: a.drop } : {};
      const loss = (s: typeof a, x: tf.Tensor, W: tf.Tensor, U: tf.Tensor, bias: tf.Tensor): tf.Scalar =>
        tf.sum(
          tf.mul(
            layer(x as tf.Tensor2D, W as tf.Tensor2D, U as tf.Tensor2D, bias, s.seq, {
              ...options,
              path: 'js',
            }),
            R,
          ),
        );
      const ta = a.tensors();
      const tb = b.tensors();
      const gradsOf = (withSecond: boolean): Float32Array[] => {
        const g = tf.grads((x: tf.Tensor, W: tf.Tensor, U: tf.Tensor, bias: tf.Tensor) => {
          const first = loss(a, x, W, U, bias);
          // A second forward after the first one's: it takes the arena, evicting the first's state.
          return withSecond ? tf.add(first, loss(b, tb.x, tb.W, tb.U, tb.b)) : first;
        })([ta.x, ta.W, ta.U, ta.b]);
        const out = g.map((t) => t.dataSync() as Float32Array);
        tf.dispose(g);
        return out;
      };
      // Count the evictions: none when alone, none with the second layer (the holds are sticky
      // under a gradient tape: the two states sit side by side), and at least one when the
      // arena may keep no sticky hold (the first layer's state is evicted by the second's run).
      const kernels = simdKernels() as NonNullable<ReturnType<typeof simdKernels>>;
      const hold = kernels.hold.bind(kernels);
      let evictions = 0;
      const spy = vi.spyOn(kernels, 'hold').mockImplementation((evict, sticky) =>
        hold(() => {
          evictions++;
          evict();
        }, sticky),
      );
      const held = gradsOf(false);
      expect(evictions).toBe(0);
      const sideBySide = gradsOf(true);
      expect(evictions).toBe(0);
      const limit = kernels.stickyHoldLimit;
      kernels.stickyHoldLimit = 0;
      const evicted = gradsOf(true);
      kernels.stickyHoldLimit = limit;
      expect(evictions).toBeGreaterThanOrEqual(1);
      spy.mockRestore();
      held.forEach((g, i) => expect(maxAbsDiff(g, sideBySide[i] as Float32Array), `gradient ${i}`).toBe(0));
      held.forEach((g, i) => expect(maxAbsDiff(g, evicted[i] as Float32Array), `gradient ${i}`).toBe(0));
      tf.dispose([R, ta.x, ta.W, ta.U, ta.b, tb.x, tb.W, tb.U, tb.b]);
    },
  );
});

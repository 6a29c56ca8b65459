import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { gru } from './gru/gru.js';
import { lstm } from './lstm/lstm.js';
import type { RecurrentOptions } from './recurrent_options.js';
import type { SequenceShape } from './sequence_shape.js';
import { simpleRnn } from './simple_rnn/simple_rnn.js';
import {
  BACKENDS,
  maxAbsDiff,
  randomArray,
  useBackend,
  withoutKernelLeakCheck,
} from '../test-utils/tf_test_setup.js';

type Run = (x: tf.Tensor2D, seq: SequenceShape, options: RecurrentOptions) => tf.Tensor2D;

const B = 3;
const T = 4;
const E = 5;
const H = 6;

function cellRuns(path: 'js' | 'ops'): [string, number, Run][] {
  const weights = (
    gates: number,
    biasShape: number[],
    seed: number,
  ): [tf.Tensor2D, tf.Tensor2D, tf.Tensor] => [
    tf.tensor2d(randomArray(E * gates * H, seed, 0.5), [E, gates * H]),
    tf.tensor2d(randomArray(H * gates * H, seed + 1, 0.5), [H, gates * H]),
    tf.tensor(
      randomArray(
        biasShape.reduce((a, b) => a * b, 1),
        seed + 2,
        0.2,
      ),
      biasShape,
    ),
  ];
  const [Ws, Us, bs] = weights(1, [H], 1);
  const [Wl, Ul, bl] = weights(4, [4 * H], 4);
  const [Wg, Ug, bg] = weights(3, [3 * H], 7);
  const [Wr, Ur, br] = weights(3, [2, 3 * H], 10);
  return [
    ['simpleRnn', 1, (x, seq, o) => simpleRnn(x, Ws, Us, bs as tf.Tensor1D, seq, { ...o, path })],
    ['lstm', 2, (x, seq, o) => lstm(x, Wl, Ul, bl as tf.Tensor1D, seq, { ...o, path })],
    ['gru', 1, (x, seq, o) => gru(x, Wg, Ug, bg, seq, { ...o, path })],
    ['gru resetAfter', 1, (x, seq, o) => gru(x, Wr, Ur, br, seq, { ...o, path, resetAfter: true })],
  ];
}

/** Rows `r * 2T + t` for t in [from, from + T) of a `[B * 2T, E]` matrix, as `[B * T, E]`. */
function window(x: Float32Array, from: number): tf.Tensor2D {
  const out = new Float32Array(B * T * E);
  for (let r = 0; r < B; r++)
    out.set(x.subarray((r * 2 * T + from) * E, (r * 2 * T + from + T) * E), r * T * E);
  return tf.tensor2d(out, [B * T, E]);
}

describe.each(BACKENDS)('initial and final state on the %s backend', (backend) => {
  let available = false;
  beforeAll(async () => {
    available = await useBackend(backend);
  });

  describe.each(['js', 'ops'] as const)('the %s path', (path) => {
    it('two windows with the state carried equal one long sequence, and the final state is the last output', () => {
      if (!available) return;
      withoutKernelLeakCheck(() => {
        for (const [name, stateCount, run] of cellRuns(path)) {
          const xAll = randomArray(B * 2 * T * E, 99, 1);
          // The second window ends early in some rows: its final state is taken at each length.
          const lengths2 = Int32Array.from([T, 2, 0]);
          const full = run(
            tf.tensor2d(xAll, [B * 2 * T, E]),
            { lengths: Int32Array.from([2 * T, T + 2, T]), batchSize: B, maxLen: 2 * T },
            { returnSequences: true },
          ).dataSync();
          let carried: Float32Array[] = [];
          const first = run(
            window(xAll, 0),
            { lengths: Int32Array.from([T, T, T]), batchSize: B, maxLen: T },
            { returnSequences: true, onFinalState: (s) => (carried = s) },
          ).dataSync();
          expect(carried.length, name).toBe(stateCount);
          let final: Float32Array[] = [];
          const second = run(
            window(xAll, T),
            { lengths: lengths2, batchSize: B, maxLen: T },
            { returnSequences: true, initialState: carried, onFinalState: (s) => (final = s) },
          ).dataSync();
          for (let r = 0; r < B; r++) {
            for (let t = 0; t < 2 * T; t++) {
              const got = (t < T ? first : second).subarray((r * T + (t % T)) * H, (r * T + (t % T) + 1) * H);
              const want = full.subarray((r * 2 * T + t) * H, (r * 2 * T + t + 1) * H);
              expect(maxAbsDiff(got, want), `${name} row ${r} step ${t}`).toBeLessThanOrEqual(1e-6);
            }
            const lastStep = T + (lengths2[r] as number) - 1;
            const want = full.subarray((r * 2 * T + lastStep) * H, (r * 2 * T + lastStep + 1) * H);
            expect(
              maxAbsDiff((final[0] as Float32Array).subarray(r * H, (r + 1) * H), want),
              name,
            ).toBeLessThanOrEqual(1e-6);
          }
        }
      });
    });

    it('rejects an initial state of the wrong size', () => {
      if (!available) return;
      const [, , run] = cellRuns(path)[1] as [string, number, Run];
      expect(() =>
        run(
          tf.zeros([B * T, E]),
          { lengths: Int32Array.from([T, T, T]), batchSize: B, maxLen: T },
          {
            initialState: [new Float32Array(B * H)],
          },
        ),
      ).toThrow(/initialState must be 2 array\(s\) of batchSize \* units = 18 entries/);
    });
  });
});

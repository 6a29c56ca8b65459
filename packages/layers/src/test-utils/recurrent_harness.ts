// Test-only: shared set-up for the recurrent layers' tests (LSTM, GRU).
import * as tf from '@tensorflow/tfjs-core';
import type { RecurrentOptions } from '../cells/recurrent_options.js';
import type { SequenceShape } from '../cells/sequence_shape.js';
import { randomArray } from './tf_test_setup.js';

export interface Case {
  name: string;
  E: number;
  H: number;
  lengths: number[];
  maxLen: number;
}

export const CASES: Case[] = [
  { name: 'mixed lengths with an empty sequence', E: 3, H: 6, lengths: [5, 2, 0, 3], maxLen: 5 },
  { name: 'one sequence, odd units', E: 4, H: 7, lengths: [3], maxLen: 3 },
  // Many rows × wide gates per step: on wasm the 'js' path hands the products to tf.matMul.
  {
    name: 'wide batch (tfjs matMul inside the js path)',
    E: 5,
    H: 64,
    lengths: [4, 4, 3, 3, 2, 1, 4, 2],
    maxLen: 4,
  },
];

/** A recurrent layer as the tests call it: (x, W, U, b) → output. */
export type Layer = (
  x: tf.Tensor2D,
  W: tf.Tensor2D,
  U: tf.Tensor2D,
  b: tf.Tensor,
  seq: SequenceShape,
  options: RecurrentOptions,
) => tf.Tensor2D;

export interface Setup {
  B: number;
  seq: SequenceShape;
  x: Float32Array;
  W: Float32Array;
  U: Float32Array;
  b: Float32Array;
  bShape: number[];
  G: number;
  drop: Float32Array;
  tensors: () => { x: tf.Tensor2D; W: tf.Tensor2D; U: tf.Tensor2D; b: tf.Tensor };
}

/** Random inputs and weights for `c` with `gates` gate blocks and a bias of shape `bShape(H)`. */
export function setup(c: Case, seed: number, gates: number, bShape: (H: number) => number[]): Setup {
  const B = c.lengths.length;
  const G = gates * c.H;
  const seq: SequenceShape = { lengths: Int32Array.from(c.lengths), batchSize: B, maxLen: c.maxLen };
  const x = randomArray(B * c.maxLen * c.E, seed, 1);
  const W = randomArray(c.E * G, seed + 1, 0.6);
  const U = randomArray(c.H * G, seed + 2, Math.min(0.6, 2 / Math.sqrt(c.H)));
  const shape = bShape(c.H);
  const b = randomArray(
    shape.reduce((n, d) => n * d, 1),
    seed + 3,
    0.3,
  );
  // Recurrent dropout at rate 0.25: multipliers 0 or 4/3.
  const drop = Float32Array.from(randomArray(B * c.H, seed + 5, 1), (v) => (v < -0.5 ? 0 : 4 / 3));
  return {
    B,
    seq,
    x,
    W,
    U,
    b,
    bShape: shape,
    G,
    drop,
    tensors: () => ({
      x: tf.tensor2d(x, [B * c.maxLen, c.E]),
      W: tf.tensor2d(W, [c.E, G]),
      U: tf.tensor2d(U, [c.H, G]),
      b: tf.tensor(b, shape),
    }),
  };
}

/** Output and the gradients of Σ R ⊙ output with respect to (x, W, U, b). */
export function outputAndGrads(
  layer: Layer,
  s: Setup,
  options: RecurrentOptions,
  R: Float32Array,
): { y: Float32Array; grads: Float32Array[] } {
  const t = s.tensors();
  const y = tf.tidy(() => layer(t.x, t.W, t.U, t.b, s.seq, options));
  const Rt = tf.tensor(R, y.shape);
  const grads = tf.grads((x, W, U, b) =>
    tf.sum(
      tf.mul(layer(x as tf.Tensor2D, W as tf.Tensor2D, U as tf.Tensor2D, b as tf.Tensor, s.seq, options), Rt),
    ),
  )([t.x, t.W, t.U, t.b]);
  const out = { y: new Float32Array(y.dataSync()), grads: grads.map((g) => new Float32Array(g.dataSync())) };
  tf.dispose([y, Rt, ...grads, t.x, t.W, t.U, t.b]);
  return out;
}

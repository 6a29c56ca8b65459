import * as tf from '@tensorflow/tfjs-core';
// Registers tfjs' autodiff gradients: only the reference needs them, to check the hand-written ones.
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { simpleRnn } from './simple_rnn.js';
import { simpleRnnReference } from './simple_rnn_reference.js';
import type { SequenceShape } from '../sequence_shape.js';
import { finiteDifferences, rnnLoss64 } from '../../test-utils/rnn_float64.js';
import {
  BACKENDS,
  maxAbsDiff,
  maxRelDiff,
  randomArray,
  useBackend,
  withoutKernelLeakCheck,
} from '../../test-utils/tf_test_setup.js';

interface Case {
  name: string;
  E: number;
  H: number;
  lengths: number[];
  maxLen: number;
}

const CASES: Case[] = [
  { name: 'mixed lengths with an empty sequence', E: 3, H: 6, lengths: [5, 2, 0, 3], maxLen: 5 },
  { name: 'one sequence, odd hidden size', E: 4, H: 7, lengths: [3], maxLen: 3 },
  // 8 rows × 128² multiply-adds per step: on wasm the 'js' path hands the product to tf.matMul.
  {
    name: 'wide batch (tfjs matMul inside the js path)',
    E: 5,
    H: 128,
    lengths: [4, 4, 3, 3, 2, 1, 4, 2],
    maxLen: 4,
  },
];

function setup(c: Case, seed: number) {
  const B = c.lengths.length;
  const seq: SequenceShape = { lengths: Int32Array.from(c.lengths), batchSize: B, maxLen: c.maxLen };
  const x = randomArray(B * c.maxLen * c.E, seed, 1);
  const Wx = randomArray(c.E * c.H, seed + 1, 0.6);
  const Wh = randomArray(c.H * c.H, seed + 2, Math.min(0.6, 2 / Math.sqrt(c.H)));
  const b = randomArray(c.H, seed + 3, 0.3);
  const R = randomArray(B * c.H, seed + 4, 1);
  const tensors = () => ({
    x: tf.tensor2d(x, [B * c.maxLen, c.E]),
    Wx: tf.tensor2d(Wx, [c.E, c.H]),
    Wh: tf.tensor2d(Wh, [c.H, c.H]),
    b: tf.tensor1d(b),
  });
  return { B, seq, x, Wx, Wh, b, R, tensors };
}

type Rnn = (
  x: tf.Tensor2D,
  Wx: tf.Tensor2D,
  Wh: tf.Tensor2D,
  b: tf.Tensor1D,
  seq: SequenceShape,
) => tf.Tensor2D;
const PATHS: [string, Rnn][] = [
  ['js', (x, Wx, Wh, b, seq) => simpleRnn(x, Wx, Wh, b, seq, { path: 'js' })],
  // The ops path keeps its step states with customGrad's save(): see withoutKernelLeakCheck.
  ['ops', (x, Wx, Wh, b, seq) => withoutKernelLeakCheck(() => simpleRnn(x, Wx, Wh, b, seq, { path: 'ops' }))],
];

/** Output and the gradients of Σ R ⊙ h with respect to (x, Wx, Wh, b). */
function outputAndGrads(rnn: Rnn, s: ReturnType<typeof setup>): { h: Float32Array; grads: Float32Array[] } {
  const t = s.tensors();
  const R = tf.tensor2d(s.R, [s.B, t.Wh.shape[0]]);
  const h = tf.tidy(() => rnn(t.x, t.Wx, t.Wh, t.b, s.seq));
  const grads = tf.grads((x, Wx, Wh, b) =>
    tf.sum(tf.mul(rnn(x as tf.Tensor2D, Wx as tf.Tensor2D, Wh as tf.Tensor2D, b as tf.Tensor1D, s.seq), R)),
  )([t.x, t.Wx, t.Wh, t.b]);
  const out = { h: new Float32Array(h.dataSync()), grads: grads.map((g) => new Float32Array(g.dataSync())) };
  tf.dispose([h, R, ...grads, t.x, t.Wx, t.Wh, t.b]);
  return out;
}

describe.each(BACKENDS)('simpleRnn on the %s backend', (backend) => {
  let available = false;
  beforeAll(async () => {
    available = await useBackend(backend);
    if (!available) console.warn(`skipping: the ${backend} backend does not start here`);
  });

  describe.each(CASES)('$name', (c) => {
    const s = setup(c, 11);

    it.each(PATHS)('the %s path computes the reference function and its autodiff gradient', (_, rnn) => {
      if (!available) return;
      const reference = outputAndGrads(simpleRnnReference, s);
      const fast = outputAndGrads(rnn, s);
      expect(maxAbsDiff(fast.h, reference.h)).toBeLessThanOrEqual(1e-5);
      fast.grads.forEach((g, i) =>
        expect(maxRelDiff(g, reference.grads[i] as Float32Array), `gradient ${i}`).toBeLessThanOrEqual(1e-5),
      );
    });

    it.each(PATHS)('the %s path gradient matches float64 finite differences', (_, rnn) => {
      if (!available || c.H > 16) return; // finite differences over 16k recurrent weights take too long
      const { grads } = outputAndGrads(rnn, s);
      const p = {
        x: Float64Array.from(s.x),
        Wx: Float64Array.from(s.Wx),
        Wh: Float64Array.from(s.Wh),
        b: Float64Array.from(s.b),
      };
      const loss = () => rnnLoss64(p, s.R, s.seq.lengths, s.B, c.maxLen, c.E, c.H);
      [p.x, p.Wx, p.Wh, p.b].forEach((v, i) =>
        expect(
          maxRelDiff(grads[i] as Float32Array, finiteDifferences(loss, v)),
          `gradient ${i}`,
        ).toBeLessThanOrEqual(1e-5),
      );
    });
  });

  it.each(PATHS)(
    'the %s path gives a sequence the same output alone as padded in a batch, and padding gets no gradient',
    (_, rnn) => {
      if (!available) return;
      const c: Case = { name: 'batch', E: 3, H: 5, lengths: [2, 4, 1], maxLen: 4 };
      const s = setup(c, 5);
      const batched = outputAndGrads(rnn, s);
      // Row 0 alone: its 2 valid steps, no padding.
      const alone = tf.tidy(() =>
        rnn(
          tf.tensor2d(s.x.slice(0, 2 * c.E), [2, c.E]),
          tf.tensor2d(s.Wx, [c.E, c.H]),
          tf.tensor2d(s.Wh, [c.H, c.H]),
          tf.tensor1d(s.b),
          { lengths: Int32Array.from([2]), batchSize: 1, maxLen: 2 },
        ),
      );
      expect(maxAbsDiff(alone.dataSync(), batched.h.subarray(0, c.H))).toBeLessThanOrEqual(1e-6);
      alone.dispose();
      const dx = batched.grads[0] as Float32Array;
      // Flat row r*4 + t: padding is steps 2–3 of row 0 and steps 1–3 of row 2.
      for (const n of [2, 3, 9, 10, 11])
        expect(Array.from(dx.subarray(n * c.E, (n + 1) * c.E)), `x row ${n}`).toEqual([0, 0, 0]);
      expect(maxAbsDiff(dx.subarray(8 * c.E, 9 * c.E), [0, 0, 0]), 'row 2 step 0 is valid').toBeGreaterThan(
        0,
      );
    },
  );

  it.each(PATHS)('the %s path leaks no tensors through forward, gradients and prediction', (_, rnn) => {
    if (!available) return;
    const s = setup(CASES[0] as Case, 3);
    outputAndGrads(rnn, s); // warm up (backends allocate lazily)
    const before = tf.memory().numTensors;
    outputAndGrads(rnn, s);
    tf.tidy(() =>
      rnn(...(Object.values(s.tensors()) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D]), s.seq),
    ).dispose();
    expect(tf.memory().numTensors - before).toBe(0);
  });
});

describe('simpleRnn argument checks', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });
  const W = () => ({
    Wx: tf.zeros([3, 4]) as tf.Tensor2D,
    Wh: tf.zeros([4, 4]) as tf.Tensor2D,
    b: tf.zeros([4]) as tf.Tensor1D,
  });

  it('rejects lengths longer than maxLen, naming the entry', () => {
    const { Wx, Wh, b } = W();
    expect(() =>
      simpleRnn(tf.zeros([4, 3]), Wx, Wh, b, { lengths: Int32Array.from([2, 3]), batchSize: 2, maxLen: 2 }),
    ).toThrow('field lengths: lengths[1] = 3 is outside [0, maxLen = 2]');
  });

  it('rejects an input whose row count is not batchSize * maxLen', () => {
    const { Wx, Wh, b } = W();
    expect(() =>
      simpleRnn(tf.zeros([3, 3]), Wx, Wh, b, { lengths: Int32Array.from([2, 2]), batchSize: 2, maxLen: 2 }),
    ).toThrow('field x: x has shape [3, 3], expected [4, 3]');
  });

  it('rejects a recurrent kernel of the wrong size', () => {
    const { Wx, b } = W();
    expect(() =>
      simpleRnn(tf.zeros([2, 3]), Wx, tf.zeros([4, 5]), b, {
        lengths: Int32Array.from([2]),
        batchSize: 1,
        maxLen: 2,
      }),
    ).toThrow('field Wh: Wh has shape [4, 5], expected [4, 4]');
  });
});

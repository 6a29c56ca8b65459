import * as tf from '@tensorflow/tfjs-core';
// Registers tfjs' autodiff gradients: only the reference needs them, to check the hand-written ones.
import '@tensorflow/tfjs';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { gru } from './gru.js';
import { gruReference } from './gru_reference.js';
import type { RecurrentOptions } from '../recurrent_options.js';
import { CASES, outputAndGrads, setup } from '../../test-utils/recurrent_harness.js';
import type { Case, Layer } from '../../test-utils/recurrent_harness.js';
import { gruLoss64 } from '../../test-utils/recurrent_float64.js';
import { finiteDifferences } from '../../test-utils/rnn_float64.js';
import {
  BACKENDS,
  maxAbsDiff,
  maxRelDiff,
  randomArray,
  useBackend,
  withoutKernelLeakCheck,
} from '../../test-utils/tf_test_setup.js';

const VARIANTS: { name: string; returnSequences: boolean; dropout: boolean }[] = [
  { name: 'last state', returnSequences: false, dropout: false },
  { name: 'sequences', returnSequences: true, dropout: false },
  { name: 'last state, recurrent dropout', returnSequences: false, dropout: true },
  { name: 'sequences, recurrent dropout', returnSequences: true, dropout: true },
];

function optionsFor(v: (typeof VARIANTS)[number], drop: Float32Array): RecurrentOptions {
  return { returnSequences: v.returnSequences, ...(v.dropout ? { recurrentDropoutMask: drop } : {}) };
}

describe.each(BACKENDS)('gru on the %s backend', (backend) => {
  let available = false;
  beforeAll(async () => {
    available = await useBackend(backend);
    if (!available) console.warn(`skipping: the ${backend} backend does not start here`);
  });

  describe.each([false, true])('resetAfter %s', (resetAfter) => {
    const bShape = (H: number): number[] => (resetAfter ? [2, 3 * H] : [3 * H]);
    const reference: Layer = (x, W, U, b, seq, o) => gruReference(x, W, U, b, seq, { ...o, resetAfter });
    const PATHS: [string, Layer][] = [
      ['js', (x, W, U, b, seq, o) => gru(x, W, U, b, seq, { ...o, resetAfter, path: 'js' })],
      // The ops path keeps its step states with customGrad's save(): see withoutKernelLeakCheck.
      [
        'ops',
        (x, W, U, b, seq, o) =>
          withoutKernelLeakCheck(() => gru(x, W, U, b, seq, { ...o, resetAfter, path: 'ops' })),
      ],
    ];

    describe.each(CASES)('$name', (c: Case) => {
      const s = setup(c, 13, 3, bShape);
      describe.each(VARIANTS)('$name', (v) => {
        const options = optionsFor(v, s.drop);
        const R = randomArray((v.returnSequences ? s.B * c.maxLen : s.B) * c.H, 31, 1);
        const p = () => ({
          x: Float64Array.from(s.x),
          W: Float64Array.from(s.W),
          U: Float64Array.from(s.U),
          b: Float64Array.from(s.b),
        });
        const layout = {
          lengths: s.seq.lengths,
          B: s.B,
          T: c.maxLen,
          E: c.E,
          H: c.H,
          returnSequences: v.returnSequences,
          ...(v.dropout ? { drop: s.drop } : {}),
        };

        it('the reference follows the float64 equations', () => {
          if (!available) return;
          const { y } = outputAndGrads(reference, s, options, R);
          const ours = y.reduce((sum, value, i) => sum + value * (R[i] as number), 0);
          expect(Math.abs(ours - gruLoss64(p(), R, layout, resetAfter))).toBeLessThanOrEqual(1e-4);
        });

        it.each(PATHS)(
          'the %s path computes the reference function and its autodiff gradient',
          (_, layer) => {
            if (!available) return;
            const ref = outputAndGrads(reference, s, options, R);
            const fast = outputAndGrads(layer, s, options, R);
            expect(maxAbsDiff(fast.y, ref.y)).toBeLessThanOrEqual(1e-5);
            fast.grads.forEach((g, i) =>
              expect(maxRelDiff(g, ref.grads[i] as Float32Array), `gradient ${i}`).toBeLessThanOrEqual(1e-5),
            );
          },
        );

        it.each(PATHS)('the %s path gradient matches float64 finite differences', (_, layer) => {
          if (!available || c.H > 16) return; // finite differences over 16k weights take too long
          const { grads } = outputAndGrads(layer, s, options, R);
          const params = p();
          const loss = () => gruLoss64(params, R, layout, resetAfter);
          [params.x, params.W, params.U, params.b].forEach((w, i) =>
            expect(
              maxRelDiff(grads[i] as Float32Array, finiteDifferences(loss, w)),
              `gradient ${i}`,
            ).toBeLessThanOrEqual(1e-5),
          );
        });
      });
    });

    it.each(PATHS)(
      'the %s path gives a sequence the same output alone as padded in a batch, and padding gets no gradient',
      (_, layer) => {
        if (!available) return;
        const c: Case = { name: 'batch', E: 3, H: 5, lengths: [2, 4, 1], maxLen: 4 };
        const s = setup(c, 5, 3, bShape);
        const batched = outputAndGrads(layer, s, {}, randomArray(s.B * c.H, 3, 1));
        const alone = tf.tidy(() =>
          layer(
            tf.tensor2d(s.x.slice(0, 2 * c.E), [2, c.E]),
            tf.tensor2d(s.W, [c.E, s.G]),
            tf.tensor2d(s.U, [c.H, s.G]),
            tf.tensor(s.b, s.bShape),
            { lengths: Int32Array.from([2]), batchSize: 1, maxLen: 2 },
            {},
          ),
        );
        expect(maxAbsDiff(alone.dataSync(), batched.y.subarray(0, c.H))).toBeLessThanOrEqual(1e-6);
        alone.dispose();
        const dx = batched.grads[0] as Float32Array;
        for (const n of [2, 3, 9, 10, 11])
          expect(Array.from(dx.subarray(n * c.E, (n + 1) * c.E)), `x row ${n}`).toEqual([0, 0, 0]);
      },
    );

    it.each(PATHS)('the %s path leaks no tensors through forward, gradients and prediction', (_, layer) => {
      if (!available) return;
      const c = CASES[2] as Case; // wide: exercises the tfjs products on wasm
      const s = setup(c, 3, 3, bShape);
      const options = { returnSequences: true, recurrentDropoutMask: s.drop };
      const R = randomArray(s.B * c.maxLen * c.H, 3, 1);
      outputAndGrads(layer, s, options, R); // warm up (backends allocate lazily)
      const before = tf.memory().numTensors;
      outputAndGrads(layer, s, options, R);
      const t = s.tensors();
      tf.tidy(() => layer(t.x, t.W, t.U, t.b, s.seq, {})).dispose();
      tf.dispose([t.x, t.W, t.U, t.b]);
      expect(tf.memory().numTensors - before).toBe(0);
    });
  });

  it.each([false, true])(
    'resetAfter false equals tfjs-layers GRU (sigmoid recurrent activation, masked), returnSequences %s',
    (returnSequences) => {
      if (!available) return;
      const c = CASES[0] as Case;
      const s = setup(c, 19, 3, (H) => [3 * H]);
      const layer = tfl.layers.gru({ units: c.H, recurrentActivation: 'sigmoid', returnSequences });
      const x3 = tf.tensor3d(s.x, [s.B, c.maxLen, c.E]);
      const maskValues = Array.from({ length: s.B * c.maxLen }, (_, n) =>
        n % c.maxLen < (c.lengths[Math.floor(n / c.maxLen)] as number) ? 1 : 0,
      );
      const mask = tf.tensor2d(maskValues, [s.B, c.maxLen], 'bool');
      tf.dispose(layer.apply(x3) as tf.Tensor); // builds the weights
      const t = s.tensors();
      layer.setWeights([t.W, t.U, t.b]);
      const theirs = (layer.apply(x3, { mask }) as tf.Tensor).dataSync();
      const ours = tf.tidy(() => gru(t.x, t.W, t.U, t.b, s.seq, { returnSequences })).dataSync();
      if (!returnSequences) expect(maxAbsDiff(ours, theirs)).toBeLessThanOrEqual(1e-5);
      else
        for (let n = 0; n < s.B * c.maxLen; n++) {
          if (maskValues[n] === 0) continue; // on padding tfjs-layers repeats the last output, ours is 0
          expect(
            maxAbsDiff(ours.subarray(n * c.H, (n + 1) * c.H), theirs.subarray(n * c.H, (n + 1) * c.H)),
          ).toBeLessThanOrEqual(1e-5);
        }
      tf.dispose([x3, mask, t.x, t.W, t.U, t.b]);
      layer.dispose();
    },
  );
});

describe('gru argument checks', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });
  const seq = { lengths: Int32Array.from([2]), batchSize: 1, maxLen: 2 };

  it('wants a [2, 3 * units] bias with resetAfter and a [3 * units] one without', () => {
    expect(() =>
      gru(tf.zeros([2, 3]), tf.zeros([3, 12]), tf.zeros([4, 12]), tf.zeros([12]), seq, { resetAfter: true }),
    ).toThrow('field bias: bias has shape [12], expected [2, 12]');
    expect(() => gru(tf.zeros([2, 3]), tf.zeros([3, 12]), tf.zeros([4, 12]), tf.zeros([2, 12]), seq)).toThrow(
      'field bias: bias has shape [2, 12], expected [12]',
    );
  });
});

describe.each(BACKENDS)('gru with the hard_sigmoid recurrent activation on the %s backend', (backend) => {
  let available = false;
  beforeAll(async () => {
    available = await useBackend(backend);
  });

  describe.each([false, true])('resetAfter %s', (resetAfter) => {
    const bShape = (H: number): number[] => (resetAfter ? [2, 3 * H] : [3 * H]);
    const options = (v: (typeof VARIANTS)[number], drop: Float32Array) => ({
      ...optionsFor(v, drop),
      recurrentActivation: 'hard_sigmoid' as const,
    });
    it.each(CASES)('$name: computes the reference function and its autodiff gradient', (c) => {
      if (!available) return;
      const s = setup(c, 53, 3, bShape);
      for (const v of VARIANTS) {
        const o = options(v, s.drop);
        const R = randomArray((v.returnSequences ? s.B * c.maxLen : s.B) * c.H, 59, 1);
        const ref = outputAndGrads(
          (x, W, U, b, seq, p) => gruReference(x, W, U, b, seq, { ...p, resetAfter }),
          s,
          o,
          R,
        );
        const ours = outputAndGrads(
          (x, W, U, b, seq, p) => withoutKernelLeakCheck(() => gru(x, W, U, b, seq, { ...p, resetAfter })),
          s,
          o,
          R,
        );
        expect(maxAbsDiff(ours.y, ref.y), v.name).toBeLessThanOrEqual(1e-5);
        ours.grads.forEach((g, i) =>
          expect(maxRelDiff(g, ref.grads[i] as Float32Array), `${v.name} gradient ${i}`).toBeLessThanOrEqual(
            1e-5,
          ),
        );
      }
    });
  });

  it("resetAfter false equals tfjs-layers' GRU with its default recurrent activation (hardSigmoid)", () => {
    if (!available) return;
    const c = CASES[0] as Case;
    const s = setup(c, 61, 3, (H) => [3 * H]);
    const layer = tfl.layers.gru({ units: c.H }); // recurrentActivation defaults to 'hardSigmoid'
    const x3 = tf.tensor3d(s.x, [s.B, c.maxLen, c.E]);
    const mask = tf.tensor2d(
      Array.from({ length: s.B * c.maxLen }, (_, n) =>
        n % c.maxLen < (c.lengths[Math.floor(n / c.maxLen)] as number) ? 1 : 0,
      ),
      [s.B, c.maxLen],
      'bool',
    );
    tf.dispose(layer.apply(x3) as tf.Tensor);
    const t = s.tensors();
    layer.setWeights([t.W, t.U, t.b]);
    const theirs = (layer.apply(x3, { mask }) as tf.Tensor).dataSync();
    const ours = tf
      .tidy(() => gru(t.x, t.W, t.U, t.b, s.seq, { recurrentActivation: 'hard_sigmoid' }))
      .dataSync();
    expect(maxAbsDiff(ours, theirs)).toBeLessThanOrEqual(1e-5);
    const sigmoid = tf.tidy(() => gru(t.x, t.W, t.U, t.b, s.seq)).dataSync();
    expect(maxAbsDiff(sigmoid, theirs)).toBeGreaterThan(1e-3);
    tf.dispose([x3, mask, t.x, t.W, t.U, t.b]);
    layer.dispose();
  });
});

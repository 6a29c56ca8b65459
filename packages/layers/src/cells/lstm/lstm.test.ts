import * as tf from '@tensorflow/tfjs-core';
// Registers tfjs' autodiff gradients: only the reference needs them, to check the hand-written ones.
import '@tensorflow/tfjs';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { lstm } from './lstm.js';
import { lstmReference } from './lstm_reference.js';
import type { RecurrentOptions } from '../recurrent_options.js';
import { CASES, outputAndGrads, setup } from '../../test-utils/recurrent_harness.js';
import type { Case, Layer } from '../../test-utils/recurrent_harness.js';
import { lstmLoss64 } from '../../test-utils/recurrent_float64.js';
import { finiteDifferences } from '../../test-utils/rnn_float64.js';
import {
  BACKENDS,
  maxAbsDiff,
  maxRelDiff,
  randomArray,
  useBackend,
  withoutKernelLeakCheck,
} from '../../test-utils/tf_test_setup.js';

const bShape = (H: number): number[] => [4 * H];
const reference: Layer = (x, W, U, b, seq, o) => lstmReference(x, W, U, b as tf.Tensor1D, seq, o);
const PATHS: [string, Layer][] = [
  ['js', (x, W, U, b, seq, o) => lstm(x, W, U, b as tf.Tensor1D, seq, { ...o, path: 'js' })],
  // The ops path keeps its step states with customGrad's save(): see withoutKernelLeakCheck.
  [
    'ops',
    (x, W, U, b, seq, o) =>
      withoutKernelLeakCheck(() => lstm(x, W, U, b as tf.Tensor1D, seq, { ...o, path: 'ops' })),
  ],
];
const VARIANTS: { name: string; returnSequences: boolean; dropout: boolean }[] = [
  { name: 'last state', returnSequences: false, dropout: false },
  { name: 'sequences', returnSequences: true, dropout: false },
  { name: 'last state, recurrent dropout', returnSequences: false, dropout: true },
  { name: 'sequences, recurrent dropout', returnSequences: true, dropout: true },
];

function optionsFor(v: (typeof VARIANTS)[number], drop: Float32Array): RecurrentOptions {
  return { returnSequences: v.returnSequences, ...(v.dropout ? { recurrentDropoutMask: drop } : {}) };
}

describe.each(BACKENDS)('lstm on the %s backend', (backend) => {
  let available = false;
  beforeAll(async () => {
    available = await useBackend(backend);
    if (!available) console.warn(`skipping: the ${backend} backend does not start here`);
  });

  describe.each(CASES)('$name', (c: Case) => {
    const s = setup(c, 11, 4, bShape);
    describe.each(VARIANTS)('$name', (v) => {
      const options = optionsFor(v, s.drop);
      const R = randomArray((v.returnSequences ? s.B * c.maxLen : s.B) * c.H, 29, 1);

      it.each(PATHS)('the %s path computes the reference function and its autodiff gradient', (_, layer) => {
        if (!available) return;
        const ref = outputAndGrads(reference, s, options, R);
        const fast = outputAndGrads(layer, s, options, R);
        expect(maxAbsDiff(fast.y, ref.y)).toBeLessThanOrEqual(1e-5);
        fast.grads.forEach((g, i) =>
          expect(maxRelDiff(g, ref.grads[i] as Float32Array), `gradient ${i}`).toBeLessThanOrEqual(1e-5),
        );
      });

      it.each(PATHS)('the %s path gradient matches float64 finite differences', (_, layer) => {
        if (!available || c.H > 16) return; // finite differences over 16k weights take too long
        const { grads } = outputAndGrads(layer, s, options, R);
        const p = {
          x: Float64Array.from(s.x),
          W: Float64Array.from(s.W),
          U: Float64Array.from(s.U),
          b: Float64Array.from(s.b),
        };
        const layout = {
          lengths: s.seq.lengths,
          B: s.B,
          T: c.maxLen,
          E: c.E,
          H: c.H,
          returnSequences: v.returnSequences,
          ...(v.dropout ? { drop: s.drop } : {}),
        };
        const loss = () => lstmLoss64(p, R, layout);
        [p.x, p.W, p.U, p.b].forEach((w, i) =>
          expect(
            maxRelDiff(grads[i] as Float32Array, finiteDifferences(loss, w)),
            `gradient ${i}`,
          ).toBeLessThanOrEqual(1e-5),
        );
      });
    });
  });

  it.each([false, true])(
    'equals tfjs-layers LSTM (sigmoid recurrent activation, masked), returnSequences %s',
    (returnSequences) => {
      if (!available) return;
      const c = CASES[0] as Case;
      const s = setup(c, 17, 4, bShape);
      const layer = tfl.layers.lstm({ units: c.H, recurrentActivation: 'sigmoid', returnSequences });
      const x3 = tf.tensor3d(s.x, [s.B, c.maxLen, c.E]);
      const maskValues = Array.from({ length: s.B * c.maxLen }, (_, n) =>
        n % c.maxLen < (c.lengths[Math.floor(n / c.maxLen)] as number) ? 1 : 0,
      );
      const mask = tf.tensor2d(maskValues, [s.B, c.maxLen], 'bool');
      tf.dispose(layer.apply(x3) as tf.Tensor); // builds the weights
      const t = s.tensors();
      layer.setWeights([t.W, t.U, t.b]);
      const theirs = layer.apply(x3, { mask }) as tf.Tensor;
      const ours = tf.tidy(() => lstm(t.x, t.W, t.U, t.b as tf.Tensor1D, s.seq, { returnSequences }));
      const theirsData = theirs.dataSync();
      const oursData = ours.dataSync();
      if (!returnSequences) expect(maxAbsDiff(oursData, theirsData)).toBeLessThanOrEqual(1e-5);
      else {
        // Compare valid steps; on padding tfjs-layers repeats the last output, ours is 0.
        for (let n = 0; n < s.B * c.maxLen; n++) {
          if (maskValues[n] === 0) continue;
          expect(
            maxAbsDiff(
              oursData.subarray(n * c.H, (n + 1) * c.H),
              theirsData.subarray(n * c.H, (n + 1) * c.H),
            ),
            `row ${n}`,
          ).toBeLessThanOrEqual(1e-5);
        }
      }
      tf.dispose([x3, mask, theirs, ours, t.x, t.W, t.U, t.b]);
      layer.dispose();
    },
  );

  it.each(PATHS)(
    'the %s path gives a sequence the same output alone as padded in a batch, and padding gets no gradient',
    (_, layer) => {
      if (!available) return;
      const c: Case = { name: 'batch', E: 3, H: 5, lengths: [2, 4, 1], maxLen: 4 };
      const s = setup(c, 5, 4, bShape);
      const R = randomArray(s.B * c.H, 3, 1);
      const batched = outputAndGrads(layer, s, {}, R);
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
    const s = setup(CASES[0] as Case, 3, 4, bShape);
    const options = { returnSequences: true, recurrentDropoutMask: s.drop };
    const R = randomArray(s.B * (CASES[0] as Case).maxLen * (CASES[0] as Case).H, 3, 1);
    outputAndGrads(layer, s, options, R); // warm up (backends allocate lazily)
    const before = tf.memory().numTensors;
    outputAndGrads(layer, s, options, R);
    const t = s.tensors();
    tf.tidy(() => layer(t.x, t.W, t.U, t.b, s.seq, {})).dispose();
    tf.dispose([t.x, t.W, t.U, t.b]);
    expect(tf.memory().numTensors - before).toBe(0);
  });
});

describe('lstm argument checks', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });
  const seq = { lengths: Int32Array.from([2]), batchSize: 1, maxLen: 2 };

  it('rejects a recurrent kernel that is not [units, 4 * units]', () => {
    expect(() => lstm(tf.zeros([2, 3]), tf.zeros([3, 16]), tf.zeros([4, 12]), tf.zeros([16]), seq)).toThrow(
      'field recurrentKernel: recurrentKernel has shape [4, 12], expected [units, 4 * units]',
    );
  });

  it('rejects a bias of the wrong size', () => {
    expect(() => lstm(tf.zeros([2, 3]), tf.zeros([3, 16]), tf.zeros([4, 16]), tf.zeros([12]), seq)).toThrow(
      'field bias: bias has shape [12], expected [16]',
    );
  });

  it('rejects a dropout mask of the wrong size', () => {
    expect(() =>
      lstm(tf.zeros([2, 3]), tf.zeros([3, 16]), tf.zeros([4, 16]), tf.zeros([16]), seq, {
        recurrentDropoutMask: new Float32Array(3),
      }),
    ).toThrow(
      'field recurrentDropoutMask: recurrentDropoutMask has 3 entries, expected batchSize * units = 4',
    );
  });
});

describe.each(BACKENDS)('lstm with the hard_sigmoid recurrent activation on the %s backend', (backend) => {
  let available = false;
  beforeAll(async () => {
    available = await useBackend(backend);
  });
  const hard: RecurrentOptions = { recurrentActivation: 'hard_sigmoid' };

  it.each(CASES)('$name: computes the reference function and its autodiff gradient', (c) => {
    if (!available) return;
    const s = setup(c, 41, 4, bShape);
    for (const v of VARIANTS) {
      const options = { ...optionsFor(v, s.drop), ...hard };
      const R = randomArray((v.returnSequences ? s.B * c.maxLen : s.B) * c.H, 43, 1);
      const ref = outputAndGrads(reference, s, options, R);
      const ours = outputAndGrads(
        (x, W, U, b, seq, o) => withoutKernelLeakCheck(() => lstm(x, W, U, b as tf.Tensor1D, seq, o)),
        s,
        options,
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

  it("equals tfjs-layers' LSTM with its default recurrent activation (hardSigmoid)", () => {
    if (!available) return;
    const c = CASES[0] as Case;
    const s = setup(c, 47, 4, bShape);
    const layer = tfl.layers.lstm({ units: c.H }); // recurrentActivation defaults to 'hardSigmoid'
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
    const ours = tf.tidy(() => lstm(t.x, t.W, t.U, t.b as tf.Tensor1D, s.seq, hard)).dataSync();
    expect(maxAbsDiff(ours, theirs)).toBeLessThanOrEqual(1e-5);
    // and differs from the sigmoid LSTM, so the option is not ignored
    const sigmoid = tf.tidy(() => lstm(t.x, t.W, t.U, t.b as tf.Tensor1D, s.seq)).dataSync();
    expect(maxAbsDiff(sigmoid, theirs)).toBeGreaterThan(1e-3);
    tf.dispose([x3, mask, t.x, t.W, t.U, t.b]);
    layer.dispose();
  });
});

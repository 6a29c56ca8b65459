import type * as tf from '@tensorflow/tfjs-core';
// Registers tfjs' autodiff gradients: only the reference needs them, to check the hand-written ones.
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { simpleRnn } from './simple_rnn.js';
import { simpleRnnReference } from './simple_rnn_reference.js';
import { CASES, outputAndGrads, setup } from '../../test-utils/recurrent_harness.js';
import type { Case, Layer } from '../../test-utils/recurrent_harness.js';
import { simpleRnnLoss64 } from '../../test-utils/recurrent_float64.js';
import { finiteDifferences } from '../../test-utils/rnn_float64.js';
import {
  BACKENDS,
  maxAbsDiff,
  maxRelDiff,
  randomArray,
  useBackend,
  withoutKernelLeakCheck,
} from '../../test-utils/tf_test_setup.js';

// simple_rnn.test.ts covers the last-state output; this covers full sequences and recurrent dropout.
const bShape = (H: number): number[] => [H];
const reference: Layer = (x, W, U, b, seq, o) => simpleRnnReference(x, W, U, b as tf.Tensor1D, seq, o);
const PATHS: [string, Layer][] = [
  ['js', (x, W, U, b, seq, o) => simpleRnn(x, W, U, b as tf.Tensor1D, seq, { ...o, path: 'js' })],
  [
    'ops',
    (x, W, U, b, seq, o) =>
      withoutKernelLeakCheck(() => simpleRnn(x, W, U, b as tf.Tensor1D, seq, { ...o, path: 'ops' })),
  ],
];
const VARIANTS = [
  { name: 'sequences', returnSequences: true, dropout: false },
  { name: 'last state, recurrent dropout', returnSequences: false, dropout: true },
  { name: 'sequences, recurrent dropout', returnSequences: true, dropout: true },
];

describe.each(BACKENDS)('simpleRnn sequences and dropout on the %s backend', (backend) => {
  let available = false;
  beforeAll(async () => {
    available = await useBackend(backend);
  });

  describe.each(CASES)('$name', (c: Case) => {
    const s = setup(c, 23, 1, bShape);
    describe.each(VARIANTS)('$name', (v) => {
      const options = {
        returnSequences: v.returnSequences,
        ...(v.dropout ? { recurrentDropoutMask: s.drop } : {}),
      };
      const R = randomArray((v.returnSequences ? s.B * c.maxLen : s.B) * c.H, 37, 1);

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
        if (!available || c.H > 16) return;
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
        const loss = () => simpleRnnLoss64(p, R, layout);
        [p.x, p.W, p.U, p.b].forEach((w, i) =>
          expect(
            maxRelDiff(grads[i] as Float32Array, finiteDifferences(loss, w)),
            `gradient ${i}`,
          ).toBeLessThanOrEqual(1e-5),
        );
      });
    });
  });
});

import * as tf from '@tensorflow/tfjs-core';
// Registers tfjs' autodiff gradients: only the reference needs them, to check the hand-written ones.
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { embeddingLookup } from '../../ops/embedding.js';
import { lstmEmbeddedJs, lstmEmbeddingsJs } from './lstm_js.js';
import { lstmReference } from './lstm_reference.js';
import type { RecurrentRunOptions } from '../recurrent_options.js';
import { reverseIds, reverseSequences } from '../reverse_sequences.js';
import type { SequenceShape } from '../sequence_shape.js';
import { BACKENDS, maxAbsDiff, maxRelDiff, randomArray, useBackend } from '../../test-utils/tf_test_setup.js';

type Layer = (
  table: tf.Tensor2D,
  W: tf.Tensor2D,
  U: tf.Tensor2D,
  b: tf.Tensor1D,
  options: RecurrentRunOptions,
) => tf.Tensor2D;

interface Case {
  name: string;
  V: number;
  E: number;
  H: number;
  lengths: number[];
  maxLen: number;
}

// M = valid steps. M ≥ V: the whole table is projected; M < V: the valid rows are.
const CASES: Case[] = [
  { name: 'projected table (more steps than tokens)', V: 5, E: 3, H: 6, lengths: [5, 2, 0, 3], maxLen: 5 },
  { name: 'projected rows (fewer steps than tokens)', V: 40, E: 4, H: 7, lengths: [3, 1], maxLen: 3 },
  {
    name: 'wide batch (tfjs matMul inside the js path)',
    V: 9,
    E: 5,
    H: 64,
    lengths: [4, 4, 3, 3, 2, 1, 4, 2],
    maxLen: 4,
  },
];

const VARIANTS = [
  { name: 'last state', returnSequences: false, dropout: false },
  { name: 'sequences, recurrent dropout', returnSequences: true, dropout: true },
];

function outputAndGrads(
  layer: Layer,
  values: Float32Array[],
  shapes: number[][],
  options: RecurrentRunOptions,
  R: Float32Array,
): { y: Float32Array; grads: Float32Array[] } {
  const [table, W, U, b] = values.map((v, i) => tf.tensor(v, shapes[i] as [number, number] | [number])) as [
    tf.Tensor2D,
    tf.Tensor2D,
    tf.Tensor2D,
    tf.Tensor1D,
  ];
  const y = tf.tidy(() => layer(table, W, U, b, options));
  const Rt = tf.tensor(R, y.shape);
  const grads = tf.grads((t, w, u, c) =>
    tf.sum(
      tf.mul(layer(t as tf.Tensor2D, w as tf.Tensor2D, u as tf.Tensor2D, c as tf.Tensor1D, options), Rt),
    ),
  )([table, W, U, b]);
  const out = { y: new Float32Array(y.dataSync()), grads: grads.map((g) => new Float32Array(g.dataSync())) };
  tf.dispose([y, Rt, ...grads, table, W, U, b]);
  return out;
}

describe.each(BACKENDS)('lstmEmbeddedJs on the %s backend', (backend) => {
  let available = false;
  beforeAll(async () => {
    available = await useBackend(backend);
    if (!available) console.warn(`skipping: the ${backend} backend does not start here`);
  });

  describe.each(CASES)('$name', (c: Case) => {
    const B = c.lengths.length;
    const G = 4 * c.H;
    const seq: SequenceShape = { lengths: Int32Array.from(c.lengths), batchSize: B, maxLen: c.maxLen };
    const ids = new Int32Array(B * c.maxLen);
    for (let r = 0; r < B; r++)
      for (let t = 0; t < (c.lengths[r] as number); t++)
        ids[r * c.maxLen + t] = 1 + ((r * 7 + t * 3) % (c.V - 1));
    const values = [
      randomArray(c.V * c.E, 3, 1),
      randomArray(c.E * G, 4, 0.6),
      randomArray(c.H * G, 5, Math.min(0.6, 2 / Math.sqrt(c.H))),
      randomArray(G, 6, 0.3),
    ];
    const shapes = [[c.V, c.E], [c.E, G], [c.H, G], [G]];
    const drop = Float32Array.from(randomArray(B * c.H, 7, 1), (v) => (v < -0.5 ? 0 : 4 / 3));

    describe.each(VARIANTS)('$name', (v) => {
      const options: RecurrentRunOptions = {
        returnSequences: v.returnSequences,
        ...(v.dropout ? { recurrentDropoutMask: drop } : {}),
      };
      const R = randomArray((v.returnSequences ? B * c.maxLen : B) * c.H, 29, 1);

      it.each([
        ['forward', ids, (x: tf.Tensor2D) => x],
        ['reversed', reverseIds(ids, seq), (x: tf.Tensor2D) => reverseSequences(x, seq)],
      ] as const)(
        '%s: equals embeddingLookup + the reference LSTM, gradients included',
        (_, fusedIds, arrange) => {
          if (!available) return;
          const reference: Layer = (table, W, U, b, o) =>
            lstmReference(arrange(embeddingLookup(table, ids)), W, U, b, seq, o);
          const fused: Layer = (table, W, U, b, o) => lstmEmbeddedJs(table, fusedIds, W, U, b, seq, o);
          const ref = outputAndGrads(reference, values, shapes, options, R);
          const fast = outputAndGrads(fused, values, shapes, options, R);
          expect(maxAbsDiff(fast.y, ref.y)).toBeLessThanOrEqual(1e-5);
          fast.grads.forEach((g, i) =>
            expect(maxRelDiff(g, ref.grads[i] as Float32Array), `gradient ${i}`).toBeLessThanOrEqual(1e-5),
          );
        },
      );
    });
  });
});

describe.each(BACKENDS)('lstmEmbeddingsJs (two embeddings) on the %s backend', (backend) => {
  let available = false;
  beforeAll(async () => {
    available = await useBackend(backend);
    if (!available) console.warn(`skipping: the ${backend} backend does not start here`);
  });

  // A character and a label embedding concatenated at every step, as a conditional language model's input.
  const [V, E, C, Le, H] = [7, 3, 4, 2, 8];
  const G = 4 * H;
  const lengths = [5, 2, 0, 3, 5];
  const [B, T] = [lengths.length, 5];
  const seq: SequenceShape = { lengths: Int32Array.from(lengths), batchSize: B, maxLen: T };
  const ids = Int32Array.from({ length: B * T }, (_, n) =>
    n % T < (lengths[Math.floor(n / T)] as number) ? 1 + ((n * 5) % (V - 1)) : 0,
  );
  const labelIds = Int32Array.from({ length: B * T }, (_, n) => Math.floor(n / T) % C);
  const values = [
    randomArray(V * E, 3, 1),
    randomArray(C * Le, 8, 1),
    randomArray((E + Le) * G, 4, 0.6),
    randomArray(H * G, 5, 0.6),
    randomArray(G, 6, 0.3),
  ];
  const shapes = [[V, E], [C, Le], [E + Le, G], [H, G], [G]];

  it.each([false, true])(
    'equals the two lookups, their concatenation and the reference LSTM, gradients included (sequences: %s)',
    (returnSequences) => {
      if (!available) return;
      const R = randomArray((returnSequences ? B * T : B) * H, 29, 1);
      const run = (fused: boolean): { y: Float32Array; grads: Float32Array[] } => {
        const inputs = values.map((v, i) => tf.tensor(v, shapes[i] as number[]));
        const layer = (t: tf.Tensor[]): tf.Tensor2D => {
          const [char, label, W, U, b] = t as [
            tf.Tensor2D,
            tf.Tensor2D,
            tf.Tensor2D,
            tf.Tensor2D,
            tf.Tensor1D,
          ];
          return fused
            ? lstmEmbeddingsJs([char, label], [ids, labelIds], W, U, b, seq, { returnSequences })
            : lstmReference(
                tf.concat([embeddingLookup(char, ids), embeddingLookup(label, labelIds)], 1),
                W,
                U,
                b,
                seq,
                { returnSequences },
              );
        };
        const y = tf.tidy(() => layer(inputs));
        const Rt = tf.tensor(R, y.shape);
        const grads = tf.grads((...t) => tf.sum(tf.mul(layer(t), Rt)))(inputs);
        const out = {
          y: new Float32Array(y.dataSync()),
          grads: grads.map((g) => new Float32Array(g.dataSync())),
        };
        tf.dispose([y, Rt, ...grads, ...inputs]);
        return out;
      };
      const ref = run(false);
      const fast = run(true);
      expect(maxAbsDiff(fast.y, ref.y)).toBeLessThanOrEqual(1e-5);
      expect(fast.grads).toHaveLength(5);
      fast.grads.forEach((g, i) =>
        expect(maxRelDiff(g, ref.grads[i] as Float32Array), `gradient ${i}`).toBeLessThanOrEqual(1e-5),
      );
    },
  );
});

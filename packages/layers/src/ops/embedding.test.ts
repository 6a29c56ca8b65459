import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { embeddingLookup } from './embedding.js';
import { BACKENDS, useBackend } from '../test-utils/tf_test_setup.js';

const PATHS = ['js', 'ops'] as const;

describe.each(BACKENDS)('embeddingLookup on the %s backend', (backend) => {
  let available = false;
  beforeAll(async () => {
    available = await useBackend(backend);
  });

  it.each(PATHS)('%s path: looks rows up and scatter-adds the gradient onto repeated ids', (path) => {
    if (!available) return;
    const table = tf.tensor2d([0, 1, 10, 11, 20, 21], [3, 2]);
    const ids = Int32Array.from([2, 1, 2, 0]);
    expect(Array.from(tf.tidy(() => embeddingLookup(table, ids, { path })).dataSync())).toEqual([
      20, 21, 10, 11, 20, 21, 0, 1,
    ]);
    const dy = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]);
    const [dTable] = tf.grads((t) => embeddingLookup(t as tf.Tensor2D, ids, { path }))([table], dy);
    // row 0 ← dy[3]; row 1 ← dy[1]; row 2 ← dy[0] + dy[2]
    expect(Array.from((dTable as tf.Tensor).dataSync())).toEqual([7, 8, 3, 4, 6, 8]);
    tf.dispose([table, dy, dTable as tf.Tensor]);
  });

  it('rejects an id outside the vocabulary, naming its position', () => {
    if (!available) return;
    const table = tf.zeros([3, 2]) as tf.Tensor2D;
    expect(() => embeddingLookup(table, Int32Array.from([0, 3]))).toThrow(
      'field ids: ids[1] = 3 is outside the vocabulary [0, 3)',
    );
    table.dispose();
  });
});

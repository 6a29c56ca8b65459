import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { clipByGlobalNorm } from './clip_by_global_norm.js';

tf.env().set('IS_TEST', true);

describe.each(['cpu', 'wasm'])('clipByGlobalNorm on the %s backend', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  // Global norm of [3, 4] and [[12]] = sqrt(9 + 16 + 144) = 13.
  const grads = (): tf.Tensor[] => [tf.tensor1d([3, 4]), tf.tensor2d([[12]])];

  it('scales every gradient by maxNorm / norm when the norm is larger', () => {
    const input = grads();
    const { grads: clipped, norm } = clipByGlobalNorm(input, 1);
    expect(norm).toBe(13);
    const [a, b] = clipped.map((g) => Array.from(g.dataSync()));
    [3 / 13, 4 / 13].forEach((v, i) => expect(a?.[i]).toBeCloseTo(v, 6));
    expect(b?.[0]).toBeCloseTo(12 / 13, 6);
    expect((clipped[1] as tf.Tensor).shape).toEqual([1, 1]);
    tf.dispose([...input, ...clipped]);
  });

  it('returns the same tensors when the norm is within the bound', () => {
    const input = grads();
    const { grads: clipped, norm } = clipByGlobalNorm(input, 13);
    expect(norm).toBe(13);
    expect(clipped).toEqual(input);
    expect(clipped[0]).toBe(input[0]);
    tf.dispose(input);
  });

  it('reports a non-finite norm', () => {
    const input = [tf.tensor1d([1, NaN])];
    const { grads: clipped, norm } = clipByGlobalNorm(input, 1);
    expect(norm).toBeNaN();
    tf.dispose([...input, ...clipped]);
  });

  it('rejects a bound that is not a positive number', () => {
    expect(() => clipByGlobalNorm([], 0)).toThrow('field maxNorm: maxNorm must be a positive number, got 0');
  });
});

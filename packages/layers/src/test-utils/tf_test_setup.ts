// Test-only helpers. Never imported by package code. The test files themselves import the
// backends (`@tensorflow/tfjs-backend-cpu`, `-wasm`): the lint rule allows that only there.
import * as tf from '@tensorflow/tfjs-core';

tf.env().set('IS_TEST', true);

/** Backends every numeric test runs on. */
export const BACKENDS = ['cpu', 'wasm'] as const;

/** Switches to `name` (and waits for it); returns false when it cannot start here. */
export async function useBackend(name: string): Promise<boolean> {
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok;
  } catch {
    return false;
  }
}

/** Seeded uniform values in [-scale, scale) (mulberry32), for test inputs. */
export function randomArray(size: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    out[i] = ((((z ^ (z >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

/** Largest |a_i − b_i|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

/** Largest |a_i − b_i| / max(|b|_∞, floor): relative error against the reference `b`. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-3): number {
  let scale = floor;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i] as number));
  return maxAbsDiff(a, b) / scale;
}

/**
 * Runs `f` with tfjs' per-kernel leak check (active under IS_TEST) switched off. That check
 * counts tensors a `tf.customGrad` forward keeps with `save()` for its backward as leaked; the
 * engine frees them after the gradient, and the tests count tensors themselves. PROD keeps the
 * cpu backend's banner quiet meanwhile.
 */
export function withoutKernelLeakCheck<T>(f: () => T): T {
  tf.env().set('IS_TEST', false);
  tf.env().set('PROD', true);
  try {
    return f();
  } finally {
    tf.env().set('PROD', false);
    tf.env().set('IS_TEST', true);
  }
}

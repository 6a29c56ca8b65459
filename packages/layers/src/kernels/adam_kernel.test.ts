import { describe, expect, it } from 'vitest';
import { AdamKernel } from './adam_kernel.js';

describe('AdamKernel', () => {
  it('equals a float64 Adam over 30 updates, for sizes with and without a scalar tail', () => {
    const sizes = [1, 4, 7, 130];
    const kernel = AdamKernel.create(sizes) as AdamKernel;
    expect(kernel).toBeDefined();
    const [beta1, beta2, lr, epsilon] = [0.9, 0.999, 0.01, 1e-7];
    const w = sizes.map((n, k) => Float32Array.from({ length: n }, (_, i) => Math.sin(i + k)));
    const ref = w.map((a) => Float64Array.from(a));
    const m = sizes.map((n) => new Float64Array(n));
    const v = sizes.map((n) => new Float64Array(n));
    for (let t = 1; t <= 30; t++) {
      const scale = t % 3 === 0 ? 0.5 : 1;
      const correction1 = 1 - beta1 ** t;
      const correction2 = 1 - beta2 ** t;
      sizes.forEach((n, k) => {
        const g = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.7 + t) * 2);
        kernel.update(k, w[k] as Float32Array, g, {
          scale,
          beta1,
          beta2,
          learningRate: lr,
          correction1,
          correction2,
          epsilon,
        });
        const [rw, rm, rv] = [ref[k], m[k], v[k]] as [Float64Array, Float64Array, Float64Array];
        for (let i = 0; i < n; i++) {
          const gi = (g[i] as number) * scale;
          rm[i] = beta1 * (rm[i] as number) + (1 - beta1) * gi;
          rv[i] = beta2 * (rv[i] as number) + (1 - beta2) * gi * gi;
          rw[i] =
            (rw[i] as number) -
            (lr * ((rm[i] as number) / correction1)) / (Math.sqrt((rv[i] as number) / correction2) + epsilon);
        }
      });
    }
    let diff = 0;
    let momentDiff = 0;
    sizes.forEach((n, k) => {
      for (let i = 0; i < n; i++) {
        diff = Math.max(
          diff,
          Math.abs(((w[k] as Float32Array)[i] as number) - ((ref[k] as Float64Array)[i] as number)),
        );
        momentDiff = Math.max(
          momentDiff,
          Math.abs(((kernel.m[k] as Float32Array)[i] as number) - ((m[k] as Float64Array)[i] as number)),
          Math.abs(((kernel.v[k] as Float32Array)[i] as number) - ((v[k] as Float64Array)[i] as number)),
        );
      }
    });
    // The weights moved: the comparison is not of two untouched copies.
    expect(Math.abs(((w[3] as Float32Array)[5] as number) - Math.sin(8))).toBeGreaterThan(0.01);
    // 30 float32 updates of size ≈ lr each: rounding of order 30 · 6e-8.
    expect(diff).toBeLessThan(3e-6);
    expect(momentDiff).toBeLessThan(1e-6);
  });

  it('refuses a weight of the wrong size', () => {
    const kernel = AdamKernel.create([3]) as AdamKernel;
    const hyper = {
      scale: 1,
      beta1: 0.9,
      beta2: 0.999,
      learningRate: 0.1,
      correction1: 0.1,
      correction2: 0.001,
      epsilon: 1e-7,
    };
    expect(() => kernel.update(0, new Float32Array(4), new Float32Array(4), hyper)).toThrow(
      /4 values and 4 gradients for a slot of 3/,
    );
    expect(() => kernel.update(1, new Float32Array(3), new Float32Array(3), hyper)).toThrow(RangeError);
  });
});

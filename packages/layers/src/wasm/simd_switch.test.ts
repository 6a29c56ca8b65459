import { describe, expect, it } from 'vitest';
import { simdKernels } from './simd_kernels.js';

describe('CHARRNN_SIMD', () => {
  it('=0 in the environment switches our SIMD kernels off; otherwise they are on', () => {
    const off = process.env['CHARRNN_SIMD'] === '0';
    expect(simdKernels() === undefined).toBe(off);
  });
});

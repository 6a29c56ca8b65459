import { describe, expect, it } from 'vitest';
import { KERNELS_RELAXED_WASM_BASE64 } from './kernels_wasm.js';
import { simdKernels, simdKernelVariant } from './simd_kernels.js';

describe('CHARRNN_SIMD', () => {
  it('=0 in the environment switches our SIMD kernels off; otherwise they are on', () => {
    const off = process.env['CHARRNN_SIMD'] === '0';
    expect(simdKernels() === undefined).toBe(off);
  });

  it('the relaxed SIMD variant is used exactly where the runtime validates it (Node 22+, or the flag)', () => {
    if (process.env['CHARRNN_SIMD'] === '0') return;
    const relaxed = WebAssembly.validate(Buffer.from(KERNELS_RELAXED_WASM_BASE64, 'base64'));
    expect(simdKernelVariant()).toBe(relaxed && process.env['CHARRNN_SIMD'] !== 'plain' ? 'relaxed' : 'simd');
    // The project that passes the flag must really test the relaxed variant.
    if (process.execArgv.includes('--experimental-wasm-relaxed-simd'))
      expect(simdKernelVariant()).toBe('relaxed');
  });
});

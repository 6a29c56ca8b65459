import { afterAll, describe, expect, it } from 'vitest';
import { KernelThreads, kernelThreadsAvailable } from './kernel_threads.js';
import { KERNELS_WASM_BASE64 } from './kernels_wasm.js';
import { SHARED_MEMORY_MAX_PAGES, withSharedMemoryImport } from './shared_memory_module.js';
import {
  decodeBase64,
  kernelThreads,
  MAX_KERNEL_THREADS,
  setKernelThreads,
  SimdKernels,
} from './simd_kernels.js';

/** Deterministic values in [−1, 1). */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** Waits until the instance's helpers have started (they start in the background). */
async function started(kernels: SimdKernels): Promise<void> {
  for (let waited = 0; kernels.readyThreads < kernels.threadCount && waited < 10_000; waited += 20)
    await new Promise((resolve) => setTimeout(resolve, 20));
  expect(kernels.readyThreads).toBe(kernels.threadCount);
}

/** C of every product of `shapes`, computed by `kernels` (gemm and gemmPacked, accumulate or not). */
function products(
  kernels: SimdKernels,
  shapes: readonly [number, number, number][],
  above = 0,
): Float32Array[] {
  const out: Float32Array[] = [];
  for (const [m, k, n] of shapes)
    for (const packed of [false, true])
      for (const accumulate of [false, true]) {
        kernels.begin();
        kernels.alloc(above);
        const a = kernels.put(values(m * k, m * 7 + k));
        const b = kernels.put(values(k * n, n * 13 + k));
        const c = kernels.put(values(m * n, m + n));
        if (packed) {
          const bp = kernels.putPanels(b, k, n, n, 1);
          // A read as the transpose of a row-major [k × m] matrix for half of the products.
          if (accumulate) kernels.gemmPacked(a, bp, c, m, k, n, k, n, true);
          else kernels.gemmPackedStrided(a, bp, c, m, k, n, 1, m, n, false);
        } else if (accumulate) kernels.gemm(a, b, c, m, k, n, k, 1, n, n, true);
        else kernels.gemm(a, b, c, m, k, n, 1, m, n, n, false);
        out.push(kernels.view(c, m * n).slice());
      }
  return out;
}

describe('kernel threads', () => {
  const available = kernelThreadsAvailable();
  afterAll(() => {
    setKernelThreads(1);
  });

  it('are available in this Node (process.getBuiltinModule, worker threads, SharedArrayBuffer)', () => {
    expect(available).toBe(true);
  });

  it('the shared-memory module imports env.memory (shared, 1 to 65536 pages) and keeps every export', () => {
    const bytes = decodeBase64(KERNELS_WASM_BASE64);
    const shared = withSharedMemoryImport(bytes);
    const module = new WebAssembly.Module(shared);
    expect(WebAssembly.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    expect(WebAssembly.Module.exports(module)).toEqual(
      WebAssembly.Module.exports(new WebAssembly.Module(bytes)),
    );
    const memory = new WebAssembly.Memory({ initial: 1, maximum: SHARED_MEMORY_MAX_PAGES, shared: true });
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    expect(instance.exports['memory']).toBe(memory);
    // A non-shared memory does not fit the import.
    expect(
      () => new WebAssembly.Instance(module, { env: { memory: new WebAssembly.Memory({ initial: 1 }) } }),
    ).toThrow();
    expect(() => withSharedMemoryImport(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(
      /not a WebAssembly module/,
    );
    expect(() => withSharedMemoryImport(shared)).toThrow(/has imports/);
  });

  it.runIf(available).each([2, 3])(
    'with %i threads, every product equals one thread bit for bit (split by columns and by rows)',
    async (threads) => {
      // Wide products split by columns (panels of 8), narrow ones by rows (blocks of 4), with
      // ragged ends; all at least PARALLEL_MIN_MACS so that they are split.
      const shapes: [number, number, number][] = [
        [32, 256, 1024],
        [37, 128, 264],
        [3, 700, 1000],
        [1030, 128, 12],
        [2051, 64, 5],
        [64, 1024, 72],
      ];
      const one = SimdKernels.create('best', 1) as SimdKernels;
      const many = SimdKernels.create('best', threads) as SimdKernels;
      expect(one.relaxed).toBe(many.relaxed);
      await started(many);
      expect(many.threadCount).toBe(threads);
      const want = products(one, shapes);
      const got = products(many, shapes);
      expect(many.splitProducts).toBe(got.length);
      expect(got.length).toBe(want.length);
      got.forEach((c, i) => expect(c).toEqual(want[i]));
      // Operands above a grown memory (192 MB more, grown while the helpers wait): they see it.
      const split = many.splitProducts;
      expect(products(many, shapes.slice(0, 2), 48 << 20)).toEqual(want.slice(0, 8));
      expect(many.splitProducts).toBe(split + 8);
      many.close();
      expect(many.readyThreads).toBe(1);
      // Closed: the same products, on the calling thread alone.
      expect(products(many, shapes.slice(0, 1))).toEqual(want.slice(0, 4));
    },
  );

  it.runIf(available)(
    'a window of mostly late helpers sends the next 4096 products to the calling thread alone, odd late ones do not',
    async () => {
      const shared = new WebAssembly.Module(withSharedMemoryImport(decodeBase64(KERNELS_WASM_BASE64)));
      const memory = new WebAssembly.Memory({ initial: 1, maximum: SHARED_MEMORY_MAX_PAGES, shared: true });
      const pool = new KernelThreads(shared, memory, 1);
      try {
        for (let waited = 0; pool.ready() < 1 && waited < 10_000; waited += 20)
          await new Promise((resolve) => setTimeout(resolve, 20));
        expect(pool.ready()).toBe(1);
        // 64 products, 8 of them late (waited longer than computed): no pause.
        for (let i = 0; i < 64; i++) pool.watch(1, i % 8 === 0 ? 5 : 0.1);
        expect([pool.pauses, pool.ready()]).toEqual([0, 1]);
        // 64 products, 40 late: a pause; the helper sits out until 4096 products have run.
        for (let i = 0; i < 64; i++) pool.watch(1, i < 40 ? 2 : 0.1);
        expect([pool.pauses, pool.ready()]).toEqual([1, 0]);
      } finally {
        pool.close();
      }
    },
  );

  it.runIf(available)(
    "setKernelThreads sets the shared instances' threads and checks its argument",
    async () => {
      expect(setKernelThreads(2)).toBe(2);
      expect(kernelThreads()).toBe(2);
      expect(setKernelThreads(1)).toBe(1);
      expect(kernelThreads()).toBe(1);
      for (const bad of [0, 1.5, -2, MAX_KERNEL_THREADS + 1, Number.NaN])
        expect(() => setKernelThreads(bad)).toThrow(
          new RangeError(`kernel threads must be an integer from 1 to ${MAX_KERNEL_THREADS}, got ${bad}`),
        );
      await Promise.resolve();
    },
  );
});

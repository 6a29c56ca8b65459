import * as tf from '@tensorflow/tfjs-core';

/*
 * The one module that looks at the active tfjs backend to pick a code path (docs/performance.md,
 * "Paths per backend"). The layers have three:
 *
 * - `'ops'`: tfjs ops only, no read-backs — for GPU-like backends (webgl, webgpu), where reading
 *   a tensor back stalls the device.
 * - `'js'`: element-wise work in JS between the products, with read-backs — for `cpu` and
 *   `wasm`, where a read-back is a memory copy. Within it, the products and the LSTM/GRU gate math
 *   run in our WebAssembly SIMD kernels wherever the runtime has WebAssembly SIMD
 *   (`simdKernels()` in `kernels/simd_kernels.ts`, switched by `setSimdKernels`, independent of
 *   the backend); without them, products go to JS loops or `tf.matMul` as decided here.
 */

/** Backends whose tensors live in JS-reachable memory, so reading one back is only a copy. */
const CHEAP_READ_BACK_BACKENDS: ReadonlySet<string> = new Set(['cpu', 'wasm']);

/**
 * True when the active backend keeps tensors in CPU memory (`cpu`, `wasm`), where reading a
 * tensor back to JS is a memory copy. There the fast paths do element-wise work in JS between
 * the matMuls (docs/performance.md, "Read-backs are cheap on cpu and wasm"). On GPU-like
 * backends a read-back stalls the device, so the fast paths stay in tfjs ops.
 *
 * @example
 * ```ts
 * const norm = readBackIsCheap() ? normInJs(grads) : normWithOps(grads);
 * ```
 */
export function readBackIsCheap(): boolean {
  return CHEAP_READ_BACK_BACKENDS.has(tf.getBackend());
}

/**
 * Which implementation a fast op uses: `'js'` does the element-wise work in JS with read-backs
 * (best on `cpu` and `wasm`; the products run in our WebAssembly SIMD kernels where the runtime
 * has WebAssembly SIMD), `'ops'` uses tfjs ops only (no read-backs; best on GPU backends),
 * `'auto'` (default) picks `'js'` on `cpu`/`wasm` and `'ops'` elsewhere.
 */
export type OpPath = 'auto' | 'js' | 'ops';

/** Resolves `'auto'` against the active backend. @internal */
export function resolvePath(path: OpPath = 'auto'): 'js' | 'ops' {
  if (path === 'auto') return readBackIsCheap() ? 'js' : 'ops';
  return path;
}

/**
 * Whether the active backend's `tf.matMul` is slower than our JS loops at every size (the `cpu`
 * backend: docs/performance.md, "The cpu backend's matMul"): then every product of a `'js'` path
 * that has no SIMD kernel runs in JS.
 * @internal
 */
export function matMulSlowerThanJs(): boolean {
  return tf.getBackend() === 'cpu';
}

/**
 * Per-step products up to this many multiply-adds run in JS on wasm; larger ones through
 * `tf.matMul` (measured on wasm: 1×128 · 128×512 ≈ 65 µs in JS, ≈ 20 µs as `tf.matMul` with
 * its read-back once the weight matrix is packed).
 */
const WASM_JS_STEP_PRODUCT_MAX = 128 * 128;

/**
 * Whether a product of `rows × k · k × n` without the SIMD kernels is done in JS: always where
 * {@link matMulSlowerThanJs}, for small ones elsewhere.
 * @internal
 */
export function productInJs(rows: number, k: number, n: number): boolean {
  return matMulSlowerThanJs() || rows * k * n <= WASM_JS_STEP_PRODUCT_MAX;
}

/**
 * Whether the `'ops'` paths compute tanh through sigmoid: on wasm, whose `tanh` kernel is ≈ 15×
 * slower than its `sigmoid` (docs/performance.md, "tanh on wasm").
 * @internal
 */
export function tanhThroughSigmoid(): boolean {
  return tf.getBackend() === 'wasm';
}

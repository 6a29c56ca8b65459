import * as tf from '@tensorflow/tfjs-core';

/** Backends whose tensors live in JS-reachable memory, so reading one back is only a copy. */
const CHEAP_READ_BACK_BACKENDS: ReadonlySet<string> = new Set(['cpu', 'wasm']);

/**
 * True when the active backend keeps tensors in CPU memory (`cpu`, `wasm`), where reading a
 * tensor back to JS is a memory copy. There the fast paths do element-wise work in JS between
 * the matMuls (PERFORMANCE.md lessons 4–7). On GPU-like backends a read-back stalls the device,
 * so the fast paths stay in tfjs ops.
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
 * (best on `cpu` and `wasm`), `'ops'` uses tfjs ops only (no read-backs; best on GPU backends),
 * `'auto'` (default) picks `'js'` on `cpu`/`wasm` and `'ops'` elsewhere.
 */
export type OpPath = 'auto' | 'js' | 'ops';

/** Resolves `'auto'` against the active backend. @internal */
export function resolvePath(path: OpPath = 'auto'): 'js' | 'ops' {
  if (path === 'auto') return readBackIsCheap() ? 'js' : 'ops';
  return path;
}

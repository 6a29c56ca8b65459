import { availableParallelism } from 'node:os';
import { kernelThreads, MAX_KERNEL_THREADS, setKernelThreads } from '@charrnn/layers';
import { parseInteger, type Where } from './options.js';

/** `--threads`: a thread count, or `auto` (one per core). */
export type ThreadsChoice = number | 'auto';

/** Parses `--threads` (`auto` or 1 to MAX_KERNEL_THREADS). */
export function parseThreads(where: Where, raw: string): ThreadsChoice {
  return raw.trim() === 'auto' ? 'auto' : parseInteger(where, raw, 1, MAX_KERNEL_THREADS);
}

/**
 * Sets the threads of @charrnn/layers' WebAssembly kernels for a run on `backend` (they serve
 * cpu and wasm only; other backends leave them at 1) and returns the log line saying so.
 */
export function applyKernelThreads(choice: ThreadsChoice, backend: string): string | undefined {
  if (backend !== 'cpu' && backend !== 'wasm') return undefined;
  const wanted = choice === 'auto' ? Math.min(availableParallelism(), MAX_KERNEL_THREADS) : choice;
  const used = setKernelThreads(wanted);
  return used === wanted
    ? `kernel threads: ${used}${choice === 'auto' ? ' (one per core)' : ''}`
    : `kernel threads: ${kernelThreads()} (${wanted} asked; worker threads are unavailable here)`;
}

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import { selectBackend, type BackendSelection } from '@charrnn/core';

/** Backends the demo offers, in the order it falls back through them (webgpu only when asked). */
export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
/** One of {@link BACKENDS}. */
export type BackendName = (typeof BACKENDS)[number];

/** True when this browser exposes WebGPU (`navigator.gpu`; Chromium needs a secure context). */
export function hasWebGpu(): boolean {
  return typeof navigator !== 'undefined' && 'gpu' in navigator;
}

let wasmConfigured = false;

/**
 * Points the wasm backend at the `.wasm` files Vite emits (imported with `?url`, so they get
 * hashed names next to the bundle) and turns its threads off: the page is not cross-origin
 * isolated, and the threaded build is never fetched (its entry maps to the SIMD binary only
 * because `setWasmPaths` wants all three names).
 */
export function configureWasm(): void {
  if (wasmConfigured) return;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmUrl,
    'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmSimdUrl,
  });
  wasmConfigured = true;
}

/** What the prediction picker offers: a backend, or `auto` (chosen by {@link predictionBackend}). */
export type PredictionChoice = BackendName | 'auto';

/**
 * Models up to this many weights predict on wasm under `auto`. Measured in headless Chromium
 * (SwiftShader WebGL) with the shipped BiGRU (about 0.2 M weights): wasm answers a keystroke in
 * 1–3 ms, WebGL in 100–200 ms once warm, plus a shader compile of 0.2–0.9 s for each new name
 * length; one name is far too little work to pay for a GPU round trip.
 */
export const WASM_PREDICTION_MAX_WEIGHTS = 5_000_000;

/** The backend `auto` predicts on for a model of `weights` weights. */
export function predictionBackend(choice: PredictionChoice, weights: number): BackendName {
  if (choice !== 'auto') return choice;
  return weights <= WASM_PREDICTION_MAX_WEIGHTS ? 'wasm' : 'webgl';
}

/** True when `name` is one of {@link BACKENDS}. */
export function isBackendName(name: string): name is BackendName {
  return (BACKENDS as readonly string[]).includes(name);
}

/**
 * Activates `preferred`, falling back through the other backends in {@link BACKENDS} order;
 * the selection tells which one is active and why the others were skipped.
 */
export async function activateBackend(preferred: BackendName): Promise<BackendSelection> {
  configureWasm();
  // The WebGPU backend (a large module) is loaded only when asked for; Vite splits it out.
  if (preferred === 'webgpu' && tf.findBackendFactory('webgpu') == null && hasWebGpu())
    await import('@tensorflow/tfjs-backend-webgpu');
  const fallbacks = BACKENDS.filter((b) => b !== preferred && b !== 'webgpu');
  return selectBackend([preferred, ...fallbacks], { tf });
}

// Before anything can make tfjs pick a backend on its own (it would start wasm with default paths).
configureWasm();

import * as tfCore from '@tensorflow/tfjs-core';
import { BackendUnavailableError } from './errors.js';

/** The tfjs-core module (or a compatible namespace, such as `@tensorflow/tfjs`). */
export type TfModule = typeof tfCore;

/** What happened when {@link selectBackend} tried one backend. */
export interface BackendAttempt {
  /** Backend name as given in the preference list, e.g. `'tensorflow'`, `'webgl'`, `'wasm'`. */
  name: string;
  /** True for the backend that was selected. */
  ok: boolean;
  /** Why the backend was not used; absent when `ok`. */
  reason?: string;
}

/** Result of {@link selectBackend}: the active backend and the story of how it was picked. */
export interface BackendSelection {
  /** The backend that is now active (`tf.getBackend()`). */
  name: string;
  /** One entry per backend tried, in preference order, ending with the selected one. */
  attempts: BackendAttempt[];
}

/** Options of {@link selectBackend}. */
export interface SelectBackendOptions {
  /**
   * The tfjs namespace to configure. Defaults to the `@tensorflow/tfjs-core` this package
   * resolves; pass yours if your application bundles a different copy.
   */
  tf?: TfModule;
  /**
   * Run a tiny computation (`[1, 2] + [3, 4]`, read back) on each backend before accepting it,
   * so that a backend which initialises but cannot compute (missing kernels, lost GPU context)
   * is skipped. Default `true`.
   */
  verify?: boolean;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * tfjs swallows the error thrown by a backend factory (it only logs it) and makes `setBackend`
 * resolve to `false`. To report *why*, run the factory once more and capture what it throws.
 * Only reached on the failure path; any instance it does produce is disposed at once.
 */
async function diagnoseFactory(tf: TfModule, name: string): Promise<string> {
  const generic = 'init failed: setBackend returned false';
  try {
    const factory = tf.findBackendFactory(name);
    const instance = await factory();
    if (instance !== null && typeof instance === 'object' && typeof instance.dispose === 'function')
      instance.dispose();
    return generic;
  } catch (error) {
    return `init failed: ${messageOf(error)}`;
  }
}

/** Computes `[1, 2] + [3, 4]` on the active backend and checks the answer is `[4, 6]`. */
async function smokeTest(tf: TfModule): Promise<void> {
  const sum = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])));
  try {
    const values = await sum.data();
    if (values[0] !== 4 || values[1] !== 6)
      throw new Error(`computed [1,2]+[3,4] = [${Array.from(values).join(',')}]`);
  } finally {
    sum.dispose();
  }
}

/**
 * Activates the first backend of `preferences` that is registered, initialises and (by default)
 * computes correctly, and reports why each earlier one was skipped.
 *
 * Backends are only *tried* here, never imported: the application imports the backend packages
 * it wants (for instance `@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-backend-cpu`) and
 * passes their names in order. For each name: not registered → skipped with reason
 * `'not registered (package not imported)'`; `tf.setBackend` returns false or throws → skipped
 * with `'init failed: <message>'`; `tf.ready()` throws → `'not ready: <message>'`; the smoke
 * test fails → `'smoke test failed: <message>'`.
 *
 * When a backend is skipped after `setBackend` succeeded, it stays the engine's current backend
 * until a later one succeeds; if none does, do not run computations on it.
 *
 * @param preferences backend names, most preferred first
 * @returns the selected backend name and every attempt
 * @throws BackendUnavailableError when no backend works; the message lists every attempt
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-wasm';
 * import '@tensorflow/tfjs-backend-cpu';
 * const selection = await selectBackend(['tensorflow', 'wasm', 'cpu']);
 * console.log(describeSelection(selection));
 * // backend wasm (skipped: tensorflow — not registered (package not imported))
 * ```
 */
export async function selectBackend(
  preferences: readonly string[],
  options: SelectBackendOptions = {},
): Promise<BackendSelection> {
  const tf = options.tf ?? tfCore;
  const verify = options.verify ?? true;
  const attempts: BackendAttempt[] = [];
  for (const name of preferences) {
    const reason = await tryBackend(tf, name, verify);
    if (reason === undefined) {
      attempts.push({ name, ok: true });
      return { name, attempts };
    }
    attempts.push({ name, ok: false, reason });
  }
  const tried =
    attempts.length === 0
      ? 'no backend was requested'
      : attempts.map((a) => `${a.name} — ${a.reason ?? 'failed'}`).join('; ');
  throw new BackendUnavailableError(`no usable tfjs backend (${tried})`);
}

/** Returns undefined when `name` is now the active, working backend; otherwise why not. */
async function tryBackend(tf: TfModule, name: string, verify: boolean): Promise<string | undefined> {
  if (tf.findBackendFactory(name) == null) return 'not registered (package not imported)';
  try {
    const ok = await tf.setBackend(name);
    if (!ok) return await diagnoseFactory(tf, name);
  } catch (error) {
    return `init failed: ${messageOf(error)}`;
  }
  try {
    await tf.ready();
  } catch (error) {
    return `not ready: ${messageOf(error)}`;
  }
  if (tf.getBackend() !== name) return `not active after setBackend (active: ${tf.getBackend()})`;
  if (verify) {
    try {
      await smokeTest(tf);
    } catch (error) {
      return `smoke test failed: ${messageOf(error)}`;
    }
  }
  return undefined;
}

/**
 * One-line summary of a {@link BackendSelection}, for logs and `--verbose` output.
 *
 * @example
 * ```ts
 * describeSelection({ name: 'wasm', attempts: [
 *   { name: 'tensorflow', ok: false, reason: 'not registered (package not imported)' },
 *   { name: 'wasm', ok: true },
 * ] });
 * // 'backend wasm (skipped: tensorflow — not registered (package not imported))'
 * ```
 */
export function describeSelection(selection: BackendSelection): string {
  const skipped = selection.attempts.filter((a) => !a.ok).map((a) => `${a.name} — ${a.reason ?? 'failed'}`);
  return skipped.length === 0
    ? `backend ${selection.name}`
    : `backend ${selection.name} (skipped: ${skipped.join('; ')})`;
}

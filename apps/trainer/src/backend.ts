import { BackendUnavailableError, selectBackend } from '@charrnn/core';

/** Backends the CLI knows, in the order `--backend auto` tries them. */
export const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** One backend the app tried, and why it was or was not used. */
export interface BackendAttempt {
  name: string;
  ok: boolean;
  reason?: string;
}

/** What {@link chooseBackend} picked. */
export interface BackendChoiceResult {
  /** tfjs backend name now active (`tensorflow`, `wasm`, `cpu`). */
  name: string;
  /** Package that provides it. */
  provider: string;
  attempts: BackendAttempt[];
}

/** A way to obtain one backend: the package to import and the tfjs backend name it registers. */
export interface BackendCandidate {
  provider: string;
  backend: string;
  /** Imports the package (registering the backend). Throws when the package is absent or broken. */
  load: () => Promise<unknown>;
}

// Specifiers held in variables so that TypeScript and bundlers do not require the optional
// native packages to be installed.
const NODE_GPU = '@tensorflow/tfjs-node-gpu';
const NODE_CPU = '@tensorflow/tfjs-node';

/** The default candidates, in preference order: native GPU, native CPU, wasm, pure JS. */
export function defaultCandidates(): BackendCandidate[] {
  return [
    { provider: NODE_GPU, backend: 'tensorflow', load: () => import(NODE_GPU) },
    { provider: NODE_CPU, backend: 'tensorflow', load: () => import(NODE_CPU) },
    {
      provider: '@tensorflow/tfjs-backend-wasm',
      backend: 'wasm',
      load: () => import('@tensorflow/tfjs-backend-wasm'),
    },
    {
      provider: '@tensorflow/tfjs-backend-cpu',
      backend: 'cpu',
      load: () => import('@tensorflow/tfjs-backend-cpu'),
    },
  ];
}

function describeLoadFailure(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return 'not installed';
    const firstLine = error.message.split('\n')[0] ?? error.message;
    return `failed to load: ${firstLine}`;
  }
  return `failed to load: ${String(error)}`;
}

/**
 * Picks the backend for `choice`, trying the candidates in order and recording why each
 * skipped one was not used. A broken native addon is caught and reported, never fatal.
 *
 * @throws BackendUnavailableError when the asked backend (or, for `auto`, every backend) fails.
 */
export async function chooseBackend(
  choice: BackendChoice,
  candidates: readonly BackendCandidate[] = defaultCandidates(),
): Promise<BackendChoiceResult> {
  const wanted = choice === 'auto' ? candidates : candidates.filter((c) => c.backend === choice);
  const attempts: BackendAttempt[] = [];
  for (const candidate of wanted) {
    try {
      await candidate.load();
    } catch (error) {
      attempts.push({ name: candidate.provider, ok: false, reason: describeLoadFailure(error) });
      continue;
    }
    try {
      await selectBackend([candidate.backend]);
    } catch (error) {
      const reason =
        error instanceof BackendUnavailableError
          ? error.message.replace(/^no usable tfjs backend \((.*)\)$/s, '$1')
          : String(error);
      attempts.push({ name: candidate.provider, ok: false, reason });
      continue;
    }
    attempts.push({ name: candidate.provider, ok: true });
    return { name: candidate.backend, provider: candidate.provider, attempts };
  }
  const tried = attempts.map((a) => `${a.name} (${a.reason ?? 'failed'})`).join('; ');
  throw new BackendUnavailableError(
    choice === 'auto'
      ? `no tfjs backend could be started: ${tried}`
      : `backend '${choice}' is not available: ${tried}`,
    { field: '--backend' },
  );
}

/** One line for the console: what was picked and why the earlier ones were skipped. */
export function describeBackend(result: BackendChoiceResult): string {
  const skipped = result.attempts.filter((a) => !a.ok).map((a) => `${a.name}: ${a.reason ?? 'failed'}`);
  const base = `backend: ${result.name} (${result.provider})`;
  return skipped.length > 0 ? `${base}; skipped ${skipped.join('; ')}` : base;
}

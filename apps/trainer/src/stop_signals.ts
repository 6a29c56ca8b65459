import { constants } from 'node:os';

/**
 * The signals that stop a training run the way Ctrl-C does (finish the step, save a checkpoint,
 * exit with 128 + the signal's number): SIGINT (Ctrl-C), SIGTERM (`docker stop`, `timeout`,
 * `kill`) and SIGHUP (the terminal was closed).
 */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** One of {@link STOP_SIGNALS}. */
export type StopSignal = (typeof STOP_SIGNALS)[number];

let last: StopSignal | undefined;

/** Exit code of a run stopped by `signal`: 128 + its number (130 for SIGINT, 143 SIGTERM, 129 SIGHUP), as shells expect. */
export function exitCodeOf(signal: StopSignal): number {
  return 128 + constants.signals[signal];
}

/** The stop signal received last by a handler of {@link onStopSignals}, if any. */
export function lastStopSignal(): StopSignal | undefined {
  return last;
}

/**
 * Calls `handler` on each of {@link STOP_SIGNALS} instead of Node's default (dying at once);
 * returns the function that removes it.
 */
export function onStopSignals(handler: (signal: StopSignal) => void): () => void {
  const listeners = STOP_SIGNALS.map((signal) => {
    const listener = (): void => {
      last = signal;
      handler(signal);
    };
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  return () => {
    for (const [signal, listener] of listeners) process.off(signal, listener);
  };
}

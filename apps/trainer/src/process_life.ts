import { once } from 'node:events';

let installed = false;

/** Set once standard output is closed by its reader (`charrnn ... | head`). */
let stdoutClosed = false;

/** True once standard output's reader went away; later output is dropped. */
export function isStdoutClosed(): boolean {
  return stdoutClosed;
}

function isEpipe(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'EPIPE';
}

/**
 * Makes a closed standard output quiet: when the reader of a pipe goes away (`charrnn train | head`),
 * the EPIPE error is absorbed and later output dropped, instead of a stack trace ending the run.
 * A training run goes on and saves its files; commands whose product is standard output stop
 * early (see {@link isStdoutClosed}). A standard error whose terminal was closed (EIO, EPIPE after
 * SIGHUP) is ignored the same way. Other stream errors are rethrown. Call once at start-up.
 */
export function handleClosedStdout(): void {
  if (installed) return;
  installed = true;
  process.stdout.on('error', (error: unknown) => {
    if (!isEpipe(error)) throw error;
    stdoutClosed = true;
  });
  // After SIGHUP the terminal is gone: messages to it fail (EIO, EPIPE) while the run still saves
  // its checkpoint. Those failures must not end the process.
  process.stderr.on('error', (error: unknown) => {
    const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
    if (code !== 'EPIPE' && code !== 'EIO') throw error;
  });
}

/** Writes to standard output, waiting for the pipe to drain; does nothing once it is closed. */
export async function writeStdout(text: string): Promise<void> {
  if (stdoutClosed) return;
  if (!process.stdout.write(text)) {
    await Promise.race([
      once(process.stdout, 'drain'),
      once(process.stdout, 'close'),
      once(process.stdout, 'error'),
    ]).catch(() => undefined);
  }
}

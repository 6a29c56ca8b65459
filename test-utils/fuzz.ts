// Shared by the property-based ("fuzz") tests of every package.
import type fc from 'fast-check';
import { isCharRnnError } from '@charrnn/core';

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

/** Generated cases per property: `CHARRNN_FC_RUNS` (default 1000; a nightly run raises it). */
export const FC_RUNS = positiveInteger('CHARRNN_FC_RUNS', 1000);

/** fast-check parameters: `numRuns` from `CHARRNN_FC_RUNS`, `seed` from `CHARRNN_FC_SEED` when set. */
export function fcParams<T>(scale = 1): fc.Parameters<T> {
  const seed = process.env['CHARRNN_FC_SEED'];
  return {
    numRuns: Math.max(1, Math.round(FC_RUNS * scale)),
    ...(seed === undefined || seed === '' ? {} : { seed: Number(seed) }),
  };
}

/** How the cases of one property ended. A crash (untyped error) fails the property instead. */
export class Outcomes {
  ok = 0;
  readonly typed = new Map<string, number>();

  /**
   * @param isTyped recognises the errors that count as a clear, deliberate failure (default: our
   *   typed errors); anything else is a crash
   */
  constructor(
    readonly name: string,
    private readonly isTyped: (error: unknown) => error is Error = isCharRnnError,
  ) {}

  /** Records a success, or a typed error by its class name; rethrows anything else (a crash). */
  record(error?: unknown): void {
    if (error === undefined) {
      this.ok += 1;
      return;
    }
    if (!this.isTyped(error)) throw error;
    this.typed.set(error.name, (this.typed.get(error.name) ?? 0) + 1);
  }

  /** Runs `f`, recording its outcome; returns its result or undefined. */
  run<T>(f: () => T): T | undefined {
    try {
      const result = f();
      this.record();
      return result;
    } catch (error) {
      this.record(error);
      return undefined;
    }
  }

  /** Async {@link Outcomes.run}. */
  async runAsync<T>(f: () => Promise<T>): Promise<T | undefined> {
    try {
      const result = await f();
      this.record();
      return result;
    } catch (error) {
      this.record(error);
      return undefined;
    }
  }

  /** Awaits `f`, records its outcome, and returns the value or the (typed) error. */
  async settle<T>(f: () => Promise<T>): Promise<{ value: T } | { error: unknown }> {
    try {
      const value = await f();
      this.record();
      return { value };
    } catch (error) {
      this.record(error);
      return { error };
    }
  }

  get total(): number {
    let n = this.ok;
    for (const count of this.typed.values()) n += count;
    return n;
  }

  /** Prints one line when `CHARRNN_FC_REPORT` is set (used to fill the reliability table). */
  report(): void {
    if (process.env['CHARRNN_FC_REPORT'] === undefined) return;
    const typed = [...this.typed].map(([name, n]) => `${name} ${n}`).join(', ');
    console.log(
      `[fuzz] ${this.name}: ${this.total} cases, ok ${this.ok}, typed errors ${typed || '0'}, crashes 0`,
    );
  }
}

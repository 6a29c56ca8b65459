/** Seconds between two redraws of the progress line. */
const REDRAW_SECONDS = 0.25;

/**
 * One progress line on standard error (`predict: 1,234,567 names, 45,678 names/s`), redrawn in
 * place at most four times a second, only when standard error is a terminal (a log file or pipe
 * gets nothing). `done` clears it.
 */
export class CountProgress {
  private readonly started = performance.now();
  // -Infinity: the first update draws even in the first quarter second of the process (performance.now() counts from its start).
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;

  constructor(
    private readonly what: string,
    private readonly enabled: boolean = process.stderr.isTTY === true,
  ) {}

  /** Reports that `count` items are done so far. */
  update(count: number): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.lastDraw < REDRAW_SECONDS * 1000) return;
    this.lastDraw = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? Math.round(count / seconds) : 0;
    process.stderr.write(
      `\r${this.what}: ${count.toLocaleString('en-US')} names, ${rate.toLocaleString('en-US')} names/s\u001b[K`,
    );
    this.drawn = true;
  }

  /** Clears the line. */
  done(): void {
    if (this.drawn) process.stderr.write('\r\u001b[K');
    this.drawn = false;
  }
}

import cliProgress from 'cli-progress';

/** What the progress reporter shows for one training step. */
export interface StepProgress {
  step: number;
  totalSteps: number;
  loss: number;
  namesPerSecond: number;
}

/**
 * Training progress on the terminal: a live bar with ETA when stdout is a TTY (cli-progress),
 * otherwise one plain line every ~5% of the run so that logs stay readable.
 */
export class ProgressReporter {
  private bar: cliProgress.SingleBar | undefined;
  private lastLoggedStep = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stdout,
    private readonly interactive = Boolean(process.stdout.isTTY),
  ) {}

  /** Starts a run of `totalSteps` steps, `startStep` of them already done (a resumed run). */
  start(totalSteps: number, startStep = 0): void {
    if (this.interactive) {
      this.bar = new cliProgress.SingleBar(
        {
          format:
            'train |{bar}| {percentage}% | ETA {eta_formatted} | step {value}/{total} | loss {loss} | {speed} names/s',
          stream: this.stream,
          hideCursor: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(totalSteps, startStep, { loss: '-', speed: '-' });
    }
    this.lastLoggedStep = startStep;
  }

  /** Updates the bar (or prints a line when enough steps have passed). */
  step(progress: StepProgress): void {
    const loss = progress.loss.toFixed(4);
    const speed = Math.round(progress.namesPerSecond).toLocaleString('en-US');
    if (this.bar !== undefined) {
      this.bar.update(progress.step, { loss, speed });
      return;
    }
    const every = Math.max(1, Math.floor(progress.totalSteps / 20));
    if (progress.step - this.lastLoggedStep >= every || progress.step === progress.totalSteps) {
      this.lastLoggedStep = progress.step;
      const pct = ((100 * progress.step) / progress.totalSteps).toFixed(0).padStart(3);
      this.stream.write(
        `train ${pct}% step ${progress.step}/${progress.totalSteps} loss ${loss} ${speed} names/s\n`,
      );
    }
  }

  /** Prints a full line without breaking the bar. */
  log(line: string): void {
    if (this.bar !== undefined) {
      this.bar.stop();
      this.stream.write(`${line}\n`);
      const value = this.bar.getProgress() * this.bar.getTotal();
      this.bar.start(this.bar.getTotal(), Math.round(value));
      return;
    }
    this.stream.write(`${line}\n`);
  }

  /** Ends the bar. */
  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

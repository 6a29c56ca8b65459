import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/**
 * Live training curves: batch loss against step, validation accuracy against step (one point
 * per epoch). uPlot draws on a canvas and takes new data with `setData`, cheap enough to call
 * on every progress event.
 */
export class TrainingCurves {
  private readonly lossPlot: uPlot;
  private readonly accuracyPlot: uPlot;
  private readonly loss: [number[], number[]] = [[], []];
  /** Step, the recurrent network's validation accuracy per epoch, the saved model's (one point). */
  private readonly accuracy: [number[], (number | null)[], (number | null)[]] = [[], [], []];

  constructor(lossTarget: HTMLElement, accuracyTarget: HTMLElement) {
    const width = Math.max(280, Math.min(520, lossTarget.clientWidth || 420));
    const base = (title: string, label: string, stroke: string): uPlot.Options => ({
      title,
      width,
      height: 200,
      scales: { x: { time: false } },
      legend: { show: false },
      series: [{ label: 'step' }, { label, stroke, width: 2, points: { show: label === 'val accuracy' } }],
      axes: [{ label: 'step' }, {}],
    });
    this.lossPlot = new uPlot(base('training loss', 'loss', '#c0392b'), this.loss, lossTarget);
    const accuracyBase = base('validation accuracy', 'val accuracy', '#2471a3');
    this.accuracyPlot = new uPlot(
      {
        ...accuracyBase,
        scales: { x: { time: false }, y: { range: [0, 1] } },
        series: [
          ...(accuracyBase.series ?? []),
          {
            label: 'saved model',
            stroke: '#1e7b34',
            width: 0,
            points: { show: true, size: 10, fill: '#1e7b34' },
          },
        ],
      },
      this.accuracy as uPlot.AlignedData,
      accuracyTarget,
    );
  }

  private pending = 0;

  /** Redraws both charts at the next animation frame (progress events can come faster). */
  private redraw(): void {
    if (this.pending !== 0) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      this.lossPlot.setData(this.loss);
      this.accuracyPlot.setData(this.accuracy as uPlot.AlignedData);
    });
  }

  /** Number of loss points drawn so far. */
  get lossPoints(): number {
    return this.loss[0].length;
  }

  /** Clears both charts for a new run. */
  reset(): void {
    for (const series of [this.loss, this.accuracy]) for (const column of series) column.length = 0;
    this.lossPlot.setData(this.loss);
    this.accuracyPlot.setData(this.accuracy as uPlot.AlignedData);
  }

  addLoss(step: number, loss: number): void {
    this.loss[0].push(step);
    this.loss[1].push(loss);
    this.redraw();
  }

  /** The recurrent network's validation accuracy after an epoch. */
  addAccuracy(step: number, accuracy: number): void {
    this.accuracy[0].push(step);
    this.accuracy[1].push(accuracy);
    this.accuracy[2].push(null);
    this.redraw();
  }

  /** The saved model's validation accuracy (with its n-gram head, when it has one), at the last step. */
  addSavedAccuracy(step: number, accuracy: number): void {
    this.accuracy[0].push(step + 1e-9);
    this.accuracy[1].push(null);
    this.accuracy[2].push(accuracy);
    this.redraw();
  }
}

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
  private readonly accuracy: [number[], number[]] = [[], []];

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
    this.accuracyPlot = new uPlot(
      {
        ...base('validation accuracy', 'val accuracy', '#2471a3'),
        scales: { x: { time: false }, y: { range: [0, 1] } },
      },
      this.accuracy,
      accuracyTarget,
    );
  }

  /** Number of loss points drawn so far. */
  get lossPoints(): number {
    return this.loss[0].length;
  }

  /** Clears both charts for a new run. */
  reset(): void {
    for (const series of [this.loss, this.accuracy]) {
      series[0].length = 0;
      series[1].length = 0;
    }
    this.lossPlot.setData(this.loss);
    this.accuracyPlot.setData(this.accuracy);
  }

  addLoss(step: number, loss: number): void {
    this.loss[0].push(step);
    this.loss[1].push(loss);
    this.lossPlot.setData(this.loss);
  }

  addAccuracy(step: number, accuracy: number): void {
    this.accuracy[0].push(step);
    this.accuracy[1].push(accuracy);
    this.accuracyPlot.setData(this.accuracy);
  }
}

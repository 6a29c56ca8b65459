import type { TopLevelSpec } from 'vega-lite';
import { CHART_FONT } from './render_chart.js';
import type { EpochRecord } from './types.js';

const VAL_METRICS = [
  ['val_accuracy', 'accuracy'],
  ['val_macro_f1', 'macro-F1'],
  ['val_balanced_accuracy', 'balanced accuracy'],
] as const;

const PANEL_WIDTH = 560;
const PANEL_HEIGHT = 190;

/**
 * Vega-Lite spec of the learning curves: train loss per epoch on top and, when the history has
 * val metrics, val accuracy / macro-F1 / balanced accuracy per epoch below (shared epoch axis).
 * Non-finite values (a diverged run) are left out rather than breaking the scale.
 */
export function learningCurvesSpec(title: string, epochs: readonly EpochRecord[]): TopLevelSpec {
  const loss = epochs.filter((e) => Number.isFinite(e.loss)).map((e) => ({ epoch: e.epoch, loss: e.loss }));
  const val = epochs.flatMap((e) =>
    VAL_METRICS.flatMap(([key, metric]) => {
      const value = e[key];
      return value !== undefined && Number.isFinite(value) ? [{ epoch: e.epoch, metric, value }] : [];
    }),
  );
  const epochAxis = { title: 'epoch', tickMinStep: 1, format: 'd' };
  const lossPanel = {
    title: { text: 'Train loss', anchor: 'start' as const, fontSize: 13 },
    width: PANEL_WIDTH,
    height: PANEL_HEIGHT,
    data: { values: loss },
    mark: { type: 'line' as const, color: '#d62728', point: { color: '#d62728' } },
    encoding: {
      x: { field: 'epoch', type: 'quantitative' as const, axis: epochAxis, scale: { nice: false } },
      y: { field: 'loss', type: 'quantitative' as const, title: 'cross-entropy', scale: { zero: false } },
    },
  };
  const valPanel = {
    title: { text: 'Validation metrics', anchor: 'start' as const, fontSize: 13 },
    width: PANEL_WIDTH,
    height: PANEL_HEIGHT,
    data: { values: val },
    mark: { type: 'line' as const, point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative' as const, axis: epochAxis, scale: { nice: false } },
      y: {
        field: 'value',
        type: 'quantitative' as const,
        title: 'score',
        scale: { domain: [0, 1] },
      },
      color: {
        field: 'metric',
        type: 'nominal' as const,
        title: null,
        sort: VAL_METRICS.map(([, metric]) => metric),
        scale: { range: ['#1f77b4', '#2ca02c', '#9467bd'] },
        legend: { orient: 'bottom' as const, direction: 'horizontal' as const },
      },
    },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle: 'Learning curves', fontSize: 16, subtitleFontSize: 12, offset: 16 },
    background: 'white',
    padding: 12,
    config: { font: CHART_FONT, view: { stroke: '#ddd' } },
    vconcat: val.length > 0 ? [lossPanel, valPanel] : [lossPanel],
    spacing: 28,
  };
}

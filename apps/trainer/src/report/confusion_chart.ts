import type { TopLevelSpec } from 'vega-lite';
import { CHART_FONT } from './render_chart.js';

/** Side of the whole heatmap in pixels; cells shrink as labels grow, within limits. */
const TARGET_SIDE = 560;
const MIN_CELL = 12;
const MAX_CELL = 44;
/** Cells narrower than this get no count printed in them (the digits would not fit). */
const MIN_CELL_FOR_COUNTS = 24;

/** One cell of the confusion heatmap. */
interface ConfusionCell {
  actual: string;
  predicted: string;
  count: number;
  /** `count` divided by the row total (the recall share); 0 for an empty row. */
  share: number;
  /** Text printed in the cell: the count, or '' for zero. */
  text: string;
}

function confusionCells(
  labels: readonly string[],
  confusion: readonly (readonly number[])[],
): ConfusionCell[] {
  return labels.flatMap((actual, i) => {
    const row = confusion[i] ?? [];
    const total = row.reduce((sum, n) => sum + n, 0);
    return labels.map((predicted, j) => {
      const count = row[j] ?? 0;
      return {
        actual,
        predicted,
        count,
        share: total > 0 ? count / total : 0,
        text: count > 0 ? String(count) : '',
      };
    });
  });
}

/**
 * Vega-Lite spec of a row-normalised confusion heatmap (`confusion[true][predicted]`): colour is
 * the share of each true class predicted as each label, so rare classes stay as visible as
 * common ones; raw counts are printed in the cells when the cells are large enough.
 */
export function confusionSpec(
  title: string,
  subtitle: string,
  labels: readonly string[],
  confusion: readonly (readonly number[])[],
): TopLevelSpec {
  const cell = Math.max(MIN_CELL, Math.min(MAX_CELL, Math.floor(TARGET_SIDE / Math.max(1, labels.length))));
  const side = cell * labels.length;
  const order = [...labels];
  const axisBand = { labelLimit: 160, labelFontSize: cell < 16 ? 9 : 11, ticks: false, domain: false };
  const heat = {
    mark: { type: 'rect' as const, stroke: 'white', strokeWidth: 0.5 },
    encoding: {
      color: {
        field: 'share',
        type: 'quantitative' as const,
        title: 'share of row',
        // ColorBrewer Blues, from near-white at 0 so empty cells stay blank; extra stops at the low
        // end so 5-20 % confusions (the interesting ones) are visible.
        scale: {
          domain: [0, 0.1, 0.3, 0.6, 1],
          range: ['#f7fbff', '#c6dbef', '#6baed6', '#2171b5', '#08306b'],
        },
        legend: { format: '.0%', gradientLength: Math.min(side, 240) },
      },
    },
  };
  const counts = {
    mark: { type: 'text' as const, fontSize: cell < 32 ? 9 : 11 },
    encoding: {
      text: { field: 'text', type: 'nominal' as const },
      color: {
        condition: { test: 'datum.share > 0.45', value: 'white' },
        value: '#222',
      },
    },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle, fontSize: 16, subtitleFontSize: 12, offset: 12 },
    background: 'white',
    padding: 12,
    config: { font: CHART_FONT, view: { stroke: null } },
    width: side,
    height: side,
    data: { values: confusionCells(labels, confusion) },
    encoding: {
      x: {
        field: 'predicted',
        type: 'nominal' as const,
        sort: order,
        scale: { domain: order },
        title: 'predicted label',
        axis: { ...axisBand, orient: 'bottom' as const, labelAngle: -45 },
      },
      y: {
        field: 'actual',
        type: 'nominal' as const,
        sort: order,
        scale: { domain: order },
        title: 'true label',
        axis: axisBand,
      },
    },
    layer: cell >= MIN_CELL_FOR_COUNTS ? [heat, counts] : [heat],
  };
}

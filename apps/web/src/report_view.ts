import type { ClassificationReport } from '@charrnn/core';
import { colorOf } from './heatmap.js';
import { el, percent } from './dom.js';

/** WCAG relative luminance of an sRGB channel value 0–255. */
function channel(v: number): number {
  const c = v / 255;
  return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/**
 * Black or white, whichever contrasts more with the sequential colour of `share` (at least
 * 4.5:1 everywhere on that scale, as WCAG AA asks of small text).
 */
export function readableTextOn(share: number): string {
  const [r, g, b] = (colorOf(share, 'sequential').match(/\d+/g) ?? ['255', '255', '255']).map(Number) as [
    number,
    number,
    number,
  ];
  const luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  return 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 ? '#fff' : '#000';
}

/**
 * Confusion matrix as a heatmap (rows: true label, columns: predicted; each row coloured by
 * its share, so small classes stay readable) and the per-class precision/recall/F1 table.
 * Labels may come from the visitor's files: they are only ever set as text.
 */
export function renderReport(container: HTMLElement, report: ClassificationReport): void {
  const { labels, confusion } = report;
  const head = el('tr', {
    children: [
      el('th', { className: 'corner', text: 'true ↓ / predicted →' }),
      ...labels.map((label) =>
        el('th', {
          className: 'col-label',
          attrs: { title: label },
          children: [el('span', { text: label })],
        }),
      ),
    ],
  });
  const body = labels.map((label, t) => {
    const row = confusion[t] ?? [];
    const total = row.reduce((s, v) => s + v, 0);
    return el('tr', {
      children: [
        el('th', { className: 'row-label', text: label }),
        ...labels.map((predicted, p) => {
          const count = row[p] ?? 0;
          const cell = el('td', {
            attrs: { title: `${label} → ${predicted}: ${count}` },
            text: count > 0 ? String(count) : '',
          });
          const share = total > 0 ? count / total : 0;
          cell.style.background = colorOf(share, 'sequential');
          cell.style.color = readableTextOn(share);
          return cell;
        }),
      ],
    });
  });
  const matrix = el('table', {
    className: 'confusion',
    children: [el('thead', { children: [head] }), el('tbody', { children: body })],
  });

  const classRows = report.perClass.map((c) =>
    el('tr', {
      children: [
        el('td', { className: 'class-label', text: c.label }),
        el('td', { text: c.precision.toFixed(3) }),
        el('td', { text: c.recall.toFixed(3) }),
        el('td', { text: c.f1.toFixed(3) }),
        el('td', { text: String(c.support) }),
      ],
    }),
  );
  const perClass = el('table', {
    className: 'per-class',
    children: [
      el('thead', {
        children: [
          el('tr', {
            children: ['label', 'precision', 'recall', 'F1', 'support'].map((h) => el('th', { text: h })),
          }),
        ],
      }),
      el('tbody', { children: classRows }),
    ],
  });
  container.replaceChildren(
    el('p', {
      className: 'summary',
      text: `validation: accuracy ${percent(report.accuracy)}, macro-F1 ${report.macroF1.toFixed(3)}, balanced accuracy ${percent(report.balancedAccuracy)} on ${report.count} names`,
    }),
    el('div', {
      className: 'report-grid',
      children: [
        el('div', {
          className: 'scroll',
          attrs: { tabindex: '0', role: 'region', 'aria-label': 'confusion matrix (rows: true label)' },
          children: [matrix],
        }),
        el('div', {
          className: 'scroll',
          attrs: { tabindex: '0', role: 'region', 'aria-label': 'precision, recall and F1 per label' },
          children: [perClass],
        }),
      ],
    }),
  );
}

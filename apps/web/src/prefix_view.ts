import { el, percent } from './dom.js';

/**
 * "The guess after each letter": one cell per character, with the label the model gives the
 * name cut there and its probability. Labels come from model files: set as text only.
 */
export function renderPrefixes(
  container: HTMLElement,
  symbols: readonly string[],
  rows: readonly Float32Array[],
  labels: readonly string[],
): void {
  container.replaceChildren(
    ...rows.map((row, t) => {
      let best = 0;
      row.forEach((p, c) => {
        if (p > (row[best] ?? 0)) best = c;
      });
      const changed = t > 0 && indexOfMax(rows[t - 1] as Float32Array) !== best;
      return el('li', {
        className: changed ? 'changed' : '',
        attrs: { 'data-label': labels[best] ?? '' },
        children: [
          el('span', { className: 'prefix-char', text: symbols[t] ?? '' }),
          el('span', { className: 'prefix-label', text: labels[best] ?? String(best) }),
          el('span', { className: 'prefix-p', text: percent(row[best] ?? 0, 0) }),
        ],
      });
    }),
  );
}

function indexOfMax(row: Float32Array): number {
  let best = 0;
  row.forEach((p, c) => {
    if (p > (row[best] ?? 0)) best = c;
  });
  return best;
}

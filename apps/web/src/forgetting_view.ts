import { el, percent } from './dom.js';
import { t } from './i18n.js';
import type { NameTrace } from './recurrent_trace.js';

/** One model's row in "why the RNN forgets". */
export interface InfluenceRow {
  /** Which model (shown as text). */
  title: string;
  /** Its trace of the name, or `null` while it loads (or when it cannot be traced: `problem`). */
  trace: NameTrace | null;
  /** Its labels, to name the guess the gradient is taken for. */
  labels: readonly string[];
  /** The characters it read (one per position). */
  symbols: readonly string[];
  problem?: string;
}

/**
 * For each model, one bar per character: how strongly that character's input still moves the
 * model's final guess (the gradient norm, relative to the strongest character of that model).
 * Plain HTML: the bars carry their values as text for screen readers.
 */
export function renderForgetting(container: HTMLElement, rows: readonly InfluenceRow[]): void {
  container.replaceChildren(
    ...rows.map((row) => {
      const head = el('p', { className: 'influence-title', children: [el('strong', { text: row.title })] });
      if (row.trace === null)
        return el('div', {
          className: 'influence',
          children: [head, el('p', { className: 'muted small', text: row.problem ?? t('forgetLoading') })],
        });
      const { influence, target, probabilities } = row.trace;
      const max = Math.max(...influence, 1e-12);
      const label = row.labels[target] ?? String(target);
      let strongest = 0;
      influence.forEach((v, i) => {
        if (v > (influence[strongest] ?? 0)) strongest = i;
      });
      head.append(
        el('span', { className: 'muted', text: ` → ${label} (${percent(probabilities[target] ?? 0)})` }),
      );
      const bars = el('ol', {
        className: 'influence-bars',
        attrs: {
          'aria-label': t('influenceAlt', { model: row.title, label, char: row.symbols[strongest] ?? '' }),
        },
        children: Array.from(influence, (v, i) => {
          const share = v / max;
          const bar = el('span', { className: 'influence-bar' });
          bar.style.height = `${Math.max(1, Math.round(share * 100))}%`;
          return el('li', {
            attrs: {
              title: `${row.symbols[i] ?? ''}: ${share.toFixed(3)}`,
              'data-influence': v.toExponential(4),
            },
            children: [
              el('span', { className: 'influence-track', children: [bar] }),
              el('span', { className: 'influence-char', text: row.symbols[i] ?? '' }),
              el('span', { className: 'sr-only', text: ` ${share.toFixed(2)}` }),
            ],
          });
        }),
      });
      return el('div', { className: 'influence', children: [head, bars] });
    }),
  );
}

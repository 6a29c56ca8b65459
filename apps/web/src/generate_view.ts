import { el, percent } from './dom.js';
import type { ExpectationColumn, Candidate } from './generation_steps.js';
import { t } from './i18n.js';

/** How a symbol is shown in the chart: the end of the name as a word, a space as ␣. */
function shown(candidate: Pick<Candidate, 'symbol' | 'end'>): string {
  if (candidate.end) return t('generateEnd');
  return candidate.symbol === ' ' ? '␣' : candidate.symbol;
}

/**
 * "What the model expected" for one generated name: one column per sampling step (the drawn
 * symbol on top, then the candidates as bars, the drawn one highlighted), and a sentence per
 * column for screen readers. Symbols come from the model's files: set as text only.
 */
export function renderExpectations(
  container: HTMLElement,
  name: string,
  columns: readonly ExpectationColumn[],
): void {
  container.dataset['name'] = name;
  if (columns.length === 0) {
    container.removeAttribute('aria-label');
    container.replaceChildren(el('li', { className: 'muted small', text: t('generateChartEmpty') }));
    return;
  }
  container.setAttribute('aria-label', t('generateChartLabel', { name }));
  container.replaceChildren(
    ...columns.map((column, step) => {
      const rows = column.candidates.map((c) => {
        const fill = el('span', { className: 'cand-fill' });
        fill.style.width = `${(100 * c.probability).toFixed(1)}%`;
        return el('li', {
          className: `${c.chosen ? 'chosen' : ''}${c.end ? ' end' : ''}`.trim(),
          attrs: { 'data-probability': c.probability.toFixed(6) },
          children: [
            el('span', { className: 'cand-symbol', text: shown(c) }),
            el('span', { className: 'cand-track', children: [fill] }),
            el('span', { className: 'cand-p', text: percent(c.probability, 0) }),
          ],
        });
      });
      const description = t('generateStepAlt', {
        step: step + 1,
        symbol: `“${shown(column.chosen)}”`,
        p: percent(column.chosen.probability),
        rank: column.chosenRank,
        candidates: column.candidates.map((c) => `“${shown(c)}” ${percent(c.probability)}`).join(', '),
      });
      return el('li', {
        className: `gen-step${column.chosen.end ? ' end' : ''}`,
        attrs: {
          'data-symbol': column.chosen.end ? '' : column.chosen.symbol,
          'data-rank': String(column.chosenRank),
          title: description,
        },
        children: [
          el('span', {
            className: 'gen-step-symbol',
            text: shown(column.chosen),
            attrs: { 'aria-hidden': 'true' },
          }),
          el('ul', { className: 'cand', attrs: { 'aria-hidden': 'true' }, children: rows }),
          el('span', { className: 'sr-only', text: description }),
        ],
      });
    }),
  );
}

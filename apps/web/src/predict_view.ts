import type { NamePrediction } from '@charrnn/trainer';
import { el, percent } from './dom.js';
import type { NameReading } from './name_input.js';
import { MAX_NAME_LENGTH } from './name_input.js';
import { t } from './i18n.js';

/**
 * Draws one bar per label, most likely first. Labels come from model files and may hold any
 * text (markup included): they are set with `textContent` only.
 */
export function renderBars(
  container: HTMLElement,
  prediction: NamePrediction | null,
  labels: readonly string[],
): void {
  const rows = prediction?.top ?? labels.map((label) => ({ label, probability: 0 }));
  container.replaceChildren(
    ...rows.map(({ label, probability }, rank) => {
      const fill = el('div', { className: 'bar-fill' });
      fill.style.width = `${(100 * probability).toFixed(2)}%`;
      return el('div', {
        className: rank === 0 && prediction !== null ? 'bar top' : 'bar',
        attrs: { 'data-label': label, 'data-probability': probability.toFixed(6) },
        children: [
          el('span', { className: 'bar-label', text: label }),
          el('div', { className: 'bar-track', children: [fill] }),
          el('span', { className: 'bar-value', text: prediction === null ? '' : percent(probability) }),
        ],
      });
    }),
  );
}

/** The line under the input: how the model reads the name, and what it had to drop. */
export function describeReading(reading: NameReading | null): string {
  if (reading === null || reading.name.length === 0) return t('typeAName');
  const parts: string[] = [];
  if (reading.normalized !== reading.name) parts.push(t('readAs', { name: reading.normalized }));
  else parts.push(t('readAsTyped'));
  if (reading.unknown.length > 0) parts.push(t('notInAlphabet', { chars: reading.unknown.join(' ') }));
  if (reading.truncated) parts.push(t('cutTo', { n: MAX_NAME_LENGTH }));
  if (reading.ids.length === 0) parts.push(t('nothingLeft'));
  return parts.join(' · ');
}

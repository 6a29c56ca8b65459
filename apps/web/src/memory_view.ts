import { cellAt, drawStepHeatmap, unitOrder, type HeatmapLayout, type Scale } from './heatmap.js';
import { el } from './dom.js';
import { t, type MessageKey } from './i18n.js';
import type { DirectionTrace, NameTrace } from './recurrent_trace.js';

interface Panel {
  title: string;
  /** `[step][unit]`, in reading order of the direction. */
  values: Float64Array[];
  scale: Scale;
  range?: number;
  note?: string;
  means?: number[];
}

const mean = (v: Float64Array): number => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);

function panelsOf(direction: DirectionTrace): Panel[] {
  const panels: Panel[] = [{ title: t('hiddenTitle'), values: direction.h, scale: 'diverging' }];
  if (direction.c !== undefined) {
    const cMax = direction.c.reduce((m, col) => col.reduce((mm, v) => Math.max(mm, Math.abs(v)), m), 0);
    panels.push({
      title: `${t('cellTitle')} ±${cMax.toFixed(2)}`,
      values: direction.c,
      scale: 'diverging',
      range: cMax,
    });
  }
  for (const [gate, values] of Object.entries(direction.gates)) {
    const [title, note] = t(`gate_${gate}` as MessageKey).split(/ ?: /, 2) as [string, string | undefined];
    panels.push({
      title,
      values,
      scale: 'sequential',
      ...(note === undefined ? {} : { note }),
      means: values.map(mean),
    });
  }
  return panels;
}

/** Largest |value| of the last column: the unit and value, for the text alternative. */
function strongestLast(values: Float64Array[]): { unit: number; value: number } {
  const last = values[values.length - 1] ?? new Float64Array(0);
  let unit = 0;
  last.forEach((v, u) => {
    if (Math.abs(v) > Math.abs(last[unit] ?? 0)) unit = u;
  });
  return { unit, value: last[unit] ?? 0 };
}

/**
 * "Inside the memory": for each direction of the recurrent layer, heatmaps of the hidden state
 * (and the LSTM's cell state) after each character, units ordered so patterns show, the gates
 * with their mean per step as bars. Hovering (or tapping) a cell writes its value into `tip`.
 * Each canvas has a text alternative (`role="img"` and a label).
 */
export function renderMemory(
  container: HTMLElement,
  tip: HTMLElement,
  trace: NameTrace | null,
  symbols: readonly string[],
  problem: string | null,
  defer: (draw: () => void) => void = (draw) => draw(),
): void {
  if (trace === null) {
    container.replaceChildren(el('p', { className: 'muted', text: problem ?? t('typeForMemory') }));
    tip.textContent = '';
    return;
  }
  const width = Math.max(200, container.clientWidth || 320);
  const twoColumns = trace.directions.length === 2 && width >= 760;
  const columnWidth = twoColumns ? Math.floor((width - 16) / 2) : width;
  container.replaceChildren(
    ...trace.directions.map((direction) => {
      const columns = direction.positions.map((p) => symbols[p] ?? '?');
      // One unit order for the direction (from h), so a unit is on the same row in every panel.
      const order = unitOrder(direction.h);
      const figures = panelsOf(direction).map((panel) => {
        const canvas = el('canvas', { className: 'heatmap', attrs: { role: 'img', tabindex: '0' } });
        let layout: HeatmapLayout | null = null;
        defer(() => {
          layout = drawStepHeatmap(canvas, {
            columns,
            values: panel.values,
            scale: panel.scale,
            maxWidth: columnWidth,
            ...(panel.range === undefined ? {} : { range: panel.range }),
            order,
            ...(panel.means === undefined ? {} : { means: panel.means }),
          });
        });
        const strongest = strongestLast(panel.values);
        canvas.setAttribute(
          'aria-label',
          t('heatmapAlt', {
            title: panel.title,
            units: panel.values[0]?.length ?? 0,
            steps: columns.length,
            unit: strongest.unit,
            value: strongest.value.toFixed(2),
          }),
        );
        const show = (event: PointerEvent): void => {
          const box = canvas.getBoundingClientRect();
          const hit =
            layout === null ? null : cellAt(layout, event.clientX - box.left, event.clientY - box.top);
          if (hit === null) return;
          tip.textContent = `${panel.title} · ${t('hover', {
            unit: hit.unit,
            char: columns[hit.column] ?? '',
            step: hit.column + 1,
            value: ((panel.values[hit.column] as Float64Array)[hit.unit] ?? 0).toFixed(3),
          })}`;
        };
        canvas.addEventListener('pointermove', show);
        canvas.addEventListener('pointerdown', show);
        const caption: (HTMLElement | null)[] = [el('strong', { text: panel.title })];
        if (panel.note !== undefined) caption.push(el('span', { text: ` — ${panel.note}` }));
        if (panel.means !== undefined)
          caption.push(
            el('span', {
              className: 'means',
              text: ` ${t('gateMeans')}: ${panel.means.map((m, k) => `${columns[k] ?? ''} ${m.toFixed(2)}`).join(', ')}`,
            }),
          );
        return el('figure', { children: [el('figcaption', { children: caption }), canvas] });
      });
      return el('div', {
        className: 'direction',
        attrs: { 'data-direction': direction.direction },
        children: [el('h3', { text: t(direction.direction) }), ...figures],
      });
    }),
  );
  container.classList.toggle('two-columns', twoColumns);
}

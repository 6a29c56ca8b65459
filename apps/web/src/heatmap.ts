/** Colour scale of a heatmap. */
export type Scale = 'diverging' | 'sequential';

/** `v` in [-1, 1] (diverging: blue–white–red) or [0, 1] (sequential: white–dark blue) → CSS colour. */
export function colorOf(v: number, scale: Scale): string {
  if (!Number.isFinite(v)) return '#999';
  if (scale === 'sequential') {
    const t = Math.min(1, Math.max(0, v));
    const r = Math.round(255 - t * 222);
    const g = Math.round(255 - t * 153);
    const b = Math.round(255 - t * 51);
    return `rgb(${r},${g},${b})`;
  }
  const t = Math.min(1, Math.max(-1, v));
  if (t >= 0) return `rgb(255,${Math.round(255 - t * 200)},${Math.round(255 - t * 200)})`;
  return `rgb(${Math.round(255 + t * 200)},${Math.round(255 + t * 200)},255)`;
}

/** Options of {@link drawStepHeatmap}. */
export interface StepHeatmapOptions {
  /** One label per column (the characters read). Drawn with `fillText`: never parsed as markup. */
  columns: string[];
  /** `[column][row]` values. */
  values: ArrayLike<number>[];
  scale: Scale;
  /** Values are divided by this before colouring (e.g. max |c| for the cell state). */
  range?: number;
  /** Row order (unit indices, top first); default: as given. */
  order?: readonly number[];
  /** Per column, a value in [0, 1] drawn as a bar under the grid (gate means). */
  means?: readonly number[];
  /** Width available, CSS pixels: the cells shrink so that the canvas never exceeds it. */
  maxWidth: number;
}

/** Where things are on a drawn heatmap, to map a pointer position back to a cell. */
export interface HeatmapLayout {
  left: number;
  top: number;
  cellW: number;
  cellH: number;
  columns: number;
  rows: number;
  order: readonly number[];
}

/**
 * One column per character, one row per unit: a canvas heatmap of a recurrent state, at most
 * `maxWidth` CSS pixels wide (a 64-letter name fits a phone), with an optional bar row of
 * per-column means. Returns the layout for hit-testing.
 */
export function drawStepHeatmap(canvas: HTMLCanvasElement, options: StepHeatmapOptions): HeatmapLayout {
  const { columns, values, scale } = options;
  const units = values[0]?.length ?? 0;
  const order = options.order ?? Array.from({ length: units }, (_, u) => u);
  const left = 4;
  const top = 18;
  const cellW = Math.max(
    3,
    Math.min(28, Math.floor((options.maxWidth - left - 4) / Math.max(1, columns.length))),
  );
  const cellH = units > 96 ? 2 : units > 48 ? 4 : units > 16 ? 6 : 10;
  const meansH = options.means === undefined ? 0 : 28;
  const width = left + Math.max(1, columns.length) * cellW + 4;
  const height = top + units * cellH + meansH + 4;
  const ratio = Math.min(2, globalThis.devicePixelRatio || 1);
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d');
  const layout = { left, top, cellW, cellH, columns: columns.length, rows: units, order };
  if (ctx === null) return layout;
  ctx.scale(ratio, ratio);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  ctx.font = `${Math.min(13, cellW)}px ui-monospace, monospace`;
  ctx.textAlign = 'center';
  const range = options.range !== undefined && options.range > 0 ? options.range : 1;
  columns.forEach((label, t) => {
    const x = left + t * cellW;
    ctx.fillStyle = '#1d2630';
    if (cellW >= 7) ctx.fillText(label, x + cellW / 2, top - 5);
    const column = values[t];
    if (column === undefined) return;
    order.forEach((u, row) => {
      ctx.fillStyle = colorOf((column[u] ?? 0) / range, scale);
      ctx.fillRect(x, top + row * cellH, cellW - (cellW > 4 ? 1 : 0), cellH);
    });
    const mean = options.means?.[t];
    if (mean !== undefined) {
      const barTop = top + units * cellH + 4;
      ctx.fillStyle = '#eef1f4';
      ctx.fillRect(x, barTop, cellW - 1, meansH - 6);
      ctx.fillStyle = '#1d5f8a';
      const h = Math.round((meansH - 6) * Math.min(1, Math.max(0, mean)));
      ctx.fillRect(x, barTop + meansH - 6 - h, cellW - 1, h);
    }
  });
  return layout;
}

/** The `[column, unit]` under a pointer at (`x`, `y`) CSS pixels from the canvas's corner, or `null`. */
export function cellAt(layout: HeatmapLayout, x: number, y: number): { column: number; unit: number } | null {
  const column = Math.floor((x - layout.left) / layout.cellW);
  const row = Math.floor((y - layout.top) / layout.cellH);
  if (column < 0 || column >= layout.columns || row < 0 || row >= layout.rows) return null;
  return { column, unit: layout.order[row] as number };
}

/**
 * Unit order that lets patterns show: units sorted by the step where they are strongest (|value|
 * largest), then by the sign of that value, so the trace each character leaves appears as a
 * step down a diagonal.
 */
export function unitOrder(values: readonly ArrayLike<number>[]): number[] {
  const units = values[0]?.length ?? 0;
  const keys = Array.from({ length: units }, (_, u) => {
    let best = 0;
    let at = 0;
    values.forEach((column, t) => {
      const v = column[u] ?? 0;
      if (Math.abs(v) > Math.abs(best)) [best, at] = [v, t];
    });
    return { u, at, sign: best >= 0 ? 0 : 1, size: Math.abs(best) };
  });
  keys.sort((a, b) => a.at - b.at || a.sign - b.sign || b.size - a.size);
  return keys.map((k) => k.u);
}

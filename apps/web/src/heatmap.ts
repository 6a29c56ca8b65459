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
  title: string;
  /** One label per column (the characters read). Drawn with `fillText`: never parsed as markup. */
  columns: string[];
  /** `[column][row]` values. */
  values: Float32Array[];
  scale: Scale;
  /** Values are divided by this before colouring (e.g. max |c| for the cell state). */
  range?: number;
}

/** One column per character, one row per unit: a canvas heatmap of a recurrent state. */
export function drawStepHeatmap(canvas: HTMLCanvasElement, options: StepHeatmapOptions): void {
  const { columns, values, scale } = options;
  const units = values[0]?.length ?? 0;
  const cellW = 18;
  const cellH = units > 96 ? 3 : units > 48 ? 5 : 8;
  const left = 8;
  const top = 36;
  canvas.width = Math.max(300, left + Math.max(1, columns.length) * cellW + 8);
  canvas.height = top + units * cellH + 4;
  const ctx = canvas.getContext('2d');
  if (ctx === null) return;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#222';
  ctx.font = '12px system-ui, sans-serif';
  ctx.fillText(options.title, left, 12);
  ctx.font = '13px ui-monospace, monospace';
  ctx.textAlign = 'center';
  const range = options.range !== undefined && options.range > 0 ? options.range : 1;
  columns.forEach((label, t) => {
    const x = left + t * cellW;
    ctx.fillStyle = '#222';
    ctx.fillText(label, x + cellW / 2, top - 6);
    const column = values[t];
    if (column === undefined) return;
    for (let u = 0; u < units; u++) {
      ctx.fillStyle = colorOf((column[u] ?? 0) / range, scale);
      ctx.fillRect(x, top + u * cellH, cellW - 1, cellH);
    }
  });
}

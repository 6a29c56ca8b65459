/** A metric in [0, 1] with four decimals, e.g. `0.8234`; '–' when not finite. */
export function formatScore(x: number): string {
  return Number.isFinite(x) ? x.toFixed(4) : '–';
}

/** A duration for people: `42.3 s`, `12 min 05 s`, `2 h 03 min`. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  return h > 0 ? `${h} h ${String(m).padStart(2, '0')} min` : `${m} min ${String(s).padStart(2, '0')} s`;
}

/** A throughput with thousands separators and no decimals, e.g. `12,345`. */
export function formatRate(x: number): string {
  return Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–';
}

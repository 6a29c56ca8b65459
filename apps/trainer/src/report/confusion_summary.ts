/**
 * Most labels a confusion matrix shows in full. Past it, charts and text tables show the labels
 * with the most errors and fold the rest into one "other labels" row and column: a matrix grows
 * with the square of the labels (1,000 labels: a million cells), a summary stays readable.
 */
export const MAX_MATRIX_LABELS = 40;

/** A confusion matrix as shown: all labels, or a summary (see {@link summarizeConfusion}). */
export interface ConfusionView {
  /** Labels of the rows and columns shown, the last one `(N other labels)` when summarized. */
  labels: string[];
  /** Counts, `confusion[true][predicted]`, over {@link ConfusionView.labels}. */
  confusion: number[][];
  /** Labels of the full matrix. */
  total: number;
  /** Labels folded into the last row and column (0: the matrix is shown in full). */
  folded: number;
}

/**
 * The confusion matrix to show for `labels`: in full up to `max` labels; past it, the `max − 1`
 * labels with the most errors (wrong predictions in their row plus their column), in label order,
 * and one last row and column summing every other label, so each row still adds up to its
 * support and the total count is kept.
 *
 * @example
 * ```ts
 * const view = summarizeConfusion(report.labels, report.confusion);
 * view.folded; // 960 for 1,000 labels
 * ```
 */
export function summarizeConfusion(
  labels: readonly string[],
  confusion: readonly (readonly number[])[],
  max = MAX_MATRIX_LABELS,
): ConfusionView {
  const n = labels.length;
  if (n <= max)
    return { labels: [...labels], confusion: confusion.map((row) => [...row]), total: n, folded: 0 };
  const errors = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = confusion[i] ?? [];
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const count = row[j] ?? 0;
      errors[i] = (errors[i] as number) + count;
      errors[j] = (errors[j] as number) + count;
    }
  }
  const kept = Array.from({ length: n }, (_, i) => i)
    .sort((a, b) => (errors[b] as number) - (errors[a] as number) || a - b)
    .slice(0, max - 1)
    .sort((a, b) => a - b);
  const slot = new Int32Array(n).fill(kept.length); // folded labels go to the last slot
  kept.forEach((label, k) => (slot[label] = k));
  const size = kept.length + 1;
  const out = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  for (let i = 0; i < n; i++) {
    const row = confusion[i] ?? [];
    const into = out[slot[i] as number] as number[];
    for (let j = 0; j < n; j++) into[slot[j] as number] = (into[slot[j] as number] as number) + (row[j] ?? 0);
  }
  const folded = n - kept.length;
  return {
    labels: [...kept.map((i) => labels[i] as string), `(${folded} other labels)`],
    confusion: out,
    total: n,
    folded,
  };
}

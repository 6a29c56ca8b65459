import type { Example } from '../encode_examples.js';

/** Examples with the given labels; example `i` has `lengths[i % lengths.length]` tokens (all equal to i + 2). */
export function makeExamples(labels: readonly number[], lengths: readonly number[] = [3]): Example[] {
  return labels.map((label, i) => ({
    ids: new Int32Array(lengths[i % lengths.length] ?? 1).fill(i + 2),
    label,
  }));
}

/** `counts[l]` examples of label `l`, in label order. */
export function skewed(counts: readonly number[]): Example[] {
  return makeExamples(counts.flatMap((n, label) => Array<number>(n).fill(label)));
}

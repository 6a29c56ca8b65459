import { controlCharacterIn } from '@charrnn/core';
import { DEFAULT_MAX_LINE_BYTES } from '@charrnn/data';
import { predictionOrder } from './prediction_order.js';
import { UNK_ID } from '@charrnn/tokenizer';
import type { ClassifierBundle } from './classifier_bundle.js';

/**
 * Longest name {@link classifyNames} reads, in UTF-8 bytes: 64 KiB, the line limit of the corpus
 * loaders, so a name is read in prediction exactly when it could have been a training name.
 */
export const MAX_NAME_BYTES = DEFAULT_MAX_LINE_BYTES;

/**
 * Padded tokens per forward pass (rows × longest row): batches are cut so that one long name
 * never makes its neighbours pay for its length.
 */
const BATCH_TOKENS = 1 << 15;

/** One name's prediction from {@link classifyNames}. */
export interface NamePrediction {
  /** The name as given. */
  name: string;
  /** The name as the model reads it, after the tokenizer's normalization. */
  normalized: string;
  /** The `k` most likely labels, most likely first; empty when the name is {@link NamePrediction.unreadable}. */
  top: { label: string; probability: number }[];
  /**
   * Why the model gives this name no label, when it cannot read it: `'empty name'`,
   * `'no character the model knows'` (every character outside its alphabet, e.g. Chinese under the
   * tutorial alphabet, or emoji), `'control character U+0009 in name'`, or
   * `'name is 3145728 characters, over the 65536-byte limit'`. The same answer whatever other names
   * are classified with it. Absent when the name was read.
   */
  unreadable?: string;
}

/** Why `name` cannot be read, from the text alone (before encoding), or undefined. */
function textProblem(name: string): string | undefined {
  // Counted only as far as needed: a 10 MB name is refused without being encoded.
  if (name.length > MAX_NAME_BYTES)
    return `name is ${name.length} characters, over the ${MAX_NAME_BYTES}-byte limit`;
  if (name.length * 3 > MAX_NAME_BYTES) {
    const bytes = new TextEncoder().encode(name).length;
    if (bytes > MAX_NAME_BYTES) return `name is ${bytes} bytes, over the ${MAX_NAME_BYTES}-byte limit`;
  }
  if (name.trim().length === 0) return 'empty name';
  const control = controlCharacterIn(name);
  if (control !== undefined) return `control character ${control} in name`;
  return undefined;
}

/**
 * The `k` most likely labels of each name, in input order. A name the model cannot read (see
 * {@link NamePrediction.unreadable}) gets no label and the reason, never a guess; every other name
 * gets the same labels and probabilities whatever names it is given with. Names are run in
 * batches of up to `chunkSize`, grouped by length (so little padding is computed) and cut at
 * 32,768 padded tokens; the tokenizer's `maxLength`, when set, truncates as in training.
 *
 * @example
 * ```ts
 * classifyNames(bundle, ['Satoshi', '山田', ''], 1);
 * // [{ name: 'Satoshi', top: [{ label: 'Japanese', ... }], ... },
 * //  { name: '山田', top: [], unreadable: 'no character the model knows', ... },
 * //  { name: '', top: [], unreadable: 'empty name', ... }]
 * ```
 */
export function classifyNames(
  bundle: Pick<ClassifierBundle, 'model' | 'tokenizer' | 'labels'>,
  names: readonly string[],
  k = 3,
  chunkSize = 256,
): NamePrediction[] {
  const { model, tokenizer, labels } = bundle;
  const numClasses = labels.length;
  const topK = Math.max(1, Math.min(k, numClasses));
  const limit = tokenizer.maxLength ?? Number.POSITIVE_INFINITY;
  const out: NamePrediction[] = new Array<NamePrediction>(names.length);
  const ids: Int32Array[] = new Array<Int32Array>(names.length);
  const normalizedNames: string[] = new Array<string>(names.length);
  const readable: number[] = [];
  names.forEach((name, i) => {
    const problem = textProblem(name);
    if (problem !== undefined) {
      // An over-long name is not normalized: that would cost as much as reading it.
      const normalized = problem.startsWith('name is') ? '' : tokenizer.normalize(name);
      out[i] = { name, normalized, top: [], unreadable: problem };
      return;
    }
    const normalized = tokenizer.normalize(name);
    const encoded = tokenizer.encode(name);
    let known = 0;
    for (const id of encoded) if (id !== UNK_ID) known += 1;
    if (known === 0) {
      out[i] = {
        name,
        normalized,
        top: [],
        unreadable: 'no character the model knows',
      };
      return;
    }
    ids[i] = encoded.length > limit ? encoded.subarray(0, limit) : encoded;
    normalizedNames[i] = normalized;
    readable.push(i);
  });
  const order = predictionOrder(model, readable, (i) => ids[i] as Int32Array);
  for (let start = 0; start < order.length;) {
    // A batch's padded size (rows × its longest row) stays within BATCH_TOKENS.
    let maxLen = (ids[order[start] as number] as Int32Array).length;
    let end = start + 1;
    while (end < order.length && end - start < chunkSize) {
      const longest = Math.max(maxLen, (ids[order[end] as number] as Int32Array).length);
      if ((end - start + 1) * longest > BATCH_TOKENS) break;
      maxLen = longest;
      end += 1;
    }
    const rows = order.slice(start, end);
    const batch = new Int32Array(rows.length * maxLen);
    const lengths = new Int32Array(rows.length);
    rows.forEach((i, r) => {
      batch.set(ids[i] as Int32Array, r * maxLen);
      lengths[r] = (ids[i] as Int32Array).length;
    });
    const probabilities = model.predictProba({ ids: batch, lengths, batchSize: rows.length, maxLen });
    rows.forEach((i, r) => {
      const scores = probabilities.subarray(r * numClasses, (r + 1) * numClasses);
      out[i] = {
        name: names[i] as string,
        normalized: normalizedNames[i] as string,
        top: topClasses(scores, topK).map((c) => ({
          label: labels[c] ?? String(c),
          probability: scores[c] ?? 0,
        })),
      };
    });
    start = end;
  }
  return out;
}

/**
 * The `k` most probable classes, most probable first, the lower class first on ties (what a
 * stable sort by descending probability gives), by k selection passes: k is small.
 */
function topClasses(scores: Float32Array, k: number): number[] {
  const chosen: number[] = [];
  for (let pick = 0; pick < k; pick++) {
    let best = -1;
    for (let c = 0; c < scores.length; c++) {
      if (chosen.includes(c)) continue;
      if (best < 0 || (scores[c] as number) > (scores[best] as number)) best = c;
    }
    if (best < 0) break;
    chosen.push(best);
  }
  return chosen;
}

import { InvalidArgumentError } from '@charrnn/core';
import type { LabeledName } from '@charrnn/data';
import type { LanguageModelBatch } from '@charrnn/layers';
import type { Tokenizer } from '@charrnn/tokenizer';

/**
 * What {@link trainLanguageModel} learns from: names (each one sequence BOS → characters → EOS,
 * conditioned on its label when the recipe has a label embedding) or one text (a single stream;
 * its last `valFraction` held out for validation).
 */
export type GeneratorData =
  | {
      kind: 'names';
      /** Training names; their sorted distinct labels are the model's labels. */
      train: readonly LabeledName[];
      /** Validation names (those whose label is not among the training labels are skipped and counted). */
      val?: readonly LabeledName[];
    }
  | {
      kind: 'text';
      /** The whole text. */
      text: string;
      /** Share of the end held out for validation (default 0.1). */
      valFraction?: number;
    };

/**
 * Symbol layout of a generator: the tokenizer's ids (PAD 0, UNK 1, symbols from 2), then one
 * boundary id, `tokenizer.vocabSize`, that is BOS as an input and EOS as a target.
 */
export function boundaryId(tokenizer: Tokenizer): number {
  return tokenizer.vocabSize;
}

/** One encoded name: its ids (without BOS/EOS) and its label id (or −1 for an unknown label). */
export interface EncodedName {
  ids: Int32Array;
  label: number;
}

/** Encodes names against `tokenizer` and `labels` (a label not in `labels` gets −1). @internal */
export function encodeNames(
  names: readonly LabeledName[],
  tokenizer: Tokenizer,
  labels: readonly string[],
): EncodedName[] {
  const index = new Map(labels.map((l, i) => [l, i]));
  return names.map((n) => ({ ids: tokenizer.encode(n.name), label: index.get(n.label) ?? -1 }));
}

/**
 * A batch of names as inputs `BOS c1 .. cn` and targets `c1 .. cn EOS` (PAD after the end).
 * @internal
 */
export function nameBatch(
  names: readonly EncodedName[],
  boundary: number,
  conditional: boolean,
): { batch: LanguageModelBatch; targets: Int32Array; chars: number } {
  const B = names.length;
  let T = 1;
  for (const n of names) T = Math.max(T, n.ids.length + 1);
  const ids = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  const lengths = new Int32Array(B);
  const labels = new Int32Array(B);
  let chars = 0;
  names.forEach((n, r) => {
    const L = n.ids.length;
    ids[r * T] = boundary;
    ids.set(n.ids, r * T + 1);
    targets.set(n.ids, r * T);
    targets[r * T + L] = boundary;
    lengths[r] = L + 1;
    labels[r] = n.label;
    chars += L + 1;
  });
  return {
    batch: { ids, lengths, batchSize: B, maxLen: T, ...(conditional ? { labels } : {}) },
    targets,
    chars,
  };
}

/**
 * A text cut into `B` parallel streams (stream `r` is the `r`-th of `B` consecutive pieces), as
 * `torch_charlm.py` does: inputs `xs[r][i]` and targets `ys[r][i]` = the next character.
 * @internal
 */
export interface TextStreams {
  xs: Int32Array;
  ys: Int32Array;
  /** Steps per stream. */
  n: number;
  B: number;
}

/** @internal */
export function textStreams(ids: Int32Array, B: number): TextStreams {
  const n = Math.floor((ids.length - 1) / B);
  if (n < 1)
    throw new InvalidArgumentError(
      `the text is too short for ${B} parallel streams (${ids.length} characters)`,
      {
        field: 'text',
      },
    );
  const xs = new Int32Array(B * n);
  const ys = new Int32Array(B * n);
  for (let r = 0; r < B; r++) {
    xs.set(ids.subarray(r * n, r * n + n), r * n);
    ys.set(ids.subarray(r * n + 1, r * n + n + 1), r * n);
  }
  return { xs, ys, n, B };
}

/** Steps `[from, from + T)` of every stream as a batch and its targets. @internal */
export function textWindow(
  s: TextStreams,
  from: number,
  T: number,
): { batch: LanguageModelBatch; targets: Int32Array } {
  const ids = new Int32Array(s.B * T);
  const targets = new Int32Array(s.B * T);
  for (let r = 0; r < s.B; r++) {
    ids.set(s.xs.subarray(r * s.n + from, r * s.n + from + T), r * T);
    targets.set(s.ys.subarray(r * s.n + from, r * s.n + from + T), r * T);
  }
  return { batch: { ids, lengths: new Int32Array(s.B).fill(T), batchSize: s.B, maxLen: T }, targets };
}

/**
 * A batch of right-padded token-id sequences: what `Tokenizer.encodeBatch` returns, what
 * `collate` (`@charrnn/data`) extends with labels, and what the models of `@charrnn/layers` read.
 * Row `r`, step `t` is `ids[r * maxLen + t]`; steps `t >= lengths[r]` are padding (id 0).
 *
 * @example
 * ```ts
 * const batch: IdBatch = { ids: Int32Array.of(5, 6, 0, 7, 8, 9), lengths: Int32Array.of(2, 3), batchSize: 2, maxLen: 3 };
 * ```
 */
export interface IdBatch {
  /** `[batchSize * maxLen]` token ids, row-major, padded on the right with 0 (`PAD_ID`). */
  ids: Int32Array;
  /** `[batchSize]` valid (non-padding) length of each sequence, each in `[0, maxLen]`. */
  lengths: Int32Array;
  /** Number of sequences (rows). */
  batchSize: number;
  /**
   * Row width: steps per sequence including padding, the longest sequence's length (0 only when
   * every sequence is empty; the models of `@charrnn/layers` need at least 1).
   */
  maxLen: number;
}

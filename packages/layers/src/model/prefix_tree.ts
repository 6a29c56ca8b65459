/**
 * A batch of token sequences as a prefix tree (a trie), level by level: the nodes of level d are
 * the distinct prefixes of length d + 1 among the rows. A one-directional recurrent network's
 * state after a prefix depends on that prefix only, so running it over the tree computes each
 * shared prefix once ("Mac" once for MacDonald, MacKenzie and Mack): on the names of the test
 * split, sorted, 1.6× fewer steps than characters, and 2× fewer recurrent products (only nodes
 * with children need `h·U`).
 *
 * Within a level, the nodes with children come first (`internal[d]` of them), so the next level's
 * recurrent product runs over a prefix of the level's rows; the rest keep row order.
 */
export interface PrefixTree {
  /** Number of levels (the longest row's length). */
  readonly depth: number;
  /** Number of nodes in all levels together. */
  readonly size: number;
  /** `[depth + 1]`: level d's nodes are numbered `start[d] … start[d + 1] − 1`. */
  readonly start: Int32Array;
  /** `[depth]`: how many nodes of level d have children (they are its first ones). */
  readonly internal: Int32Array;
  /** `[size]`: a node's last token. */
  readonly token: Int32Array;
  /** `[size]`: a node's parent, as its index within the level above (level 0: 0, unused). */
  readonly parent: Int32Array;
  /** `[rows]`: the node of a row's whole sequence, or `size` for an empty row. */
  readonly leaf: Int32Array;
}

/**
 * The prefix tree of `rows` rows of `ids` (row r's tokens at `r·maxLen`, `lengths[r]` of them).
 * Rows may come in any order and repeat; nodes are shared however the rows are ordered (sorting
 * them first only changes the tree's node order, not its size).
 */
export function prefixTree(ids: Int32Array, lengths: Int32Array, rows: number, maxLen: number): PrefixTree {
  // Rows sorted by their token sequences: a node's rows are then consecutive, and a row starts a
  // new node at level d exactly when it shares fewer than d + 1 tokens with the row before it.
  const order = tokenOrder(ids, lengths, rows, maxLen);
  // common[i]: the number of leading tokens row order[i] shares with row order[i − 1].
  const common = new Int32Array(rows);
  let depth = 0;
  for (let i = 0; i < rows; i++) {
    const r = order[i] as number;
    const length = lengths[r] as number;
    if (length > depth) depth = length;
    if (i === 0) continue;
    const q = order[i - 1] as number;
    const limit = Math.min(length, lengths[q] as number);
    let k = 0;
    while (k < limit && ids[r * maxLen + k] === ids[q * maxLen + k]) k++;
    common[i] = k;
  }

  const start = new Int32Array(depth + 1);
  const internal = new Int32Array(depth);
  const token: number[] = [];
  const parent: number[] = [];
  const leaf = new Int32Array(rows);
  // nodeOf[i]: the node (index within the current level) holding row order[i]; the level above's.
  let nodeOf = new Int32Array(rows);
  let above = new Int32Array(rows);
  // Per level scratch: a node's first row, whether it has children, its final position.
  const firstRow = new Int32Array(rows);
  const hasChildren = new Uint8Array(rows);
  const position = new Int32Array(rows);
  for (let d = 0; d < depth; d++) {
    start[d] = token.length;
    let count = 0;
    for (let i = 0; i < rows; i++) {
      const length = lengths[order[i] as number] as number;
      if (length <= d) continue;
      if (i === 0 || (common[i] as number) <= d) {
        firstRow[count] = i;
        hasChildren[count] = 0;
        count++;
      }
      nodeOf[i] = count - 1;
      if (length > d + 1) hasChildren[count - 1] = 1;
    }
    // Nodes with children first, each group in row order.
    let next = 0;
    for (let n = 0; n < count; n++) if (hasChildren[n] === 1) position[n] = next++;
    internal[d] = next;
    for (let n = 0; n < count; n++) if (hasChildren[n] === 0) position[n] = next++;
    const base = token.length;
    for (let n = 0; n < count; n++) {
      token.push(0);
      parent.push(0);
    }
    for (let n = 0; n < count; n++) {
      const i = firstRow[n] as number;
      const r = order[i] as number;
      const at = base + (position[n] as number);
      token[at] = ids[r * maxLen + d] as number;
      parent[at] = d === 0 ? 0 : (above[i] as number);
    }
    for (let i = 0; i < rows; i++) {
      const r = order[i] as number;
      const length = lengths[r] as number;
      if (length <= d) continue;
      const node = position[nodeOf[i] as number] as number;
      nodeOf[i] = node;
      if (length === d + 1) leaf[r] = base + node;
    }
    [above, nodeOf] = [nodeOf, above];
  }
  start[depth] = token.length;
  for (let r = 0; r < rows; r++) if ((lengths[r] as number) === 0) leaf[r] = token.length;
  return {
    depth,
    size: token.length,
    start,
    internal,
    token: Int32Array.from(token),
    parent: Int32Array.from(parent),
    leaf,
  };
}

/**
 * Lexicographic order of two token sequences, `a[aStart … aStart + aLength)` and
 * `b[bStart … bStart + bLength)`: negative, zero or positive; a prefix comes before its extensions.
 * The order in which rows share prefixes with their neighbours (the prefix tree, and the batches
 * of `predict` where `CharClassifier.batchOrder` is `'tokens'`).
 */
export function compareTokens(
  a: ArrayLike<number>,
  aStart: number,
  aLength: number,
  b: ArrayLike<number>,
  bStart: number,
  bLength: number,
): number {
  const limit = Math.min(aLength, bLength);
  for (let k = 0; k < limit; k++) {
    const diff = (a[aStart + k] as number) - (b[bStart + k] as number);
    if (diff !== 0) return diff;
  }
  return aLength - bLength;
}

/** Row order of a batch by its rows' tokens ({@link compareTokens}), then row number. */
export function tokenOrder(ids: Int32Array, lengths: Int32Array, rows: number, maxLen: number): Int32Array {
  const order = new Int32Array(rows);
  for (let r = 0; r < rows; r++) order[r] = r;
  if (rows > 1)
    order.sort(
      (p, q) =>
        compareTokens(ids, p * maxLen, lengths[p] as number, ids, q * maxLen, lengths[q] as number) || p - q,
    );
  return order;
}

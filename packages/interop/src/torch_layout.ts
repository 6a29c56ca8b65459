import type { CellType } from '@charrnn/layers';

/**
 * Gate blocks per cell and the permutation between PyTorch's order and charrnn's (Keras) order:
 * block `k` of charrnn's layout is block `order[k]` of PyTorch's. LSTM: PyTorch i, f, g, o =
 * Keras i, f, c, o. GRU: PyTorch r, z, n → Keras z, r, h (a swap, its own inverse).
 * @internal
 */
export function torchGates(cell: CellType): { count: number; order: number[] } {
  if (cell === 'lstm') return { count: 4, order: [0, 1, 2, 3] };
  if (cell === 'gru') return { count: 3, order: [1, 0, 2] };
  return { count: 1, order: [0] };
}

/**
 * PyTorch `[rows, cols]` (gate blocks along rows) → charrnn `[cols, rows]` (gate blocks along
 * columns), block `k` taken from block `order[k]`.
 * @internal
 */
export function torchToKeras(m: Float32Array, rows: number, cols: number, order: number[]): Float32Array {
  const blockRows = rows / order.length;
  const out = new Float32Array(rows * cols);
  order.forEach((source, target) => {
    for (let r = 0; r < blockRows; r++) {
      const from = (source * blockRows + r) * cols;
      const to = target * blockRows + r;
      for (let c = 0; c < cols; c++) out[c * rows + to] = m[from + c] as number;
    }
  });
  return out;
}

/**
 * charrnn `[rows, cols]` (gate blocks along columns) → PyTorch `[cols, rows]`, the inverse of
 * {@link torchToKeras} for a self-inverse `order`.
 * @internal
 */
export function kerasToTorch(m: Float32Array, rows: number, cols: number, order: number[]): Float32Array {
  const blockCols = cols / order.length;
  const out = new Float32Array(rows * cols);
  order.forEach((source, target) => {
    for (let c = 0; c < blockCols; c++) {
      const to = (target * blockCols + c) * rows;
      const from = source * blockCols + c;
      for (let r = 0; r < rows; r++) out[to + r] = m[r * cols + from] as number;
    }
  });
  return out;
}

/** A vector of gate blocks with block `k` taken from block `order[k]`. @internal */
export function reorderBlocks(v: Float32Array, order: number[]): Float32Array {
  const size = v.length / order.length;
  const out = new Float32Array(v.length);
  order.forEach((source, target) => out.set(v.subarray(source * size, (source + 1) * size), target * size));
  return out;
}

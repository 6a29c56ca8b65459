import type { Rng } from '@charrnn/core';

/**
 * Glorot (Xavier) uniform: U(−l, l) with `l = sqrt(6 / (fanIn + fanOut))`, Keras'
 * `glorot_uniform`. Row-major `[fanIn, fanOut]`.
 * @internal
 */
export function glorotUniform(rng: Rng, fanIn: number, fanOut: number): Float32Array {
  return randomUniform(rng, fanIn * fanOut, Math.sqrt(6 / (fanIn + fanOut)));
}

/** `size` values from U(−limit, limit). @internal */
export function randomUniform(rng: Rng, size: number, limit: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (2 * rng.next() - 1) * limit;
  return out;
}

/**
 * Random orthogonal `[rows, cols]` matrix, Keras' `Orthogonal` initializer: the Q of a QR
 * decomposition of a standard normal matrix, with signs fixed so that R's diagonal is positive;
 * orthonormal columns when `rows ≥ cols`, orthonormal rows otherwise (the recurrent kernel
 * `[units, 4 * units]` of an LSTM). Computed by modified Gram–Schmidt on `min(rows, cols)`
 * vectors of length `max(rows, cols)` in float64, run twice for accuracy.
 * @internal
 */
export function orthogonal(rng: Rng, rows: number, cols = rows): Float32Array {
  const n = Math.max(rows, cols);
  const k = Math.min(rows, cols);
  const vectors = Array.from({ length: k }, () => Float64Array.from({ length: n }, () => rng.normal()));
  for (let j = 0; j < k; j++) {
    const v = vectors[j] as Float64Array;
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < j; p++) {
        const q = vectors[p] as Float64Array;
        let dot = 0;
        for (let i = 0; i < n; i++) dot += (q[i] as number) * (v[i] as number);
        for (let i = 0; i < n; i++) v[i] = (v[i] as number) - dot * (q[i] as number);
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += (v[i] as number) ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) v[i] = (v[i] as number) / norm;
  }
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++)
      out[i * cols + j] = (
        rows >= cols ? (vectors[j] as Float64Array)[i] : (vectors[i] as Float64Array)[j]
      ) as number;
  return out;
}

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
 * Random orthogonal `[n, n]` matrix, Keras' `Orthogonal` initializer: the Q of a QR
 * decomposition of a standard normal matrix, with signs fixed so that R's diagonal is positive.
 * Computed by modified Gram–Schmidt on the columns in float64, run twice for accuracy.
 * @internal
 */
export function orthogonal(rng: Rng, n: number): Float32Array {
  const columns = Array.from({ length: n }, () => Float64Array.from({ length: n }, () => rng.normal()));
  for (let j = 0; j < n; j++) {
    const v = columns[j] as Float64Array;
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        const q = columns[k] as Float64Array;
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
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) out[i * n + j] = (columns[j] as Float64Array)[i] as number;
  return out;
}

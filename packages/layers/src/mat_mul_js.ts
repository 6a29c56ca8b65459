/**
 * Small matrix products in plain JS on row-major Float32Arrays, for the recurrences of the `'js'`
 * paths. For a few rows (batch 1) a tfjs `matMul` costs more in tensor bookkeeping and read-back
 * than the arithmetic, and the cpu backend's matMul is slower than these loops at any size
 * (PERFORMANCE.md lesson 8). Both loops keep four running values in registers, the fastest of the
 * simple loop shapes measured here (≈ 10 µs for 1×128 · 128×128 in Node 20).
 */

/**
 * Products up to this many multiply-adds are cheaper in JS than as a tfjs op plus read-back on
 * wasm (measured: 1×128 · 128×128 ≈ 8 µs in JS, ≈ 50 µs as `tf.matMul` with its read-back; 64
 * rows ≈ 0.5 ms in JS, ≈ 0.12 ms on wasm).
 * @internal
 */
export const JS_MATMUL_MAX_MULTIPLY_ADDS = 4 * 128 * 128;

/**
 * `out[m×n] = a[m×k] · b[k×n]`. Reads only the first `m` rows of `a`, overwrites only the first
 * `m` rows of `out`.
 * @internal
 */
export function matMulInto(
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  m: number,
  k: number,
  n: number,
): void {
  let r = 0;
  // Two rows at a time: each load of `b` serves two multiply-adds.
  for (; r + 1 < m; r += 2) {
    const aRow = r * k;
    const cRow = aRow + k;
    const outRow = r * n;
    const out2Row = outRow + n;
    out.fill(0, outRow, out2Row + n);
    let i = 0;
    for (; i + 3 < k; i += 4) {
      const a0 = a[aRow + i] as number;
      const a1 = a[aRow + i + 1] as number;
      const a2 = a[aRow + i + 2] as number;
      const a3 = a[aRow + i + 3] as number;
      const c0 = a[cRow + i] as number;
      const c1 = a[cRow + i + 1] as number;
      const c2 = a[cRow + i + 2] as number;
      const c3 = a[cRow + i + 3] as number;
      const b0 = i * n;
      const b1 = b0 + n;
      const b2 = b1 + n;
      const b3 = b2 + n;
      for (let j = 0; j < n; j++) {
        const v0 = b[b0 + j] as number;
        const v1 = b[b1 + j] as number;
        const v2 = b[b2 + j] as number;
        const v3 = b[b3 + j] as number;
        out[outRow + j] = (out[outRow + j] as number) + a0 * v0 + a1 * v1 + a2 * v2 + a3 * v3;
        out[out2Row + j] = (out[out2Row + j] as number) + c0 * v0 + c1 * v1 + c2 * v2 + c3 * v3;
      }
    }
    for (; i < k; i++) {
      const ai = a[aRow + i] as number;
      const ci = a[cRow + i] as number;
      const bi = i * n;
      for (let j = 0; j < n; j++) {
        const v = b[bi + j] as number;
        out[outRow + j] = (out[outRow + j] as number) + ai * v;
        out[out2Row + j] = (out[out2Row + j] as number) + ci * v;
      }
    }
  }
  for (; r < m; r++) {
    const aRow = r * k;
    const outRow = r * n;
    out.fill(0, outRow, outRow + n);
    let i = 0;
    for (; i + 3 < k; i += 4) {
      const a0 = a[aRow + i] as number;
      const a1 = a[aRow + i + 1] as number;
      const a2 = a[aRow + i + 2] as number;
      const a3 = a[aRow + i + 3] as number;
      const b0 = i * n;
      const b1 = b0 + n;
      const b2 = b1 + n;
      const b3 = b2 + n;
      for (let j = 0; j < n; j++) {
        out[outRow + j] =
          (out[outRow + j] as number) +
          a0 * (b[b0 + j] as number) +
          a1 * (b[b1 + j] as number) +
          a2 * (b[b2 + j] as number) +
          a3 * (b[b3 + j] as number);
      }
    }
    for (; i < k; i++) {
      const ai = a[aRow + i] as number;
      const bi = i * n;
      for (let j = 0; j < n; j++) out[outRow + j] = (out[outRow + j] as number) + ai * (b[bi + j] as number);
    }
  }
}

/**
 * `out[m×n] = a[m×k] · bᵀ` where `b` is `[n×k]`. Reads only the first `m` rows of `a`,
 * overwrites only the first `m` rows of `out`.
 * @internal
 */
export function matMulTransposedB(
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  m: number,
  k: number,
  n: number,
): void {
  for (let r = 0; r < m; r++) {
    const aRow = r * k;
    const outRow = r * n;
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const b0 = j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0; i < k; i++) {
        const ai = a[aRow + i] as number;
        s0 += ai * (b[b0 + i] as number);
        s1 += ai * (b[b1 + i] as number);
        s2 += ai * (b[b2 + i] as number);
        s3 += ai * (b[b3 + i] as number);
      }
      out[outRow + j] = s0;
      out[outRow + j + 1] = s1;
      out[outRow + j + 2] = s2;
      out[outRow + j + 3] = s3;
    }
    for (; j < n; j++) {
      const b0 = j * k;
      let s = 0;
      for (let i = 0; i < k; i++) s += (a[aRow + i] as number) * (b[b0 + i] as number);
      out[outRow + j] = s;
    }
  }
}

/**
 * `a[m×k]ᵀ · b[m×n]` → new `[k×n]`, the weight-gradient shape (`xᵀ·dy`), summing over rows.
 * @internal
 */
export function matMulTransposedA(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
): Float32Array {
  const out = new Float32Array(k * n);
  let r = 0;
  // Four rows at a time: four multiply-adds per load and store of `out`.
  for (; r + 3 < m; r += 4) {
    const b0 = r * n;
    const b1 = b0 + n;
    const b2 = b1 + n;
    const b3 = b2 + n;
    for (let i = 0; i < k; i++) {
      const a0 = a[r * k + i] as number;
      const a1 = a[(r + 1) * k + i] as number;
      const a2 = a[(r + 2) * k + i] as number;
      const a3 = a[(r + 3) * k + i] as number;
      if (a0 === 0 && a1 === 0 && a2 === 0 && a3 === 0) continue;
      const outRow = i * n;
      for (let j = 0; j < n; j++)
        out[outRow + j] =
          (out[outRow + j] as number) +
          a0 * (b[b0 + j] as number) +
          a1 * (b[b1 + j] as number) +
          a2 * (b[b2 + j] as number) +
          a3 * (b[b3 + j] as number);
    }
  }
  for (; r < m; r++) {
    for (let i = 0; i < k; i++) {
      const ai = a[r * k + i] as number;
      if (ai === 0) continue;
      const outRow = i * n;
      const bRow = r * n;
      for (let j = 0; j < n; j++)
        out[outRow + j] = (out[outRow + j] as number) + ai * (b[bRow + j] as number);
    }
  }
  return out;
}

/** Row-major transpose of a `[rows×cols]` matrix into a new `[cols×rows]` one. @internal */
export function transposeJs(src: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = src[row + c] as number;
  }
  return out;
}

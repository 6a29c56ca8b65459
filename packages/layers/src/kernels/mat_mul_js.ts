/**
 * Small matrix products in plain JS on row-major Float32Arrays, for the recurrences of the `'js'`
 * paths. For a few rows (batch 1) a tfjs `matMul` costs more in tensor bookkeeping and read-back
 * than the arithmetic, and the cpu backend's matMul is slower than these loops at any size
 * (docs/performance.md, "The cpu backend's matMul"). The products keep their running sums in registers (float64, rounded
 * once per output): 4×4 blocks from four rows up, about 4 GFLOP/s in Node 20 here against 2.2–3.3
 * for loops that add into the output row; the last rows of `a·b` one at a time in 1×8 blocks (a
 * 1×128 · 128×512 product: 35 µs, against 61 µs for the row loop).
 */

/**
 * The 4×4-blocked core: `out[p][q] = Σ_t A(p,t)·B(t,q)` for rows `p` in `[0, rows4)` (a multiple
 * of 4) and every column `q < cols`, where `A(p,t) = a[p·aR + t·aC]` and `B(t,q) = b[t·bR + q·bC]`;
 * `out` is row-major `[· × cols]`. Positional and strided like BLAS: the products call it on
 * every step of a recurrence.
 */
function gemmBlocks(
  a: Float32Array,
  aR: number,
  aC: number,
  b: Float32Array,
  bR: number,
  bC: number,
  out: Float32Array,
  rows4: number,
  inner: number,
  cols: number,
): void {
  for (let p = 0; p < rows4; p += 4) {
    let q = 0;
    for (; q + 3 < cols; q += 4) {
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s03 = 0;
      let s10 = 0;
      let s11 = 0;
      let s12 = 0;
      let s13 = 0;
      let s20 = 0;
      let s21 = 0;
      let s22 = 0;
      let s23 = 0;
      let s30 = 0;
      let s31 = 0;
      let s32 = 0;
      let s33 = 0;
      let ai = p * aR;
      let bi = q * bC;
      for (let t = 0; t < inner; t++, ai += aC, bi += bR) {
        const x0 = a[ai] as number;
        const x1 = a[ai + aR] as number;
        const x2 = a[ai + 2 * aR] as number;
        const x3 = a[ai + 3 * aR] as number;
        const y0 = b[bi] as number;
        const y1 = b[bi + bC] as number;
        const y2 = b[bi + 2 * bC] as number;
        const y3 = b[bi + 3 * bC] as number;
        s00 += x0 * y0;
        s01 += x0 * y1;
        s02 += x0 * y2;
        s03 += x0 * y3;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s12 += x1 * y2;
        s13 += x1 * y3;
        s20 += x2 * y0;
        s21 += x2 * y1;
        s22 += x2 * y2;
        s23 += x2 * y3;
        s30 += x3 * y0;
        s31 += x3 * y1;
        s32 += x3 * y2;
        s33 += x3 * y3;
      }
      const o0 = p * cols + q;
      const o1 = o0 + cols;
      const o2 = o1 + cols;
      const o3 = o2 + cols;
      out[o0] = s00;
      out[o0 + 1] = s01;
      out[o0 + 2] = s02;
      out[o0 + 3] = s03;
      out[o1] = s10;
      out[o1 + 1] = s11;
      out[o1 + 2] = s12;
      out[o1 + 3] = s13;
      out[o2] = s20;
      out[o2 + 1] = s21;
      out[o2 + 2] = s22;
      out[o2 + 3] = s23;
      out[o3] = s30;
      out[o3 + 1] = s31;
      out[o3 + 2] = s32;
      out[o3 + 3] = s33;
    }
    for (; q < cols; q++) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let ai = p * aR;
      let bi = q * bC;
      for (let t = 0; t < inner; t++, ai += aC, bi += bR) {
        const y = b[bi] as number;
        s0 += (a[ai] as number) * y;
        s1 += (a[ai + aR] as number) * y;
        s2 += (a[ai + 2 * aR] as number) * y;
        s3 += (a[ai + 3 * aR] as number) * y;
      }
      out[p * cols + q] = s0;
      out[(p + 1) * cols + q] = s1;
      out[(p + 2) * cols + q] = s2;
      out[(p + 3) * cols + q] = s3;
    }
  }
}

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
  const m4 = m - (m % 4);
  gemmBlocks(a, k, 1, b, n, 1, out, m4, k, n);
  for (let r = m4; r < m; r++) rowTimes(a, b, out, r, k, n);
}

/** Row `r` of `a·b` (`b` is `[k×n]`): eight running sums, eight columns at a time. */
function rowTimes(
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  r: number,
  k: number,
  n: number,
): void {
  const a0 = r * k;
  const o0 = r * n;
  let j = 0;
  for (; j + 7 < n; j += 8) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    let s5 = 0;
    let s6 = 0;
    let s7 = 0;
    for (let i = 0, bi = j; i < k; i++, bi += n) {
      const x = a[a0 + i] as number;
      s0 += x * (b[bi] as number);
      s1 += x * (b[bi + 1] as number);
      s2 += x * (b[bi + 2] as number);
      s3 += x * (b[bi + 3] as number);
      s4 += x * (b[bi + 4] as number);
      s5 += x * (b[bi + 5] as number);
      s6 += x * (b[bi + 6] as number);
      s7 += x * (b[bi + 7] as number);
    }
    out[o0 + j] = s0;
    out[o0 + j + 1] = s1;
    out[o0 + j + 2] = s2;
    out[o0 + j + 3] = s3;
    out[o0 + j + 4] = s4;
    out[o0 + j + 5] = s5;
    out[o0 + j + 6] = s6;
    out[o0 + j + 7] = s7;
  }
  for (; j < n; j++) {
    let s = 0;
    for (let i = 0, bi = j; i < k; i++, bi += n) s += (a[a0 + i] as number) * (b[bi] as number);
    out[o0 + j] = s;
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
  const m4 = m - (m % 4);
  gemmBlocks(a, k, 1, b, 1, k, out, m4, k, n);
  for (let r = m4; r < m; r++) {
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
  // Output rows (a's columns) in 4×4 blocks, summing over a's rows.
  const k4 = k - (k % 4);
  gemmBlocks(a, 1, k, b, n, 1, out, k4, m, n);
  for (let i = k4; i < k; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let r = 0; r < m; r++) s += (a[r * k + i] as number) * (b[r * n + j] as number);
      out[i * n + j] = s;
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

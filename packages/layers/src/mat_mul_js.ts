/**
 * Small matrix products in plain JS on row-major Float32Arrays, for the recurrences of the `'js'`
 * paths. For a few rows (batch 1) a tfjs `matMul` costs more in tensor bookkeeping and read-back
 * than the arithmetic, and the cpu backend's matMul is slower than these loops at any size
 * (PERFORMANCE.md lesson 8). From four rows up, the products run in 4×4 register blocks: sixteen
 * running sums (float64, rounded once) fed by four values of each operand per step, about 4 GFLOP/s
 * in Node 20 here against 2.2–3.3 for the row-at-a-time loops (which stay for one to three rows,
 * where they are as fast: ≈ 10 µs for 1×128 · 128×128).
 */

/**
 * The 4×4-blocked core: `out[p][q] = Σ_t A(p,t)·B(t,q)` for rows `p` in `[0, rows4)` (a multiple
 * of 4) and every column `q < cols`, where `A(p,t) = a[p·aR + t·aC]` and `B(t,q) = b[t·bR + q·bC]`;
 * `out` is row-major `[· × cols]`.
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
  let r = m4;
  // The last rows two at a time: each load of `b` serves two multiply-adds.
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

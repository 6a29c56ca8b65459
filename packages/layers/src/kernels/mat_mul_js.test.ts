import { describe, expect, it } from 'vitest';
import { matMulInto, matMulTransposedA, matMulTransposedB, transposeJs } from './mat_mul_js.js';

// a [2×5], b [5×6]: inner size and output width both leave a remainder after blocks of four.
const a = Float32Array.from([1, 2, 3, -1, 0, 2, 0, 1, 1, -2]);
const b = Float32Array.from([
  1, 0, 2, -1, 3, 1, 0, 1, 1, 2, -2, 0, 4, -1, 0, 1, 1, 2, 1, 1, 1, 1, 1, 1, -1, 2, 0, 0, 1, 3,
]);
/** a·b, worked out independently (Python). */
const ab = [12, -2, 3, 5, 1, 6, 9, -4, 5, 0, 6, -1];

describe('matMulInto', () => {
  it('computes a·b', () => {
    const out = new Float32Array(12);
    matMulInto(a, b, out, 2, 5, 6);
    expect(Array.from(out)).toEqual(ab);
  });

  it('overwrites only the first m rows', () => {
    const out = new Float32Array(12).fill(9);
    matMulInto(a, b, out, 1, 5, 6);
    expect(Array.from(out)).toEqual([...ab.slice(0, 6), 9, 9, 9, 9, 9, 9]);
  });
});

describe('matMulTransposedB', () => {
  it('computes a·b from bᵀ', () => {
    const out = new Float32Array(12);
    matMulTransposedB(a, transposeJs(b, 5, 6), out, 2, 5, 6);
    expect(Array.from(out)).toEqual(ab);
  });
});

describe('matMulTransposedA', () => {
  it('computes aᵀ·c, summing over the rows', () => {
    // aᵀ [5×2] · c [2×1] with c = [1, 2]: column sums a[0,i] + 2·a[1,i]
    expect(Array.from(matMulTransposedA(a, Float32Array.from([1, 2]), 2, 5, 1))).toEqual([5, 2, 5, 1, -4]);
  });
});

describe('matMulInto with blocks of two rows', () => {
  it('computes 3 rows (one pair and a remainder) like three single-row products', () => {
    const a3 = Float32Array.from([...a, 2, -1, 0, 3, 1]);
    const out = new Float32Array(18);
    matMulInto(a3, b, out, 3, 5, 6);
    const last = new Float32Array(6);
    matMulInto(a3.subarray(10), b, last, 1, 5, 6);
    expect(Array.from(out)).toEqual([...ab, ...last]);
  });
});

describe('matMulTransposedA with blocks of four rows', () => {
  it('equals the sum of outer products row by row (7 rows: one block and a remainder)', () => {
    const m = 7;
    const k = 3;
    const n = 5;
    const x = Float32Array.from({ length: m * k }, (_, i) => ((i * 7) % 5) - 2);
    const y = Float32Array.from({ length: m * n }, (_, i) => ((i * 3) % 7) - 3);
    const expected = new Array<number>(k * n).fill(0);
    for (let r = 0; r < m; r++)
      for (let i = 0; i < k; i++)
        for (let j = 0; j < n; j++)
          expected[i * n + j] =
            (expected[i * n + j] as number) + (x[r * k + i] as number) * (y[r * n + j] as number);
    expect(Array.from(matMulTransposedA(x, y, m, k, n))).toEqual(expected);
  });
});

describe('transposeJs', () => {
  it('transposes a row-major matrix', () => {
    expect(Array.from(transposeJs(Float32Array.from([1, 2, 3, 4, 5, 6]), 2, 3))).toEqual([1, 4, 2, 5, 3, 6]);
  });
});

describe('every block and remainder path', () => {
  // Sizes that exercise the 4×4 blocks, the 2×4 and 1×8 row kernels, and every remainder of
  // rows, inner size and columns; each product is checked against a plain float64 triple loop.
  const rng = (seed: number) => (): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32 - 0.5;
  };
  const cases: [number, number, number][] = [];
  for (const m of [1, 2, 3, 4, 5, 6, 7, 9])
    for (const k of [1, 3, 8, 13]) for (const n of [1, 4, 7, 9, 17]) cases.push([m, k, n]);

  it.each(cases)('m=%i k=%i n=%i', (m, k, n) => {
    const next = rng(m * 1000 + k * 100 + n);
    const a = Float32Array.from({ length: m * k }, next);
    const b = Float32Array.from({ length: k * n }, next);
    const want = new Float64Array(m * n);
    for (let r = 0; r < m; r++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let i = 0; i < k; i++) s += a[r * k + i]! * b[i * n + j]!;
        want[r * n + j] = s;
      }
    const close = (got: ArrayLike<number>, expected: ArrayLike<number>): void => {
      expect(got.length).toBe(expected.length);
      for (let i = 0; i < expected.length; i++) expect(Math.abs(got[i]! - expected[i]!)).toBeLessThan(1e-5);
    };
    // Rows past m are left alone.
    const out = new Float32Array((m + 1) * n).fill(7);
    matMulInto(a, b, out, m, k, n);
    close(out.subarray(0, m * n), want);
    expect(Array.from(out.subarray(m * n))).toEqual(new Array<number>(n).fill(7));
    const outT = new Float32Array(m * n);
    matMulTransposedB(a, transposeJs(b, k, n), outT, m, k, n);
    close(outT, want);
    // aᵀ·c for a [m×k], c [m×n]: (aᵀ·c)[i][j] = Σ_r a[r][i]·c[r][j].
    const c = Float32Array.from({ length: m * n }, next);
    const wantT = new Float64Array(k * n);
    for (let i = 0; i < k; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let r = 0; r < m; r++) s += a[r * k + i]! * c[r * n + j]!;
        wantT[i * n + j] = s;
      }
    close(matMulTransposedA(a, c, m, k, n), wantT);
  });
});

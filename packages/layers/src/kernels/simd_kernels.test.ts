import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KERNELS_RELAXED_WASM_BASE64, KERNELS_WASM_BASE64 } from './kernels_wasm.js';
import { decodeBase64, setSimdKernels, SimdKernels, simdKernels, simdKernelVariant } from './simd_kernels.js';

/** Deterministic values in [−1, 1). */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** `C (+)= A·B` in float64, A read with strides (rsA, csA). */
function reference(
  A: Float32Array,
  B: Float32Array,
  C0: Float32Array,
  m: number,
  k: number,
  n: number,
  rsA: number,
  csA: number,
  ldb: number,
  ldc: number,
  accumulate: boolean,
): Float64Array {
  const C = new Float64Array(m * ldc);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = accumulate ? (C0[i * ldc + j] as number) : 0;
      for (let p = 0; p < k; p++) s += (A[i * rsA + p * csA] as number) * (B[p * ldb + j] as number);
      C[i * ldc + j] = s;
    }
  return C;
}

describe('SIMD kernels', () => {
  const simd = SimdKernels.create();

  it('compile here (Node 20 has WebAssembly SIMD)', () => {
    expect(simd).toBeDefined();
  });

  // Every register-block path: 4×8, 4×4, 4×1, 1×32, 1×8, 1×4, 1×1, with k = 0 and 1.
  const shapes: [number, number, number][] = [];
  for (const m of [1, 2, 3, 4, 5, 7, 8, 9, 64])
    for (const n of [1, 3, 4, 5, 8, 9, 12, 13, 17, 45, 512])
      for (const k of [0, 1, 6, 128]) shapes.push([m, k, n]);

  it.each([false, true])(
    'gemm (accumulate: %s) equals a float64 product: 360 shapes, plain, transposed and strided A',
    (acc) => {
      const kernels = simd as SimdKernels;
      let worst = 0;
      let checked = 0;
      for (const [m, k, n] of shapes) {
        for (const layout of ['rows', 'transposed', 'strided'] as const) {
          const pad = layout === 'strided' ? 3 : 0;
          const ldb = n + pad;
          const ldc = n + pad;
          // rows: A is [m, k] row-major; transposed: A is given as its [k, m] transpose.
          const [rsA, csA] = layout === 'transposed' ? [1, m] : [k + pad, 1];
          const A = values(Math.max(1, layout === 'transposed' ? k * m : m * (k + pad)), m * 31 + k);
          const B = values(Math.max(1, k * ldb), n * 17 + k);
          const C0 = values(m * ldc, m + n);
          kernels.begin();
          const a = kernels.put(A);
          const b = kernels.put(B);
          const c = kernels.put(C0);
          kernels.gemm(a, b, c, m, k, n, rsA, csA, ldb, ldc, acc);
          const got = kernels.view(c, m * ldc);
          const want = reference(A, B, C0, m, k, n, rsA, csA, ldb, ldc, acc);
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              const e = Math.abs((got[i * ldc + j] as number) - (want[i * ldc + j] as number));
              worst = Math.max(worst, e / Math.max(1, Math.sqrt(k)));
            }
            // Padding columns of C are never written.
            for (let j = n; j < ldc; j++) expect(got[i * ldc + j]).toBe(C0[i * ldc + j]);
          }
          checked++;
        }
      }
      expect(checked).toBe(shapes.length * 3);
      expect(checked).toBe(396 * 3);
      // float32 sums: error grows like √k · 2^-24 · |terms|.
      expect(worst).toBeLessThan(2e-6);
    },
  );

  it.each([
    [1, 1],
    [3, 5],
    [2, 8],
    [5, 13],
    [64, 128],
  ])('lstmForward and lstmBackward equal the float64 formulas (%i rows × %i units)', (rows, H) => {
    const kernels = simd as SimdKernels;
    const G = 4 * H;
    const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
    kernels.begin();
    const preData = values(rows * G, 7).map((v) => v * 6);
    const biasData = values(G, 8);
    const cPrevData = values(rows * H, 9);
    const pre = kernels.put(preData);
    const bias = kernels.put(biasData);
    const cPrev = kernels.put(cPrevData);
    const [cNext, hNext, tanhC] = [0, 1, 2].map(() => kernels.alloc(rows * H)) as [number, number, number];
    const acts = kernels.alloc(rows * G);
    const dhData = values(rows * H, 10);
    const dcData = values(rows * H, 11);
    const dh = kernels.put(dhData);
    const dc = kernels.put(dcData);
    const dz = kernels.alloc(rows * G);
    const db = kernels.put(new Float32Array(G).fill(0.5));
    kernels.lstmForward(pre, bias, cPrev, cNext, hNext, acts, tanhC, rows, H);
    kernels.lstmBackward(acts, tanhC, cPrev, dh, dc, dz, db, rows, H);
    const view = (at: number, n: number): Float32Array => kernels.view(at, n);
    let forward = 0;
    let backward = 0;
    const dbWant = new Float64Array(G).fill(0.5);
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < H; j++) {
        const z = (k: number): number =>
          (preData[r * G + k * H + j] as number) + (biasData[k * H + j] as number);
        const [i, f, g, o] = [sigmoid(z(0)), sigmoid(z(1)), Math.tanh(z(2)), sigmoid(z(3))];
        const c = f * (cPrevData[r * H + j] as number) + i * g;
        const tc = Math.tanh(c);
        const got = (at: number, width: number, k = 0): number =>
          view(at, rows * width)[r * width + k * H + j] as number;
        for (const [have, want] of [
          [got(acts, G, 0), i],
          [got(acts, G, 1), f],
          [got(acts, G, 2), g],
          [got(acts, G, 3), o],
          [got(cNext, H), c],
          [got(tanhC, H), tc],
          [got(hNext, H), o * tc],
        ] as const)
          forward = Math.max(forward, Math.abs(have - want));
        const dhj = dhData[r * H + j] as number;
        const dcj = (dcData[r * H + j] as number) + dhj * o * (1 - tc * tc);
        const want = [
          dcj * g * i * (1 - i),
          dcj * (cPrevData[r * H + j] as number) * f * (1 - f),
          dcj * i * (1 - g * g),
          dhj * tc * o * (1 - o),
        ];
        want.forEach((w, k) => {
          backward = Math.max(backward, Math.abs(got(dz, G, k) - w));
          dbWant[k * H + j] = (dbWant[k * H + j] as number) + w;
        });
        backward = Math.max(backward, Math.abs(got(dc, H) - dcj * f));
      }
    const dbGot = view(db, G);
    for (let k = 0; k < G; k++)
      backward = Math.max(backward, Math.abs((dbGot[k] as number) - (dbWant[k] as number)) / rows);
    // The forward's gates come from the float32 rational tanh; the backward reuses them exactly.
    expect(forward).toBeLessThan(5e-7);
    expect(backward).toBeLessThan(5e-6);
  });

  it.each([1, 3, 4, 9, 512])('addRows scatter-adds rows of width %i onto their indexed rows', (width) => {
    const kernels = simd as SimdKernels;
    kernels.begin();
    const index = [2, 0, 2, 3, 2];
    const srcData = values(index.length * width, width);
    const dstData = values(4 * width, width + 1);
    const src = kernels.put(srcData);
    const dst = kernels.put(dstData);
    const at = kernels.alloc(index.length);
    kernels.intView(at, index.length).set(index);
    kernels.addRows(src, dst, at, index.length, width);
    const want = Float64Array.from(dstData);
    index.forEach((r, i) => {
      for (let j = 0; j < width; j++)
        want[r * width + j] = (want[r * width + j] as number) + (srcData[i * width + j] as number);
    });
    const got = kernels.view(dst, 4 * width);
    let worst = 0;
    for (let k = 0; k < 4 * width; k++)
      worst = Math.max(worst, Math.abs((got[k] as number) - (want[k] as number)));
    expect(worst).toBeLessThan(1e-6);
    // Row 1 has no source row: untouched.
    expect(Array.from(got.subarray(width, 2 * width))).toEqual(
      Array.from(dstData.subarray(width, 2 * width)),
    );
  });

  it.each([
    [1, 1],
    [3, 5],
    [4, 8],
    [2, 13],
  ])('the GRU gate kernels equal the float64 formulas (%i rows × %i units)', (rows, H) => {
    const kernels = simd as SimdKernels;
    const gru = kernels.gru;
    const G = 3 * H;
    const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
    kernels.begin();
    const data = {
      pre: values(rows * G, 21).map((v) => v * 3),
      rec: values(rows * G, 22).map((v) => v * 2),
      bias: values(2 * G, 23),
      hin: values(rows * H, 24),
      hprev: values(rows * H, 25),
      dh: values(rows * H, 26),
      drh: values(rows * H, 27),
    };
    const at = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, kernels.put(v)])) as Record<
      keyof typeof data,
      number
    >;
    const [acts, aux, hnext, dzx, drec] = [G, H, H, G, G].map((w) => kernels.alloc(rows * w)) as number[];
    const db = kernels.put(new Float32Array(2 * G));
    const read = (offset: number, width: number, r: number, k: number, j: number): number =>
      kernels.view(offset as number, rows * width)[r * width + k * H + j] as number;
    const d = (name: keyof typeof data, width: number, r: number, k: number, j: number): number =>
      data[name][r * width + k * H + j] as number;
    let worst = 0;
    const check = (have: number, want: number): void => void (worst = Math.max(worst, Math.abs(have - want)));
    // Without reset-after: z, r, aux = r·hin, then h̃ and the new state.
    gru.zr(at.pre, at.bias, at.hin, acts as number, aux as number, rows, H);
    gru.h(at.pre, at.bias, at.hprev, acts as number, hnext as number, rows, H);
    const dbWant = new Float64Array(2 * G);
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < H; j++) {
        const z = sigmoid(d('pre', G, r, 0, j) + (data.bias[j] as number));
        const rg = sigmoid(d('pre', G, r, 1, j) + (data.bias[H + j] as number));
        const hh = Math.tanh(d('pre', G, r, 2, j) + (data.bias[2 * H + j] as number));
        check(read(acts as number, G, r, 0, j), z);
        check(read(acts as number, G, r, 1, j), rg);
        check(read(acts as number, G, r, 2, j), hh);
        check(read(aux as number, H, r, 0, j), rg * d('hin', H, r, 0, j));
        check(read(hnext as number, H, r, 0, j), hh + z * (d('hprev', H, r, 0, j) - hh));
      }
    // Its backward, from the gates just computed.
    const gates = kernels.view(acts as number, rows * G).slice();
    gru.backA(acts as number, at.hprev, at.dh, dzx as number, db, rows, H);
    gru.backB(acts as number, at.hin, at.drh, dzx as number, db, rows, H);
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < H; j++) {
        const [z, rg, hh] = [0, 1, 2].map((k) => gates[r * G + k * H + j] as number) as [
          number,
          number,
          number,
        ];
        const dhj = d('dh', H, r, 0, j);
        const dz = dhj * (d('hprev', H, r, 0, j) - hh) * z * (1 - z);
        const dah = dhj * (1 - z) * (1 - hh * hh);
        const dr = d('drh', H, r, 0, j) * d('hin', H, r, 0, j) * rg * (1 - rg);
        check(read(dzx as number, G, r, 0, j), dz);
        check(read(dzx as number, G, r, 1, j), dr);
        check(read(dzx as number, G, r, 2, j), dah);
        check(read(at.dh, H, r, 0, j), dhj * z);
        check(read(at.drh, H, r, 0, j), d('drh', H, r, 0, j) * rg);
        dbWant[j] = (dbWant[j] as number) + dz;
        dbWant[H + j] = (dbWant[H + j] as number) + dr;
        dbWant[2 * H + j] = (dbWant[2 * H + j] as number) + dah;
      }
    // Reset-after, forward and backward (bias [2 × 3H]: b, then the recurrent bias).
    const dhBefore = kernels.view(at.dh, rows * H).slice();
    gru.resetAfter(
      at.pre,
      at.rec,
      at.bias,
      at.hprev,
      acts as number,
      aux as number,
      hnext as number,
      rows,
      H,
    );
    gru.backResetAfter(
      acts as number,
      aux as number,
      at.hprev,
      at.dh,
      dzx as number,
      drec as number,
      db,
      rows,
      H,
    );
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < H; j++) {
        const pre = (k: number): number =>
          d('pre', G, r, k, j) +
          (data.bias[k * H + j] as number) +
          (k < 2 ? d('rec', G, r, k, j) + (data.bias[G + k * H + j] as number) : 0);
        const z = sigmoid(pre(0));
        const rg = sigmoid(pre(1));
        const a = d('rec', G, r, 2, j) + (data.bias[G + 2 * H + j] as number);
        const hh = Math.tanh(pre(2) + rg * a);
        check(read(aux as number, H, r, 0, j), a);
        check(read(hnext as number, H, r, 0, j), hh + z * (d('hprev', H, r, 0, j) - hh));
        const dhj = dhBefore[r * H + j] as number;
        const dz = dhj * (d('hprev', H, r, 0, j) - hh) * z * (1 - z);
        const dah = dhj * (1 - z) * (1 - hh * hh);
        const dr = dah * a * rg * (1 - rg);
        [dz, dr, dah].forEach((w, k) => {
          check(read(dzx as number, G, r, k, j), w);
          dbWant[k * H + j] = (dbWant[k * H + j] as number) + w;
        });
        [dz, dr, dah * rg].forEach((w, k) => {
          check(read(drec as number, G, r, k, j), w);
          dbWant[G + k * H + j] = (dbWant[G + k * H + j] as number) + w;
        });
        check(read(at.dh, H, r, 0, j), dhj * z);
      }
    const dbGot = kernels.view(db, 2 * G);
    for (let k = 0; k < 2 * G; k++) check((dbGot[k] as number) / rows, (dbWant[k] as number) / rows);
    // Gates from the float32 rational tanh (< 3e-7); gradients then reuse them.
    expect(worst).toBeLessThan(2e-6);
  });

  it.each([1, 3, 4, 9, 130])('mul, mulAdd and add over %i floats', (n) => {
    const kernels = simd as SimdKernels;
    kernels.begin();
    const [aData, bData, dData] = [values(n, 31), values(n, 32), values(n, 33)];
    const [a, b, d] = [aData, bData, dData].map((v) => kernels.put(v)) as [number, number, number];
    const out = kernels.alloc(n);
    kernels.mul(out, a, b, n);
    expect(Array.from(kernels.view(out, n))).toEqual(
      Array.from(aData, (x, i) => Math.fround(x * (bData[i] as number))),
    );
    kernels.mulAdd(d, a, b, n);
    const afterMulAdd = Array.from(dData, (x, i) => x + (aData[i] as number) * (bData[i] as number));
    kernels.view(d, n).forEach((v, i) => expect(Math.abs(v - (afterMulAdd[i] as number))).toBeLessThan(1e-6));
    kernels.add(d, a, n);
    kernels
      .view(d, n)
      .forEach((v, i) =>
        expect(Math.abs(v - (afterMulAdd[i] as number) - (aData[i] as number))).toBeLessThan(1e-6),
      );
  });

  it.each([
    [1, 1],
    [3, 5],
    [4, 8],
    [7, 13],
    [5, 4],
    [9, 6],
    [128, 128],
    [128, 512],
    [512, 130],
  ])('transpose and putTransposed of a %i × %i matrix', (rows, cols) => {
    const kernels = simd as SimdKernels;
    kernels.begin();
    const data = values(rows * cols, rows + cols);
    const at = kernels.putTransposed(data, rows, cols);
    const got = kernels.view(at, rows * cols);
    let wrong = 0;
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) if (got[c * rows + r] !== data[r * cols + c]) wrong++;
    expect(wrong).toBe(0);
  });

  it.each([
    [1, 1],
    [3, 5],
    [2, 8],
    [64, 128],
  ])('rnnForward and rnnBackward equal the float64 formulas (%i rows × %i units)', (rows, H) => {
    const kernels = simd as SimdKernels;
    kernels.begin();
    const preData = values(rows * H, 21).map((v) => v * 9);
    const biasData = values(H, 22);
    const dhData = values(rows * H, 23);
    const pre = kernels.put(preData);
    const bias = kernels.put(biasData);
    const hNext = kernels.alloc(rows * H);
    const dh = kernels.put(dhData);
    const da = kernels.alloc(rows * H);
    const db = kernels.put(new Float32Array(H).fill(0.25));
    kernels.rnnForward(pre, bias, hNext, rows, H);
    kernels.rnnBackward(hNext, dh, da, db, rows, H);
    const h = kernels.view(hNext, rows * H);
    const daView = kernels.view(da, rows * H);
    const dbWant = new Float64Array(H).fill(0.25);
    let forward = 0;
    let backward = 0;
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < H; j++) {
        const want = Math.tanh((preData[r * H + j] as number) + (biasData[j] as number));
        forward = Math.max(forward, Math.abs((h[r * H + j] as number) - want));
        // The backward reads the kernel's own h, as the recurrence does.
        const hj = h[r * H + j] as number;
        const daWant = (dhData[r * H + j] as number) * (1 - hj * hj);
        backward = Math.max(backward, Math.abs((daView[r * H + j] as number) - daWant));
        dbWant[j] = (dbWant[j] as number) + daWant;
      }
    expect(forward).toBeLessThan(5e-7);
    expect(backward).toBeLessThan(2e-7);
    const dbView = kernels.view(db, H);
    for (let j = 0; j < H; j++)
      expect(Math.abs((dbView[j] as number) - (dbWant[j] as number))).toBeLessThan(1e-5);
  });

  it.each([false, true])(
    'packPanels + gemmPacked (accumulate: %s) equal gemm bit for bit, B packed from rows and from a transpose',
    (acc) => {
      const kernels = simd as SimdKernels;
      let checked = 0;
      for (const m of [1, 2, 3, 4, 5, 7, 9, 64])
        for (const n of [8, 16, 24, 32, 40, 56, 64, 72, 1024])
          for (const k of [0, 1, 6, 128])
            for (const from of ['rows', 'transpose'] as const) {
              const ldc = n + 3;
              const A = values(Math.max(1, m * k), m * 7 + k);
              const B = values(Math.max(1, k * n), n * 5 + k); // row-major [k×n], or its [n×k] transpose
              const C0 = values(m * ldc, m + n + k);
              kernels.begin();
              const a = kernels.put(A);
              const b = kernels.put(B);
              const bRows = from === 'rows' ? b : kernels.alloc(Math.max(1, k * n)); // B row-major for gemm
              if (from === 'transpose') kernels.transpose(b, bRows, n, k);
              const bp =
                from === 'rows' ? kernels.putPanels(b, k, n, n, 1) : kernels.putPanels(b, k, n, 1, k);
              const c1 = kernels.put(C0);
              const c2 = kernels.put(C0);
              kernels.gemm(a, bRows, c1, m, k, n, k, 1, n, ldc, acc);
              kernels.gemmPacked(a, bp, c2, m, k, n, k, ldc, acc);
              expect(Array.from(kernels.view(c2, m * ldc))).toEqual(Array.from(kernels.view(c1, m * ldc)));
              checked++;
            }
      expect(checked).toBe(8 * 9 * 4 * 2);
    },
  );

  it('gemmPackedStrided equals a float64 product for a transposed A (rsA = 1)', () => {
    const kernels = simd as SimdKernels;
    const [m, k, n] = [13, 9, 40];
    const A = values(k * m, 3); // A given as its [k×m] transpose
    const B = values(k * n, 4);
    const C0 = values(m * n, 5);
    kernels.begin();
    const a = kernels.put(A);
    const bp = kernels.putPanels(kernels.put(B), k, n, n, 1);
    const c = kernels.put(C0);
    kernels.gemmPackedStrided(a, bp, c, m, k, n, 1, m, n, true);
    const want = reference(A, B, C0, m, k, n, 1, m, n, n, true);
    const got = kernels.view(c, m * n);
    for (let i = 0; i < m * n; i++)
      expect(Math.abs((got[i] as number) - (want[i] as number))).toBeLessThan(1e-5);
  });

  it('packPanels lays out panels of 8 columns, zero past the last column', () => {
    const kernels = simd as SimdKernels;
    const [k, n] = [3, 11];
    const B = Float32Array.from({ length: k * n }, (_, i) => i + 1);
    kernels.begin();
    const bp = kernels.putPanels(kernels.put(B), k, n, n, 1);
    const got = Array.from(kernels.view(bp, 2 * k * 8));
    const want: number[] = [];
    for (let j = 0; j < 2; j++)
      for (let p = 0; p < k; p++)
        for (let q = 0; q < 8; q++) want.push(8 * j + q < n ? p * n + 8 * j + q + 1 : 0);
    expect(got).toEqual(want);
  });

  it.each([false, true])(
    'gemmPacked (accumulate: %s) equals gemm bit for bit: every row-block tail, strided A and C',
    (acc) => {
      const kernels = simd as SimdKernels;
      // Tails of 1, 2 and 3 rows over 1 to 64 panels (the tails take 4, 2 and 1 panels at a time).
      for (const m of [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 64, 67])
        for (const n of [8, 16, 24, 40, 56, 512])
          for (const k of [0, 1, 6, 128]) {
            kernels.begin();
            const lda = k + 3;
            const ldc = n + 5;
            const A = kernels.put(values(Math.max(1, m * lda), m * 7 + k));
            const data = values(k * n, n + k);
            const B = kernels.put(data);
            const packed = kernels.putPanels(B, k, n, n, 1);
            const C0 = values(Math.max(1, m * ldc), 5 + n);
            const plain = kernels.put(C0);
            const fast = kernels.put(C0);
            kernels.gemm(A, B, plain, m, k, n, lda, 1, n, ldc, acc);
            kernels.gemmPacked(A, packed, fast, m, k, n, lda, ldc, acc);
            expect(kernels.view(fast, C0.length)).toEqual(kernels.view(plain, C0.length));
          }
    },
  );

  it('gatherSumRows adds two row gathers', () => {
    const kernels = simd as SimdKernels;
    for (const width of [1, 5, 8, 13]) {
      kernels.begin();
      const aData = values(4 * width, width);
      const bData = values(6 * width, width + 1);
      const a = kernels.put(aData);
      const b = kernels.put(bData);
      const ia = [3, 0, 0, 2, 1];
      const ib = [5, 5, 1, 0, 4];
      const ias = kernels.alloc(ia.length);
      const ibs = kernels.alloc(ib.length);
      kernels.intView(ias, ia.length).set(ia);
      kernels.intView(ibs, ib.length).set(ib);
      const dst = kernels.alloc(ia.length * width);
      kernels.gatherSumRows(a, ias, b, ibs, dst, ia.length, width);
      const got = kernels.view(dst, ia.length * width);
      ia.forEach((ra, i) => {
        for (let j = 0; j < width; j++)
          expect(got[i * width + j]).toBe(
            Math.fround((aData[ra * width + j] as number) + (bData[(ib[i] as number) * width + j] as number)),
          );
      });
    }
  });

  it('gatherRows copies the indexed rows into a strided destination, leaving the rest alone', () => {
    const kernels = simd as SimdKernels;
    for (const width of [1, 3, 4, 9, 64]) {
      kernels.begin();
      const srcData = values(7 * width, width);
      const src = kernels.put(srcData);
      const rows = [6, 0, 3, 3, 1];
      const index = kernels.alloc(rows.length);
      kernels.intView(index, rows.length).set(rows);
      const ldd = width + 2;
      const before = values(rows.length * ldd, 99);
      const dst = kernels.put(before);
      kernels.gatherRows(src, index, dst, rows.length, width, ldd);
      const got = kernels.view(dst, rows.length * ldd);
      rows.forEach((r, i) => {
        expect(Array.from(got.subarray(i * ldd, i * ldd + width))).toEqual(
          Array.from(srcData.subarray(r * width, (r + 1) * width)),
        );
        expect(Array.from(got.subarray(i * ldd + width, (i + 1) * ldd))).toEqual(
          Array.from(before.subarray(i * ldd + width, (i + 1) * ldd)),
        );
      });
    }
  });

  it('keeps its data when the arena grows, and begin() starts a new generation', () => {
    const kernels = simd as SimdKernels;
    kernels.begin();
    const generation = kernels.generation;
    const data = values(1000, 5);
    const at = kernels.put(data);
    kernels.alloc(4_000_000); // 16 MB: grows the memory
    expect(Array.from(kernels.view(at, 1000))).toEqual(Array.from(data));
    expect(at % 4).toBe(0);
    kernels.begin();
    expect(kernels.generation).toBe(generation + 1);
    expect(kernels.alloc(3)).toBe(0);
    expect(kernels.alloc(1)).toBe(4); // 16-byte aligned
  });

  it('hold: begin() evicts holds that are not sticky, keeps sticky ones below new runs, and release() frees them', () => {
    const kernels = simd as SimdKernels;
    const evicted: string[] = [];
    kernels.begin();
    const at = kernels.put(Float32Array.from([1, 2, 3]));
    const a = kernels.hold(() => evicted.push(`a saw ${Array.from(kernels.view(at, 3)).join(',')}`));
    expect(kernels.holds(a)).toBe(true);
    kernels.begin();
    expect(evicted).toEqual(['a saw 1,2,3']); // evicted before the arena was reused
    expect(kernels.holds(a)).toBe(false);
    expect(kernels.alloc(1)).toBe(0);

    // Sticky: kept, and the next run starts above it.
    kernels.begin();
    const b0 = kernels.put(Float32Array.from([7, 8, 9, 10, 11]));
    const b = kernels.hold(() => evicted.push('b'), true);
    kernels.begin();
    const c0 = kernels.alloc(4);
    expect(c0).toBeGreaterThanOrEqual(b0 + 5);
    const c = kernels.hold(() => evicted.push('c'), true);
    kernels.begin();
    expect(kernels.holds(b) && kernels.holds(c)).toBe(true);
    expect(Array.from(kernels.view(b0, 5))).toEqual([7, 8, 9, 10, 11]);
    expect(evicted).toEqual(['a saw 1,2,3']);
    kernels.release(c);
    kernels.release(b);
    kernels.begin();
    expect(kernels.alloc(1)).toBe(0); // nothing held: the arena starts at 0 again

    // Over the limits, sticky holds are evicted too.
    const limit = kernels.stickyHoldLimit;
    kernels.stickyHoldLimit = 0;
    const d = kernels.hold(() => evicted.push('d'), true);
    kernels.begin();
    kernels.stickyHoldLimit = limit;
    expect(kernels.holds(d)).toBe(false);
    expect(evicted).toEqual(['a saw 1,2,3', 'd']);
  });

  it('setSimdKernels switches the shared kernels off, to plain SIMD and back to the best', () => {
    const best = simdKernelVariant();
    expect(setSimdKernels(false)).toBe(false);
    expect(simdKernels()).toBeUndefined();
    expect(simdKernelVariant()).toBe('off');
    expect(setSimdKernels('plain')).toBe(true);
    expect(simdKernelVariant()).toBe('simd');
    expect(setSimdKernels(true)).toBe(true);
    expect(simdKernels()).toBeInstanceOf(SimdKernels);
    expect(simdKernelVariant()).toBe(best);
  });

  it('decodeBase64 equals Buffer for every length remainder, and names a bad character', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + n * 13) & 0xff);
      const text = Buffer.from(bytes).toString('base64');
      expect(Array.from(decodeBase64(text))).toEqual(Array.from(bytes));
    }
    expect(decodeBase64(KERNELS_WASM_BASE64).length).toBe(Buffer.from(KERNELS_WASM_BASE64, 'base64').length);
    expect(() => decodeBase64('AB*D')).toThrow('invalid base64 character at 2');
  });

  it('the embedded modules are the ones scripts/build-wasm.mjs makes from its text', async () => {
    // @ts-expect-error: an untyped build script of the repository
    const build = (await import('../../scripts/build-wasm.mjs')) as {
      compileKernels: () => Promise<{ wat: string; bytes: Uint8Array; relaxedBytes: Uint8Array }>;
      kernelsTs: (bytes: Uint8Array, relaxedBytes: Uint8Array) => string;
    };
    const { wat, bytes, relaxedBytes } = await build.compileKernels();
    expect(Buffer.from(bytes).toString('base64')).toBe(KERNELS_WASM_BASE64);
    expect(Buffer.from(relaxedBytes).toString('base64')).toBe(KERNELS_RELAXED_WASM_BASE64);
    expect(readFileSync(new URL('./kernels.wat', import.meta.url), 'utf8')).toBe(wat);
    expect(readFileSync(new URL('./kernels_wasm.ts', import.meta.url), 'utf8')).toBe(
      build.kernelsTs(bytes, relaxedBytes),
    );
  });
});

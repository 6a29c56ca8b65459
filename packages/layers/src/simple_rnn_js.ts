import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './custom_op.js';
import {
  JS_MATMUL_MAX_MULTIPLY_ADDS,
  matMulInto,
  matMulTransposedA,
  matMulTransposedB,
  transposeJs,
} from './mat_mul_js.js';
import { keepForBackward } from './keep_for_backward.js';
import type { SequenceShape } from './sequence_shape.js';

/**
 * The tutorial RNN for backends where reading tensors back is cheap (`cpu`, `wasm`): the input
 * projection `x·Wx` of every step is one `matMul`; the recurrence and its backpropagation through
 * time run in JS on Float32Arrays; the weight gradients are again one `matMul` each over all
 * steps. Those big products are tfjs ops on wasm and JS loops on cpu. Same function as
 * {@link simpleRnnReference}.
 *
 * Rows are processed longest first, so the sequences still running at step `t` are the first
 * `running[t]` rows and padding costs no recurrent arithmetic.
 * @internal
 */
export function simpleRnnJs(
  x: tf.Tensor2D,
  Wx: tf.Tensor2D,
  Wh: tf.Tensor2D,
  b: tf.Tensor1D,
  sequences: SequenceShape,
): tf.Tensor2D {
  const { lengths, batchSize: B, maxLen: T } = sequences;
  const [E, H] = Wx.shape;
  const N = B * T;
  const order = Int32Array.from({ length: B }, (_, r) => r).sort(
    (p, q) => (lengths[q] as number) - (lengths[p] as number) || p - q,
  );
  const running = new Int32Array(T);
  for (const r of order)
    for (let t = 0; t < (lengths[r] as number); t++) running[t] = (running[t] as number) + 1;
  // The cpu backend's matMul is slower than the JS loops at any size (PERFORMANCE.md lesson 8):
  // there every product is done in JS.
  const onCpu = tf.getBackend() === 'cpu';
  const inJs = (rows: number): boolean => onCpu || rows * H * H <= JS_MATMUL_MAX_MULTIPLY_ADDS;

  return customOp(
    [x, Wx, Wh, b] as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D],
    ([x, Wx, Wh, b]) => {
      const xData = x.dataSync() as Float32Array;
      const WxKept = keepForBackward(Wx);
      const xWx = inputProjection(x, xData, Wx, onCpu); // [N, H], row r*T + t
      const bias = b.dataSync() as Float32Array;
      const WhData = Wh.dataSync() as Float32Array;

      // h[t] (t = 0..T) is the state entering step t, rows in `order`; h[0] = 0.
      const h = new Float32Array((T + 1) * B * H);
      const hWh = new Float32Array(B * H);
      for (let t = 0; t < T; t++) {
        const rows = running[t] as number;
        if (rows === 0) break;
        const hPrev = h.subarray(t * B * H);
        const hNext = h.subarray((t + 1) * B * H);
        if (inJs(rows)) matMulInto(hPrev, WhData, hWh, rows, H, H);
        else readProduct(hPrev, rows, H, Wh, hWh);
        for (let i = 0; i < rows; i++) {
          const step = ((order[i] as number) * T + t) * H;
          for (let j = 0; j < H; j++) {
            hNext[i * H + j] = Math.tanh(
              (xWx[step + j] as number) + (hWh[i * H + j] as number) + (bias[j] as number),
            );
          }
        }
      }

      const last = new Float32Array(B * H);
      for (let i = 0; i < B; i++) {
        const from = (lengths[order[i] as number] as number) * B * H + i * H;
        last.set(h.subarray(from, from + H), (order[i] as number) * H);
      }

      const gradFunc = (dy: tf.Tensor2D): tf.Tensor[] => {
        const dyData = dy.dataSync() as Float32Array;
        // dh: gradient reaching the state entering the current step, rows in `order`.
        const dh = new Float32Array(B * H);
        for (let i = 0; i < B; i++)
          dh.set(dyData.subarray((order[i] as number) * H, (order[i] as number) * H + H), i * H);
        const da = new Float32Array(B * H); // gradient at one step's pre-activation
        const dA = new Float32Array(N * H); // ... at every step's, row r*T + t (0 on padding)
        const hPrevAll = new Float32Array(N * H); // h_{t-1} of every step, row r*T + t
        let WhT: tf.Tensor2D | undefined;
        for (let t = T - 1; t >= 0; t--) {
          const rows = running[t] as number;
          if (rows === 0) continue;
          const hPrev = h.subarray(t * B * H);
          const hNext = h.subarray((t + 1) * B * H);
          for (let i = 0; i < rows; i++) {
            const n = (order[i] as number) * T + t;
            for (let j = 0; j < H; j++) {
              const hj = hNext[i * H + j] as number;
              const g = (dh[i * H + j] as number) * (1 - hj * hj);
              da[i * H + j] = g;
              dA[n * H + j] = g;
            }
            hPrevAll.set(hPrev.subarray(i * H, i * H + H), n * H);
          }
          // dh_{t-1} = da·Whᵀ. Rows past their last step keep dh: their state was carried through.
          if (inJs(rows)) matMulTransposedB(da, WhData, dh, rows, H, H);
          else readProduct(da, rows, H, (WhT ??= tf.keep(tf.transpose(tf.tensor2d(WhData, [H, H])))), dh);
        }
        WhT?.dispose();

        const db = new Float32Array(H);
        for (let n = 0; n < N; n++)
          for (let j = 0; j < H; j++) db[j] = (db[j] as number) + (dA[n * H + j] as number);
        if (onCpu) {
          const dx = new Float32Array(N * E);
          matMulTransposedB(dA, WxKept().dataSync() as Float32Array, dx, N, H, E);
          return [
            tf.tensor2d(dx, [N, E]),
            tf.tensor2d(matMulTransposedA(xData, dA, N, E, H), [E, H]),
            tf.tensor2d(matMulTransposedA(hPrevAll, dA, N, H, H), [H, H]),
            tf.tensor1d(db),
          ];
        }
        const dATensor = tf.tensor2d(dA, [N, H]);
        return [
          inputGradient(dA, dATensor, WxKept(), N),
          tf.matMul(transposed(xData, N, E), dATensor),
          tf.matMul(transposed(hPrevAll, N, H), dATensor),
          tf.tensor1d(db),
        ];
      };
      return { value: tf.tensor2d(last, [B, H]), gradFunc };
    },
  );
}

/*
 * wasm's matMul packs its second operand for XNNPACK on first use of that tensor, which costs
 * more than the product itself when the operand is a fresh 128×128 matrix (measured: [7,128] ·
 * fresh [128,128] ≈ 70 µs; fresh [128,128] · [128,7] ≈ 15 µs). Weights are fresh tensors every
 * step, so with few rows (short names, batch 1) the products are turned around to put the
 * weight matrix first.
 */

/** `x·Wx` as a Float32Array `[N, H]`. */
function inputProjection(x: tf.Tensor2D, xData: Float32Array, Wx: tf.Tensor2D, inJs: boolean): Float32Array {
  const [N, E] = x.shape;
  const H = Wx.shape[1];
  if (inJs) {
    const out = new Float32Array(N * H);
    matMulInto(xData, Wx.dataSync() as Float32Array, out, N, E, H);
    return out;
  }
  if (N >= H) return tf.tidy(() => tf.matMul(x, Wx)).dataSync() as Float32Array;
  // (x·Wx)ᵀ = Wxᵀ·xᵀ
  const product = tf.tidy(() => tf.matMul(tf.transpose(Wx), tf.tensor2d(transposeJs(xData, N, E), [E, N])));
  const projectionT = product.dataSync() as Float32Array;
  product.dispose();
  return transposeJs(projectionT, H, N);
}

/** `dx = dA·Wxᵀ` as a tensor `[N, E]`. */
function inputGradient(dA: Float32Array, dATensor: tf.Tensor2D, Wx: tf.Tensor2D, N: number): tf.Tensor2D {
  const [E, H] = Wx.shape;
  if (N >= H) return tf.matMul(dATensor, tf.transpose(Wx));
  // dxᵀ = Wx·dAᵀ
  const product = tf.matMul(Wx, tf.tensor2d(transposeJs(dA, N, H), [H, N]));
  return tf.tensor2d(transposeJs(product.dataSync() as Float32Array, E, N), [N, E]);
}

/** Up to this many elements a transpose is cheaper in JS than as a tfjs kernel. */
const JS_TRANSPOSE_MAX_ELEMENTS = 4096;

/** The transpose of the `[rows×cols]` matrix `data` as a tensor. */
function transposed(data: Float32Array, rows: number, cols: number): tf.Tensor2D {
  if (rows * cols <= JS_TRANSPOSE_MAX_ELEMENTS)
    return tf.tensor2d(transposeJs(data, rows, cols), [cols, rows]);
  return tf.transpose(tf.tensor2d(data, [rows, cols]));
}

/** `out[0:rows] = left[0:rows] · right` through a tfjs matMul and a read-back. */
function readProduct(
  left: Float32Array,
  rows: number,
  k: number,
  right: tf.Tensor2D,
  out: Float32Array,
): void {
  const product = tf.tidy(() => tf.matMul(tf.tensor2d(left.subarray(0, rows * k), [rows, k]), right));
  out.set(product.dataSync());
  product.dispose();
}

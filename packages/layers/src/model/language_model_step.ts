import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@charrnn/core';
import { matMulInto } from '../kernels/mat_mul_js.js';
import { resolvePath } from '../backend_path.js';
import type { OpPath } from '../backend_path.js';
import { sigmoid, tanhJs } from '../cells/activations_js.js';
import { PANEL_WIDTH, SimdKernels, simdKernels } from '../kernels/simd_kernels.js';
import type { LanguageModelConfig } from './language_model_config.js';
import { sequenceLabels } from './sequence_labels.js';

/** Options of `LanguageModel.stepper`. */
export interface StepperOptions {
  /** Number of sequences stepped side by side. */
  batchSize: number;
  /** Conditional models: the label id of each sequence (changeable with `setLabels`). */
  labels?: Int32Array;
  /** `'js'` (cpu/wasm: plain JS and our SIMD kernels), `'ops'` (tfjs ops, GPU backends); default by backend. */
  path?: OpPath;
}

/**
 * The arena of the JS path: one Float32Array (our SIMD kernels' memory where they exist, so that
 * their gemm and gate kernels run on it; else a plain array and the same math in JS) holding the
 * weights, the state and the scratch rows at fixed offsets (in floats).
 */
interface Arena {
  f32: Float32Array;
  simd: SimdKernels | undefined;
}

/** What the first layer's input rows are made from (see `LanguageModelStepper.inputRows`). */
interface InputTables {
  embedding: Float32Array;
  We: Float32Array;
  labels: Float32Array;
  Wl: Float32Array;
  tokenReady: Uint8Array;
  labelReady: Uint8Array;
}

/** Width of the column panels of {@link panels} (those of `SimdKernels.gemmPacked`). */
const PANEL = PANEL_WIDTH;

/** A weight matrix `[k × cols]` in the arena: row-major at `at`, and as column panels at `panels` (−1: none). */
interface StepMatrixSlot {
  at: number;
  panels: number;
  k: number;
  cols: number;
}

/**
 * `M [k × cols]` as panels of {@link PANEL} columns, each `[k × PANEL]` row-major, one after
 * the other: a product with few rows then reads the matrix front to back instead of jumping a
 * whole row (`cols` floats) at each of its `k` steps. `cols` is padded to whole panels with 0.
 */
function panels(M: Float32Array, k: number, cols: number): Float32Array {
  const count = Math.ceil(cols / PANEL);
  const out = new Float32Array(count * k * PANEL);
  for (let j = 0; j < count; j++)
    for (let p = 0; p < k; p++)
      for (let q = 0; q < PANEL && j * PANEL + q < cols; q++)
        out[(j * k + p) * PANEL + q] = M[p * cols + j * PANEL + q] as number;
  return out;
}

/** Offsets of one recurrent layer's weights and state in the arena. */
interface LayerSlots {
  /** `[In, G]` input kernel (layers above the first). */
  w: StepMatrixSlot | undefined;
  /** `[H, G]` recurrent kernel. */
  u: StepMatrixSlot;
  /** `[G]` bias (`[2, G]` for a reset-after GRU). */
  b: number;
  /** h of every row, two buffers (current, next). */
  h: [number, number];
  /** c (LSTM), two buffers. */
  c: [number, number];
}

/**
 * A stateful one-symbol-at-a-time view of a `LanguageModel` (made by `LanguageModel.stepper`):
 * each {@link LanguageModelStepper.step} feeds one symbol per sequence and returns the
 * next-symbol probabilities, carrying the recurrent state. Same function as the model's sequence
 * forward pass (`softmax(logits)` at each step).
 *
 * On the `'js'` path (cpu, wasm) the weights and state live in one arena, our WebAssembly SIMD
 * kernels' own memory where they exist: a step is a few SIMD gemms and gate kernels, no tfjs
 * kernel and no allocation. On the `'ops'` path (GPU backends) a step is tfjs ops on state kept
 * on the device: {@link LanguageModelStepper.stepTensor} reads nothing back; tensors of earlier
 * states are freed, so `tf.memory().numTensors` stays flat.
 */
export class LanguageModelStepper {
  /** Sequences stepped side by side. */
  readonly batchSize: number;
  /** Size of each probability row. */
  readonly vocabSize: number;
  private readonly config: LanguageModelConfig;
  private readonly path: 'js' | 'ops';
  private readonly H: number;
  private readonly G: number;
  private readonly layers: number;
  private labels: Int32Array | undefined;
  // js path
  private arena: Arena | undefined;
  private slots: LayerSlots[] = [];
  private tokenW = 0;
  private labelW = 0;
  private wd: StepMatrixSlot = { at: 0, panels: -1, k: 0, cols: 0 };
  private bd = 0;
  /** Row stride of the output logits (the vocabulary padded to whole panels). */
  private Vp = 0;
  private inputTables: InputTables | undefined;
  private pre = 0;
  private rec = 0;
  private acts = 0;
  private aux = 0;
  private out = 0;
  private current: 0 | 1 = 0;
  private readonly probs: Float32Array;
  // ops path
  private weights: tf.Tensor[] = [];
  private state: tf.Tensor[][] = [];

  /** @internal Use `LanguageModel.stepper`. */
  constructor(config: LanguageModelConfig, values: Float32Array[], options: StepperOptions) {
    const n = options.batchSize;
    if (!Number.isSafeInteger(n) || n < 1)
      throw new InvalidArgumentError(`batchSize must be a positive integer, got ${n}`, {
        field: 'batchSize',
      });
    this.config = config;
    this.batchSize = n;
    this.vocabSize = config.vocabSize;
    this.H = config.hiddenSize;
    this.G = (config.cell === 'lstm' ? 4 : config.cell === 'gru' ? 3 : 1) * this.H;
    this.layers = config.layers ?? 1;
    this.path = resolvePath(options.path);
    this.probs = new Float32Array(n * config.vocabSize);
    this.setLabels(options.labels);
    if (this.path === 'js') this.placeJs(values);
    else this.placeOps(values);
    this.reset();
  }

  /** Sets the label of each sequence (conditional models); the state is kept. */
  setLabels(labels: Int32Array | undefined): void {
    this.labels = sequenceLabels(labels, this.config.numLabels ?? 0, this.batchSize);
  }

  /** Zeroes the state of every sequence. */
  reset(): void {
    const zeros = this.config.cell === 'lstm' ? 2 : 1;
    this.setState(
      Array.from({ length: this.layers }, () =>
        Array.from({ length: zeros }, () => new Float32Array(this.batchSize * this.H)),
      ),
    );
  }

  /** A copy of the state: per layer `[h]` or `[h, c]`, each `[batchSize * hiddenSize]`. */
  getState(): Float32Array[][] {
    if (this.path === 'ops')
      return this.state.map((layer) => layer.map((s) => (s.dataSync() as Float32Array).slice()));
    const { f32 } = this.arena as Arena;
    const size = this.batchSize * this.H;
    return this.slots.map((s) =>
      (this.config.cell === 'lstm' ? [s.h, s.c] : [s.h]).map((buffers) =>
        f32.slice(buffers[this.current], buffers[this.current] + size),
      ),
    );
  }

  /** Replaces the state (layout as {@link LanguageModelStepper.getState}). */
  setState(state: Float32Array[][]): void {
    const parts = this.config.cell === 'lstm' ? 2 : 1;
    const size = this.batchSize * this.H;
    if (
      state.length !== this.layers ||
      state.some((l) => l.length !== parts || l.some((s) => s.length !== size))
    )
      throw new InvalidArgumentError(
        `state must have ${this.layers} layer(s) of ${parts} array(s) of batchSize * hiddenSize = ${size}`,
        { field: 'state' },
      );
    if (this.path === 'ops') {
      for (const layer of this.state) for (const s of layer) s.dispose();
      this.state = state.map((layer) => layer.map((s) => tf.keep(tf.tensor2d(s, [this.batchSize, this.H]))));
      return;
    }
    const { f32 } = this.arena as Arena;
    this.slots.forEach((s, l) => {
      const layer = state[l] as Float32Array[];
      f32.set(layer[0] as Float32Array, s.h[this.current]);
      if (parts === 2) f32.set(layer[1] as Float32Array, s.c[this.current]);
    });
  }

  /**
   * Feeds `ids` (one symbol per sequence) and returns the next-symbol probabilities,
   * `[batchSize * vocabSize]` row-major. The array is reused by the next step: copy what you keep.
   * @throws InvalidArgumentError when `ids` has the wrong length or an id is out of range
   */
  step(ids: Int32Array): Float32Array {
    this.checkIds(ids);
    if (this.path === 'ops') {
      const probs = this.stepOps(ids);
      this.probs.set(probs.dataSync());
      probs.dispose();
      return this.probs;
    }
    this.stepJs(ids);
    return this.probs;
  }

  /**
   * {@link LanguageModelStepper.step} returning the probabilities as a tensor `[batchSize,
   * vocabSize]` (the caller disposes it); on the `'ops'` path nothing is read back.
   */
  stepTensor(ids: Int32Array): tf.Tensor2D {
    this.checkIds(ids);
    if (this.path === 'ops') return this.stepOps(ids);
    this.stepJs(ids);
    return tf.tensor2d(this.probs, [this.batchSize, this.vocabSize]);
  }

  /** Frees the state tensors ('ops' path) and the arena. */
  dispose(): void {
    for (const layer of this.state) for (const s of layer) s.dispose();
    for (const w of this.weights) w.dispose();
    this.state = [];
    this.weights = [];
    this.arena = undefined;
  }

  private checkIds(ids: Int32Array): void {
    if (ids.length !== this.batchSize)
      throw new InvalidArgumentError(
        `ids has ${ids.length} entries, expected batchSize = ${this.batchSize}`,
        {
          field: 'ids',
        },
      );
    for (let r = 0; r < ids.length; r++) {
      const id = ids[r] as number;
      if (!(id >= 0 && id < this.vocabSize))
        throw new InvalidArgumentError(`ids[${r}] = ${id} is outside the vocabulary [0, ${this.vocabSize})`, {
          field: 'ids',
        });
    }
  }

  /** Lays the weights out in the arena; the first layer's input products become lookup tables. */
  private placeJs(values: Float32Array[]): void {
    const { config, H, G, batchSize: n } = this;
    const V = config.vocabSize;
    const E = config.embedDim;
    const C = config.numLabels ?? 0;
    const conditional = C > 0;
    let w = conditional ? 2 : 1;
    const layerValues: Float32Array[][] = [];
    for (let l = 0; l < this.layers; l++) layerValues.push(values.slice(w, (w += 3)));
    // Our own instance of the kernels: the arena stays ours between steps (training runs use the shared one).
    const shared = simdKernels();
    const simd = shared === undefined ? undefined : SimdKernels.create(shared.relaxed ? 'best' : 'plain');
    const plain: { at: number; data: Float32Array }[] = [];
    let top = 0;
    const alloc = (floats: number): number => {
      const at = simd === undefined ? top : simd.alloc(floats);
      top = at + Math.ceil(floats / 4) * 4;
      return at;
    };
    const put = (data: Float32Array): number => {
      const at = alloc(data.length);
      plain.push({ at, data });
      return at;
    };
    const matrix = (data: Float32Array, k: number, cols: number): StepMatrixSlot => ({
      at: put(data),
      panels: simd === undefined ? -1 : put(panels(data, k, cols)),
      k,
      cols,
    });
    // x_0·W = E[id]·W_e + L[label]·W_l: both products are tables, each row made on first use.
    const W0 = layerValues[0]?.[0] as Float32Array;
    this.inputTables = {
      embedding: values[0] as Float32Array,
      We: W0.subarray(0, E * G),
      labels: conditional ? (values[1] as Float32Array) : new Float32Array(0),
      Wl: W0.subarray(E * G),
      tokenReady: new Uint8Array(V),
      labelReady: new Uint8Array(C),
    };
    const biasSize = config.cell === 'gru' && config.resetAfter === true ? 2 * G : G;
    this.slots = layerValues.map(([Wl, Ul, bl], l) => ({
      w: l === 0 ? undefined : matrix(Wl as Float32Array, H, G),
      u: matrix(Ul as Float32Array, H, G),
      b: put((bl as Float32Array).subarray(0, biasSize)),
      h: [alloc(n * H), alloc(n * H)],
      c: [alloc(n * H), alloc(n * H)],
    }));
    this.tokenW = alloc(V * G);
    this.labelW = alloc(Math.max(1, C * G));
    // The output layer padded to whole panels of 8 columns (the padding columns stay 0).
    this.Vp = simd === undefined ? V : Math.ceil(V / PANEL) * PANEL;
    const Wd = new Float32Array(H * this.Vp);
    const WdValues = values[w] as Float32Array;
    for (let r = 0; r < H; r++) Wd.set(WdValues.subarray(r * V, (r + 1) * V), r * this.Vp);
    this.wd = matrix(Wd, H, this.Vp);
    this.bd = put(values[w + 1] as Float32Array);
    this.pre = alloc(n * G);
    this.rec = alloc(n * G);
    this.acts = alloc(n * G);
    this.aux = alloc(n * H);
    this.out = alloc(n * this.Vp);
    const f32 = simd === undefined ? new Float32Array(top) : simd.view(0, top);
    for (const { at, data } of plain) f32.set(data, at);
    this.arena = { f32, simd };
  }

  /**
   * `C[:, from:to] (+)= A·M[:, from:to]` for `m` rows of `A` (`[m × k]`, row stride k) and `C`
   * (row stride `ldc`): through the panel copy of `M` when the columns are whole panels
   * (`gemmPacked` then reads `M` front to back), else through the gemm on `M` itself.
   */
  private product(
    a: number,
    M: StepMatrixSlot,
    c: number,
    m: number,
    ldc: number,
    acc: boolean,
    from = 0,
    to = M.cols,
  ): void {
    const { f32, simd } = this.arena as Arena;
    if (simd === undefined) {
      gemmJs(f32, a, M.at + from, c, m, M.k, to - from, M.cols, ldc, acc);
      return;
    }
    if (M.panels >= 0 && from % PANEL === 0 && (to - from) % PANEL === 0 && M.cols % PANEL === 0) {
      simd.gemmPacked(a, M.panels + from * M.k, c, m, M.k, to - from, M.k, ldc, acc);
      return;
    }
    simd.gemm(a, M.at + from, c, m, M.k, to - from, M.k, 1, M.cols, ldc, acc);
  }

  /** Makes the table rows `E[id]·W_e` and `L[label]·W_l` on their first use. */
  private inputRows(id: number, label: number | undefined): void {
    const t = this.inputTables as InputTables;
    const { f32 } = this.arena as Arena;
    const { G, config } = this;
    if (t.tokenReady[id] === 0) {
      const E = config.embedDim;
      const row = f32.subarray(this.tokenW + id * G, this.tokenW + (id + 1) * G);
      matMulInto(t.embedding.subarray(id * E, (id + 1) * E), t.We, row, 1, E, G);
      t.tokenReady[id] = 1;
    }
    if (label !== undefined && t.labelReady[label] === 0) {
      const Le = config.labelEmbedDim ?? 0;
      const row = f32.subarray(this.labelW + label * G, this.labelW + (label + 1) * G);
      matMulInto(t.labels.subarray(label * Le, (label + 1) * Le), t.Wl, row, 1, Le, G);
      t.labelReady[label] = 1;
    }
  }

  /** One step on the arena. */
  private stepJs(ids: Int32Array): void {
    const { f32, simd } = this.arena as Arena;
    const { H, G, batchSize: n, config, Vp } = this;
    const V = config.vocabSize;
    const cur = this.current;
    const next: 0 | 1 = cur === 0 ? 1 : 0;
    const { pre, rec, acts, aux } = this;
    for (let l = 0; l < this.layers; l++) {
      const s = this.slots[l] as LayerSlots;
      if (l === 0) {
        const labels = this.labels;
        for (let r = 0; r < n; r++) this.inputRows(ids[r] as number, labels?.[r]);
        for (let r = 0; r < n; r++) {
          const from = this.tokenW + (ids[r] as number) * G;
          const to = pre + r * G;
          if (labels === undefined) f32.copyWithin(to, from, from + G);
          else {
            const lab = this.labelW + (labels[r] as number) * G;
            for (let j = 0; j < G; j++) f32[to + j] = (f32[from + j] as number) + (f32[lab + j] as number);
          }
        }
      } else {
        this.product((this.slots[l - 1] as LayerSlots).h[next], s.w as StepMatrixSlot, pre, n, G, false);
      }
      const hPrev = s.h[cur];
      const hNext = s.h[next];
      switch (config.cell) {
        case 'lstm':
          this.product(hPrev, s.u, pre, n, G, true);
          if (simd !== undefined) simd.lstmForward(pre, s.b, s.c[cur], s.c[next], hNext, acts, aux, n, H);
          else lstmGatesJs(f32, pre, s.b, s.c[cur], s.c[next], hNext, n, H);
          break;
        case 'gru':
          if (config.resetAfter === true) {
            this.product(hPrev, s.u, rec, n, G, false);
            if (simd !== undefined) simd.gru.resetAfter(pre, rec, s.b, hPrev, acts, aux, hNext, n, H);
            else gruResetAfterJs(f32, pre, rec, s.b, hPrev, hNext, n, H);
          } else {
            this.product(hPrev, s.u, pre, n, G, true, 0, 2 * H);
            if (simd !== undefined) simd.gru.zr(pre, s.b, hPrev, acts, aux, n, H);
            else gruZrJs(f32, pre, s.b, hPrev, acts, aux, n, H);
            this.product(aux, s.u, pre + 2 * H, n, G, true, 2 * H, G);
            if (simd !== undefined) simd.gru.h(pre, s.b, hPrev, acts, hNext, n, H);
            else gruHJs(f32, pre, s.b, hPrev, acts, hNext, n, H);
          }
          break;
        default:
          this.product(hPrev, s.u, pre, n, H, true);
          for (let r = 0; r < n; r++)
            for (let j = 0; j < H; j++)
              f32[hNext + r * H + j] = tanhJs((f32[pre + r * H + j] as number) + (f32[s.b + j] as number));
      }
    }
    const top = (this.slots[this.layers - 1] as LayerSlots).h[next];
    this.product(top, this.wd, this.out, n, Vp, false);
    softmaxRows(f32, this.out, Vp, this.bd, this.probs, n, V);
    this.current = next;
  }

  private placeOps(values: Float32Array[]): void {
    const { config, G } = this;
    const E = config.embedDim;
    const conditional = (config.numLabels ?? 0) > 0;
    const w = conditional ? 2 : 1;
    this.weights = tf.tidy(() => {
      const W0 = tf.tensor2d(values[w] as Float32Array, [E + (config.labelEmbedDim ?? 0), G]);
      const E0 = tf.tensor2d(values[0] as Float32Array, [config.vocabSize, E]);
      const tokenW = tf.matMul(E0, tf.slice(W0, [0, 0], [E, G]));
      const labelW = conditional
        ? tf.matMul(
            tf.tensor2d(values[1] as Float32Array, [config.numLabels ?? 0, config.labelEmbedDim ?? 0]),
            tf.slice(W0, [E, 0], [config.labelEmbedDim ?? 0, G]),
          )
        : tf.zeros([1, G]);
      const out: tf.Tensor[] = [tokenW, labelW];
      for (let l = 0; l < this.layers; l++) {
        const [Wl, Ul, bl] = values.slice(w + 3 * l, w + 3 * l + 3) as [
          Float32Array,
          Float32Array,
          Float32Array,
        ];
        out.push(tf.tensor2d(Wl, [Wl.length / G, G]), tf.tensor2d(Ul, [this.H, G]), tf.tensor1d(bl));
      }
      out.push(
        tf.tensor2d(values[w + 3 * this.layers] as Float32Array, [this.H, config.vocabSize]),
        tf.tensor1d(values[w + 3 * this.layers + 1] as Float32Array),
      );
      return out.map((t) => tf.keep(t));
    });
  }

  private stepOps(ids: Int32Array): tf.Tensor2D {
    const { config, H, G } = this;
    const [tokenW, labelW] = this.weights as [tf.Tensor2D, tf.Tensor2D];
    const next: tf.Tensor[][] = [];
    const probs = tf.tidy(() => {
      let x: tf.Tensor2D = tf.gather(tokenW, tf.tensor1d(ids, 'int32'));
      if (this.labels !== undefined) x = tf.add(x, tf.gather(labelW, tf.tensor1d(this.labels, 'int32')));
      for (let l = 0; l < this.layers; l++) {
        const [W, U, b] = this.weights.slice(2 + 3 * l, 5 + 3 * l) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
        const xW = l === 0 ? x : tf.matMul(x, W);
        const [h, c] = this.state[l] as tf.Tensor2D[];
        let hNext: tf.Tensor;
        if (config.cell === 'lstm') {
          const z = tf.add(tf.add(xW, tf.matMul(h as tf.Tensor2D, U)), b);
          const [zi, zf, zg, zo] = tf.split(z, 4, 1) as tf.Tensor2D[];
          const cNext = tf.add(
            tf.mul(tf.sigmoid(zf as tf.Tensor2D), c as tf.Tensor2D),
            tf.mul(tf.sigmoid(zi as tf.Tensor2D), tf.tanh(zg as tf.Tensor2D)),
          );
          hNext = tf.mul(tf.sigmoid(zo as tf.Tensor2D), tf.tanh(cNext));
          next.push([tf.keep(hNext), tf.keep(cNext)]);
        } else if (config.cell === 'gru') {
          const reset = config.resetAfter === true;
          const bIn = reset ? tf.slice(b, [0], [G]) : b;
          const [xz, xr, xh] = tf.split(tf.add(xW, bIn), 3, 1) as tf.Tensor2D[];
          const [Uzr, Uh] = tf.split(U, [2 * H, H], 1) as tf.Tensor2D[];
          let hh: tf.Tensor;
          let z: tf.Tensor;
          if (reset) {
            const recAll = tf.add(tf.matMul(h as tf.Tensor2D, U), tf.slice(b, [G], [G]));
            const [rz, rr, rh] = tf.split(recAll, 3, 1) as tf.Tensor2D[];
            z = tf.sigmoid(tf.add(xz as tf.Tensor2D, rz as tf.Tensor2D));
            const r = tf.sigmoid(tf.add(xr as tf.Tensor2D, rr as tf.Tensor2D));
            hh = tf.tanh(tf.add(xh as tf.Tensor2D, tf.mul(r, rh as tf.Tensor2D)));
          } else {
            const [rz, rr] = tf.split(tf.matMul(h as tf.Tensor2D, Uzr as tf.Tensor2D), 2, 1) as tf.Tensor2D[];
            z = tf.sigmoid(tf.add(xz as tf.Tensor2D, rz as tf.Tensor2D));
            const r = tf.sigmoid(tf.add(xr as tf.Tensor2D, rr as tf.Tensor2D));
            hh = tf.tanh(
              tf.add(xh as tf.Tensor2D, tf.matMul(tf.mul(r, h as tf.Tensor2D), Uh as tf.Tensor2D)),
            );
          }
          hNext = tf.add(hh, tf.mul(z, tf.sub(h as tf.Tensor2D, hh)));
          next.push([tf.keep(hNext)]);
        } else {
          hNext = tf.tanh(tf.add(tf.add(xW, tf.matMul(h as tf.Tensor2D, U)), b));
          next.push([tf.keep(hNext)]);
        }
        x = hNext as tf.Tensor2D;
      }
      const [Wd, bd] = this.weights.slice(2 + 3 * this.layers) as [tf.Tensor2D, tf.Tensor1D];
      return tf.softmax(tf.add(tf.matMul(x, Wd), bd));
    });
    for (const layer of this.state) for (const s of layer) s.dispose();
    this.state = next;
    return probs as tf.Tensor2D;
  }
}

/** `C = (acc ? C : 0) + A·B` on one array, row-major A `[m×k]`, B rows of `ldb`, C rows of `ldc`. */
function gemmJs(
  f: Float32Array,
  a: number,
  b: number,
  c: number,
  m: number,
  k: number,
  n: number,
  ldb: number,
  ldc: number,
  acc: boolean,
): void {
  for (let i = 0; i < m; i++) {
    const ci = c + i * ldc;
    if (!acc) f.fill(0, ci, ci + n);
    for (let p = 0; p < k; p++) {
      const av = f[a + i * k + p] as number;
      if (av === 0) continue;
      const bp = b + p * ldb;
      for (let j = 0; j < n; j++) f[ci + j] = (f[ci + j] as number) + av * (f[bp + j] as number);
    }
  }
}

function lstmGatesJs(
  f: Float32Array,
  pre: number,
  b: number,
  cPrev: number,
  cNext: number,
  hNext: number,
  n: number,
  H: number,
): void {
  const G = 4 * H;
  for (let r = 0; r < n; r++) {
    const z = pre + r * G;
    for (let j = 0; j < H; j++) {
      const i = sigmoid((f[z + j] as number) + (f[b + j] as number));
      const fg = sigmoid((f[z + H + j] as number) + (f[b + H + j] as number));
      const g = tanhJs((f[z + 2 * H + j] as number) + (f[b + 2 * H + j] as number));
      const o = sigmoid((f[z + 3 * H + j] as number) + (f[b + 3 * H + j] as number));
      const cn = fg * (f[cPrev + r * H + j] as number) + i * g;
      f[cNext + r * H + j] = cn;
      f[hNext + r * H + j] = o * tanhJs(cn);
    }
  }
}

function gruZrJs(
  f: Float32Array,
  pre: number,
  b: number,
  hin: number,
  acts: number,
  aux: number,
  n: number,
  H: number,
): void {
  const G = 3 * H;
  for (let r = 0; r < n; r++)
    for (let j = 0; j < H; j++) {
      const z = sigmoid((f[pre + r * G + j] as number) + (f[b + j] as number));
      const rg = sigmoid((f[pre + r * G + H + j] as number) + (f[b + H + j] as number));
      f[acts + r * G + j] = z;
      f[aux + r * H + j] = rg * (f[hin + r * H + j] as number);
    }
}

function gruHJs(
  f: Float32Array,
  pre: number,
  b: number,
  hPrev: number,
  acts: number,
  hNext: number,
  n: number,
  H: number,
): void {
  const G = 3 * H;
  for (let r = 0; r < n; r++)
    for (let j = 0; j < H; j++) {
      const hh = tanhJs((f[pre + r * G + 2 * H + j] as number) + (f[b + 2 * H + j] as number));
      const z = f[acts + r * G + j] as number;
      f[hNext + r * H + j] = hh + z * ((f[hPrev + r * H + j] as number) - hh);
    }
}

function gruResetAfterJs(
  f: Float32Array,
  pre: number,
  rec: number,
  b: number,
  hPrev: number,
  hNext: number,
  n: number,
  H: number,
): void {
  const G = 3 * H;
  for (let r = 0; r < n; r++) {
    const p = pre + r * G;
    const q = rec + r * G;
    for (let j = 0; j < H; j++) {
      const z = sigmoid(
        (f[p + j] as number) + (f[b + j] as number) + (f[q + j] as number) + (f[b + G + j] as number),
      );
      const rg = sigmoid(
        (f[p + H + j] as number) +
          (f[b + H + j] as number) +
          (f[q + H + j] as number) +
          (f[b + G + H + j] as number),
      );
      const hh = tanhJs(
        (f[p + 2 * H + j] as number) +
          (f[b + 2 * H + j] as number) +
          rg * ((f[q + 2 * H + j] as number) + (f[b + G + 2 * H + j] as number)),
      );
      f[hNext + r * H + j] = hh + z * ((f[hPrev + r * H + j] as number) - hh);
    }
  }
}

/** `probs[r] = softmax(f[out + r·stride ..][0:V] + f[bias ..])`, in float64 sums. */
function softmaxRows(
  f: Float32Array,
  out: number,
  stride: number,
  bias: number,
  probs: Float32Array,
  n: number,
  V: number,
): void {
  for (let r = 0; r < n; r++) {
    const o = out + r * stride;
    let max = -Infinity;
    for (let k = 0; k < V; k++) {
      const z = (f[o + k] as number) + (f[bias + k] as number);
      f[o + k] = z;
      if (z > max) max = z;
    }
    let sum = 0;
    for (let k = 0; k < V; k++) {
      const e = Math.exp((f[o + k] as number) - max);
      probs[r * V + k] = e;
      sum += e;
    }
    for (let k = 0; k < V; k++) probs[r * V + k] = (probs[r * V + k] as number) / sum;
  }
}

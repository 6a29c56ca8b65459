import type { CharClassifier } from '@charrnn/layers';
import { NgramHead } from '@charrnn/layers';

/**
 * "Inside the memory" and "why the RNN forgets": a classifier's recurrent layer run one
 * character at a time in plain JavaScript (float64), from its exported weights (Keras layout),
 * keeping every state and gate, and run backwards to get the gradient of the final prediction
 * with respect to each character's input.
 *
 * This lives in the app because `@charrnn/layers` has no API that returns per-step states, gates
 * or input gradients. `recurrent_trace.test.ts` checks it against the model's own predictions and
 * against finite differences, for every cell and both directions.
 */

/** One direction's weights, float64, row-major: `W [D, G]`, `U [H, G]`. */
interface DirectionWeights {
  W: Float64Array;
  U: Float64Array;
  /** Input-side bias `[G]`. */
  bx: Float64Array;
  /** Recurrent-side bias `[G]` (GRU with `resetAfter` only). */
  bh: Float64Array | null;
}

/** Everything {@link traceInputs} needs from a model. */
export interface TraceWeights {
  cell: 'rnn' | 'lstm' | 'gru';
  resetAfter: boolean;
  merge: 'concat' | 'sum' | null;
  D: number;
  H: number;
  C: number;
  /** Embedding table `[vocab, D]`. */
  E: Float64Array;
  directions: DirectionWeights[];
  /** Dense `[F, C]` and its bias. */
  Wd: Float64Array;
  bd: Float64Array;
  head: NgramHead | undefined;
}

/** One direction's trace, in the order that direction reads the name. */
export interface DirectionTrace {
  direction: 'forward' | 'backward';
  /** Position in the name of the k-th character this direction read. */
  positions: number[];
  /** Hidden state `h` after each character read, `[step][unit]`. */
  h: Float64Array[];
  /** LSTM: cell state `c` after each character. */
  c?: Float64Array[];
  /**
   * Gate activations after each character (σ, in [0, 1]): LSTM `i` (input), `f` (forget),
   * `o` (output); GRU `z` (update), `r` (reset).
   */
  gates: Record<string, Float64Array[]>;
}

/** The trace of one name. */
export interface NameTrace {
  directions: DirectionTrace[];
  /** Final logits: the recurrent model's (times the head's `rnnScale`) plus the n-gram head's scores. */
  logits: Float64Array;
  probabilities: Float64Array;
  /** The class the gradient is taken for (by default the most likely one). */
  target: number;
  /**
   * `∂ log p(target) / ∂ x_t` for each position `t` of the name (`x_t` the character's
   * embedding), summed over both directions of a bidirectional layer. The n-gram head's part
   * does not depend on `x`: only the recurrent network's memory is measured.
   */
  inputGradients: Float64Array[];
  /** `‖inputGradients[t]‖₂`: how much character `t` still moves the final prediction. */
  influence: Float64Array;
}

const weightCache = new WeakMap<CharClassifier, TraceWeights>();

/**
 * Why {@link traceWeights} cannot trace this model, or `null` when it can: one recurrent layer
 * (either direction or both) of a tutorial RNN, SimpleRNN, LSTM or GRU.
 */
export function untraceableReason(model: CharClassifier): string | null {
  const { cell, layers } = model.config;
  if (!['rnn', 'simple', 'lstm', 'gru'].includes(String(cell)))
    return `the ${String(cell)} cell is not covered`;
  if (layers !== undefined && layers > 1) return 'only models with one recurrent layer are covered';
  return null;
}

/** The model's weights in float64 (cached per model), or `null` when {@link untraceableReason} says so. */
export function traceWeights(model: CharClassifier): TraceWeights | null {
  if (untraceableReason(model) !== null) return null;
  const cached = weightCache.get(model);
  if (cached !== undefined && cached.head === model.ngramHead) return cached;
  const { config } = model;
  const values = model.trainableWeights.map((w) => Float64Array.from(w.dataSync() as Float32Array));
  const directionCount = config.bidirectional === undefined ? 1 : 2;
  const cell = config.cell === 'simple' ? 'rnn' : (config.cell as 'rnn' | 'lstm' | 'gru');
  const resetAfter = cell === 'gru' && config.resetAfter === true;
  const G = (cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1) * config.hiddenSize;
  const directions: DirectionWeights[] = [];
  for (let d = 0; d < directionCount; d++) {
    const [W, U, b] = values.slice(1 + 3 * d, 4 + 3 * d) as [Float64Array, Float64Array, Float64Array];
    directions.push({ W, U, bx: b.subarray(0, G), bh: resetAfter ? b.subarray(G, 2 * G) : null });
  }
  const weights: TraceWeights = {
    cell,
    resetAfter,
    merge: config.bidirectional ?? null,
    D: config.embedDim,
    H: config.hiddenSize,
    C: config.numClasses,
    E: values[0] as Float64Array,
    directions,
    Wd: values[values.length - 2] as Float64Array,
    bd: values[values.length - 1] as Float64Array,
    head: model.ngramHead,
  };
  weightCache.set(model, weights);
  return weights;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** `out = bias + x · M` for a row-major `M [x.length, out.length]` (read from column `from`). */
function rowTimes(out: Float64Array, x: ArrayLike<number>, M: Float64Array, width: number, from = 0): void {
  const n = out.length;
  for (let k = 0; k < x.length; k++) {
    const xk = x[k] as number;
    if (xk === 0) continue;
    const row = k * width + from;
    for (let j = 0; j < n; j++) out[j] = (out[j] as number) + xk * (M[row + j] as number);
  }
}

/** `out += M · v` for a row-major `M [out.length, width]`, columns `from … from + v.length`. */
function timesColumn(out: Float64Array, M: Float64Array, width: number, v: Float64Array, from = 0): void {
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    const row = i * width + from;
    for (let j = 0; j < v.length; j++) s += (M[row + j] as number) * (v[j] as number);
    out[i] = (out[i] as number) + s;
  }
}

/** Per-step values kept for the backward pass. */
interface StepCache {
  hPrev: Float64Array;
  cPrev?: Float64Array;
  h: Float64Array;
  c?: Float64Array;
  /** Activations: LSTM i, f, g, o; GRU z, r, candidate, and (resetAfter) h·U_h + b_h. */
  act: Float64Array[];
}

function forwardDirection(w: TraceWeights, dw: DirectionWeights, xs: readonly Float64Array[]): StepCache[] {
  const { H, cell, resetAfter } = w;
  const G = dw.bx.length;
  let h = new Float64Array(H);
  let c = new Float64Array(H);
  const steps: StepCache[] = [];
  for (const x of xs) {
    const zx = Float64Array.from(dw.bx);
    rowTimes(zx, x, dw.W, G);
    const zh = dw.bh === null ? new Float64Array(G) : Float64Array.from(dw.bh);
    if (cell === 'gru' && !resetAfter) {
      // The candidate's recurrent product needs r first: only the z and r columns here.
      const zr = new Float64Array(2 * H);
      rowTimes(zr, h, dw.U, G);
      zh.set(zr);
    } else rowTimes(zh, h, dw.U, G);
    const hNext = new Float64Array(H);
    if (cell === 'rnn') {
      for (let j = 0; j < H; j++) hNext[j] = Math.tanh((zx[j] as number) + (zh[j] as number));
      steps.push({ hPrev: h, h: hNext, act: [] });
    } else if (cell === 'lstm') {
      const [i, f, g, o] = [0, 1, 2, 3].map(() => new Float64Array(H)) as [
        Float64Array,
        Float64Array,
        Float64Array,
        Float64Array,
      ];
      const cNext = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const pre = (k: number): number => (zx[k * H + j] as number) + (zh[k * H + j] as number);
        i[j] = sigmoid(pre(0));
        f[j] = sigmoid(pre(1));
        g[j] = Math.tanh(pre(2));
        o[j] = sigmoid(pre(3));
        cNext[j] = (f[j] as number) * (c[j] as number) + (i[j] as number) * (g[j] as number);
        hNext[j] = (o[j] as number) * Math.tanh(cNext[j] as number);
      }
      steps.push({ hPrev: h, cPrev: c, h: hNext, c: cNext, act: [i, f, g, o] });
      c = cNext;
    } else {
      const z = new Float64Array(H);
      const r = new Float64Array(H);
      const cand = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        z[j] = sigmoid((zx[j] as number) + (zh[j] as number));
        r[j] = sigmoid((zx[H + j] as number) + (zh[H + j] as number));
      }
      let recurrent: Float64Array;
      if (resetAfter) recurrent = zh.slice(2 * H, 3 * H);
      else {
        recurrent = new Float64Array(H);
        rowTimes(
          recurrent,
          h.map((v, j) => v * (r[j] as number)),
          dw.U,
          G,
          2 * H,
        );
      }
      for (let j = 0; j < H; j++) {
        const rec = resetAfter ? (r[j] as number) * (recurrent[j] as number) : (recurrent[j] as number);
        cand[j] = Math.tanh((zx[2 * H + j] as number) + rec);
        hNext[j] = (z[j] as number) * (h[j] as number) + (1 - (z[j] as number)) * (cand[j] as number);
      }
      steps.push({ hPrev: h, h: hNext, act: [z, r, cand, recurrent] });
    }
    h = hNext;
  }
  return steps;
}

/** Backpropagates `dhLast` through one direction; returns `∂/∂x` for each step it read. */
function backwardDirection(
  w: TraceWeights,
  dw: DirectionWeights,
  steps: StepCache[],
  dhLast: Float64Array,
): Float64Array[] {
  const { H, D, cell, resetAfter } = w;
  const G = dw.bx.length;
  const dxs: Float64Array[] = new Array<Float64Array>(steps.length);
  let dh = Float64Array.from(dhLast);
  let dc = new Float64Array(H);
  for (let k = steps.length - 1; k >= 0; k--) {
    const s = steps[k] as StepCache;
    const da = new Float64Array(G);
    const dhPrev = new Float64Array(H);
    if (cell === 'rnn') {
      for (let j = 0; j < H; j++) da[j] = (dh[j] as number) * (1 - (s.h[j] as number) ** 2);
      timesColumn(dhPrev, dw.U, G, da);
    } else if (cell === 'lstm') {
      const [i, f, g, o] = s.act as [Float64Array, Float64Array, Float64Array, Float64Array];
      const dcPrev = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const tc = Math.tanh((s.c as Float64Array)[j] as number);
        const oj = o[j] as number;
        const ij = i[j] as number;
        const fj = f[j] as number;
        const gj = g[j] as number;
        const dcj = (dc[j] as number) + (dh[j] as number) * oj * (1 - tc * tc);
        da[j] = dcj * gj * ij * (1 - ij);
        da[H + j] = dcj * ((s.cPrev as Float64Array)[j] as number) * fj * (1 - fj);
        da[2 * H + j] = dcj * ij * (1 - gj * gj);
        da[3 * H + j] = (dh[j] as number) * tc * oj * (1 - oj);
        dcPrev[j] = dcj * fj;
      }
      timesColumn(dhPrev, dw.U, G, da);
      dc = dcPrev;
    } else {
      const [z, r, cand, recurrent] = s.act as [Float64Array, Float64Array, Float64Array, Float64Array];
      const dCand = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const zj = z[j] as number;
        const dhj = dh[j] as number;
        dhPrev[j] = dhj * zj;
        da[j] = dhj * ((s.hPrev[j] as number) - (cand[j] as number)) * zj * (1 - zj);
        dCand[j] = dhj * (1 - zj) * (1 - (cand[j] as number) ** 2);
        da[2 * H + j] = dCand[j] as number;
      }
      if (resetAfter) {
        // ĉ = tanh(x·W_h + b + r ⊙ (h·U_h + b_h)): r's gradient is dĉ ⊙ (h·U_h + b_h).
        const dRec = new Float64Array(H);
        for (let j = 0; j < H; j++) {
          const rj = r[j] as number;
          da[H + j] = (dCand[j] as number) * (recurrent[j] as number) * rj * (1 - rj);
          dRec[j] = (dCand[j] as number) * rj;
        }
        timesColumn(dhPrev, dw.U, G, da.subarray(0, 2 * H));
        timesColumn(dhPrev, dw.U, G, dRec, 2 * H);
      } else {
        // ĉ = tanh(x·W_h + (r ⊙ h)·U_h + b): the gradient reaches r and h through r ⊙ h.
        const dRh = new Float64Array(H);
        timesColumn(dRh, dw.U, G, dCand, 2 * H);
        for (let j = 0; j < H; j++) {
          const rj = r[j] as number;
          da[H + j] = (dRh[j] as number) * (s.hPrev[j] as number) * rj * (1 - rj);
          dhPrev[j] = (dhPrev[j] as number) + (dRh[j] as number) * rj;
        }
        timesColumn(dhPrev, dw.U, G, da.subarray(0, 2 * H));
      }
    }
    const dx = new Float64Array(D);
    timesColumn(dx, dw.W, G, da);
    dxs[k] = dx;
    dh = dhPrev;
  }
  return dxs;
}

/** The n-gram head's scores for `ids`, summed in float64. */
function headScores(head: NgramHead, ids: ArrayLike<number>): Float64Array {
  const C = head.numClasses;
  const out = Float64Array.from(head.bias);
  for (const gram of NgramHead.gramsOf(ids, head.minN, head.maxN)) {
    const r = head.rowOf(gram);
    if (r < 0) continue;
    for (let c = 0; c < C; c++) out[c] = (out[c] as number) + (head.kernel[r * C + c] as number);
  }
  return out;
}

/** The embedding rows of `ids`, float64 (copies: a caller may perturb them). */
export function embed(w: TraceWeights, ids: ArrayLike<number>): Float64Array[] {
  return Array.from(ids, (id) => w.E.slice(id * w.D, (id + 1) * w.D));
}

/**
 * Runs one name, given as its characters' embeddings `xs` (and their ids, for the n-gram head),
 * forward and back. `target` defaults to the most likely class.
 */
export function traceInputs(
  w: TraceWeights,
  xs: readonly Float64Array[],
  ids: ArrayLike<number>,
  target?: number,
): NameTrace {
  const T = xs.length;
  const { H, C } = w;
  const names = w.cell === 'lstm' ? ['i', 'f', 'o'] : w.cell === 'gru' ? ['z', 'r'] : [];
  const runs = w.directions.map((dw, d) => {
    const positions = Array.from({ length: T }, (_, k) => (d === 0 ? k : T - 1 - k));
    return {
      dw,
      positions,
      steps: forwardDirection(
        w,
        dw,
        positions.map((p) => xs[p] as Float64Array),
      ),
    };
  });
  const last = runs.map((r) => r.steps[T - 1]?.h ?? new Float64Array(H));
  const features =
    w.merge === 'concat'
      ? Float64Array.from([...(last[0] as Float64Array), ...(last[1] as Float64Array)])
      : w.merge === 'sum'
        ? (last[0] as Float64Array).map((v, j) => v + ((last[1] as Float64Array)[j] as number))
        : (last[0] as Float64Array);
  const rnnLogits = Float64Array.from(w.bd);
  rowTimes(rnnLogits, features, w.Wd, C);
  const scale = w.head?.rnnScale ?? 1;
  const extra = w.head !== undefined && T > 0 ? headScores(w.head, ids) : new Float64Array(C);
  const logits = rnnLogits.map((v, c) => scale * v + (extra[c] as number));
  const max = Math.max(...logits);
  const exp = logits.map((v) => Math.exp(v - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  const probabilities = exp.map((v) => v / sum);
  const k = target ?? probabilities.indexOf(Math.max(...probabilities));

  // ∂ log p_k / ∂ rnnLogits = scale · (onehot(k) − p); through the dense layer to the features.
  const dLogits = probabilities.map((p, c) => scale * ((c === k ? 1 : 0) - p));
  const dFeatures = new Float64Array(features.length);
  timesColumn(dFeatures, w.Wd, C, dLogits);
  const inputGradients = Array.from({ length: T }, () => new Float64Array(w.D));
  runs.forEach(({ dw, positions, steps }, d) => {
    const dh = w.merge === 'concat' ? dFeatures.slice(d * H, (d + 1) * H) : dFeatures;
    if (T === 0) return;
    backwardDirection(w, dw, steps, dh).forEach((dx, step) => {
      const into = inputGradients[positions[step] as number] as Float64Array;
      for (let i = 0; i < dx.length; i++) into[i] = (into[i] as number) + (dx[i] as number);
    });
  });
  return {
    directions: runs.map(({ positions, steps }, d) => {
      const gates: Record<string, Float64Array[]> = {};
      names.forEach((name) => {
        const index = w.cell === 'lstm' ? { i: 0, f: 1, o: 3 }[name] : { z: 0, r: 1 }[name];
        gates[name] = steps.map((s) => s.act[index as number] as Float64Array);
      });
      return {
        direction: d === 0 ? 'forward' : 'backward',
        positions,
        h: steps.map((s) => s.h),
        ...(w.cell === 'lstm' ? { c: steps.map((s) => s.c as Float64Array) } : {}),
        gates,
      };
    }),
    logits,
    probabilities,
    target: k,
    inputGradients,
    influence: Float64Array.from(inputGradients, (g) => Math.hypot(...g)),
  };
}

/** {@link traceInputs} for a name's token ids (no padding). */
export function traceName(w: TraceWeights, ids: ArrayLike<number>, target?: number): NameTrace {
  return traceInputs(w, embed(w, ids), ids, target);
}

import type { CharClassifier } from '@charrnn/layers';

/**
 * "Inside the memory": the recurrent layer's state after every character, recomputed in plain
 * JS from the classifier's exported weights (Keras layout: `E, W, U, b, Wd, bd`).
 *
 * This lives in the app because `@charrnn/layers` has no API yet that returns per-step states
 * or gate activations. What we'd want there instead:
 * `CharClassifier.trace(ids): { h: Float32Array[]; c?: Float32Array[]; gates?: Record<'i'|'f'|'g'|'o', Float32Array[]> }`
 * computed by the same code paths as `logits`, so a visualisation can never drift from the model.
 * Until then, {@link MemoryTrace.maxProbabilityError} checks this recomputation against
 * `predictProba` on every trace.
 */
export interface MemoryTrace {
  cell: string;
  /** Hidden state `h_t` after each step, `[steps][units]`. */
  h: Float32Array[];
  /** LSTM only: cell state `c_t`. */
  c?: Float32Array[];
  /**
   * Gate activations per step (σ, in [0, 1]): LSTM `i` (input), `f` (forget), `o` (output);
   * GRU `z` (update), `r` (reset).
   */
  gates?: Record<string, Float32Array[]>;
  /** Softmax of `h_last·Wd + bd` (mixed with the n-gram head's scores when there is one), recomputed here. */
  probabilities: Float32Array;
  /** Largest |difference| between {@link MemoryTrace.probabilities} and the model's own. */
  maxProbabilityError: number;
}

/** Cells this module can trace (single-layer, one direction). */
export const TRACEABLE_CELLS: readonly string[] = ['rnn', 'simple', 'lstm', 'gru'];

const weightCache = new WeakMap<CharClassifier, Float32Array[]>();

function weightsOf(model: CharClassifier): Float32Array[] {
  let weights = weightCache.get(model);
  if (weights === undefined) {
    weights = model.trainableWeights.map((w) => Float32Array.from(w.dataSync() as Float32Array));
    weightCache.set(model, weights);
  }
  return weights;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** `out[j] (+)= bias[j] + Σ_k x[k]·W[k, j]` for a row-major `W` of width `out.length`. */
function affine(
  out: Float64Array,
  bias: ArrayLike<number> | null,
  x: ArrayLike<number>,
  W: Float32Array,
  add = false,
): void {
  const n = out.length;
  if (!add) out.fill(0);
  if (bias !== null) for (let j = 0; j < n; j++) out[j] = (out[j] ?? 0) + (bias[j] ?? 0);
  for (let k = 0; k < x.length; k++) {
    const xk = x[k] ?? 0;
    if (xk === 0) continue;
    const row = k * n;
    for (let j = 0; j < n; j++) out[j] = (out[j] ?? 0) + xk * (W[row + j] ?? 0);
  }
}

/**
 * Why {@link traceMemory} cannot trace this model, or `null` when it can: it covers one
 * recurrent layer, one direction, of a cell in {@link TRACEABLE_CELLS}.
 */
export function untraceableReason(model: CharClassifier): string | null {
  const config = model.config as unknown as Record<string, unknown>;
  const cell = String(config['cell']);
  if (!TRACEABLE_CELLS.includes(cell)) return `the memory view does not know the ${cell} cell`;
  if (typeof config['layers'] === 'number' && config['layers'] > 1)
    return 'the memory view covers one recurrent layer';
  if (config['bidirectional'] !== undefined) return 'the memory view covers one direction';
  if (model.trainableWeights.length !== 6) return 'unexpected weight layout';
  return null;
}

/**
 * Runs `ids` (one name, no padding) through the model's weights step by step.
 * Returns `null` when {@link untraceableReason} says the model cannot be traced.
 *
 * @param reference the model's own probabilities for these ids, when the caller already has
 *   them (saves a second forward pass); otherwise `predictProba` is run here.
 */
export function traceMemory(
  model: CharClassifier,
  ids: Int32Array,
  reference?: ArrayLike<number>,
): MemoryTrace | null {
  if (untraceableReason(model) !== null) return null;
  const config = model.config as unknown as Record<string, unknown>;
  const cell = String(config['cell']);
  const resetAfter = config['resetAfter'] === true;
  const [E, W, U, b, Wd, bd] = weightsOf(model) as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const { embedDim: D, hiddenSize: H, numClasses: C } = model.config;
  const G = cell === 'lstm' ? 4 * H : cell === 'gru' ? 3 * H : H;
  const trace: MemoryTrace = { cell, h: [], probabilities: new Float32Array(C), maxProbabilityError: 0 };
  if (cell === 'lstm') {
    trace.c = [];
    trace.gates = { i: [], f: [], o: [] };
  } else if (cell === 'gru') {
    trace.gates = { z: [], r: [] };
  }
  const zx = new Float64Array(G);
  const zh = new Float64Array(G);
  let h = new Float64Array(H);
  let c = new Float64Array(H);
  // GRU with reset_after keeps two bias rows: input [0, 3H) and recurrent [3H, 6H).
  const bx = cell === 'gru' && resetAfter ? b.subarray(0, G) : b;
  const bh = cell === 'gru' && resetAfter ? b.subarray(G, 2 * G) : null;
  for (const id of ids) {
    const x = E.subarray(id * D, (id + 1) * D);
    affine(zx, bx, x, W);
    affine(zh, bh, h, U);
    if (cell === 'rnn' || cell === 'simple') {
      h = zx.map((v, j) => Math.tanh(v + (zh[j] ?? 0)));
    } else if (cell === 'lstm') {
      // Keras gate order i, f, c, o.
      const [i, f, o] = [new Float32Array(H), new Float32Array(H), new Float32Array(H)];
      const hNext = new Float64Array(H);
      const cNext = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const pre = (g: number): number => (zx[g * H + j] ?? 0) + (zh[g * H + j] ?? 0);
        i[j] = sigmoid(pre(0));
        f[j] = sigmoid(pre(1));
        o[j] = sigmoid(pre(3));
        cNext[j] = (f[j] ?? 0) * (c[j] ?? 0) + (i[j] ?? 0) * Math.tanh(pre(2));
        hNext[j] = (o[j] ?? 0) * Math.tanh(cNext[j] ?? 0);
      }
      [h, c] = [hNext, cNext];
      trace.c?.push(Float32Array.from(c));
      trace.gates?.['i']?.push(i);
      trace.gates?.['f']?.push(f);
      trace.gates?.['o']?.push(o);
    } else {
      // Keras GRU, gate order z, r, h: h_t = z ⊙ h_{t−1} + (1 − z) ⊙ ĥ.
      const [z, r] = [new Float32Array(H), new Float32Array(H)];
      const hNext = new Float64Array(H);
      let candidateIn: Float64Array | null = null;
      if (!resetAfter) {
        // ĥ = tanh(x·W_h + (r ⊙ h)·U_h + b_h): the recurrent product needs r first.
        for (let j = 0; j < H; j++) r[j] = sigmoid((zx[H + j] ?? 0) + (zh[H + j] ?? 0));
        const rh = h.map((v, j) => v * (r[j] ?? 0));
        candidateIn = new Float64Array(H);
        const Uh = new Float32Array(H * H);
        for (let k = 0; k < H; k++) Uh.set(U.subarray(k * G + 2 * H, k * G + 3 * H), k * H);
        affine(candidateIn, null, rh, Uh);
      }
      for (let j = 0; j < H; j++) {
        z[j] = sigmoid((zx[j] ?? 0) + (zh[j] ?? 0));
        r[j] = sigmoid((zx[H + j] ?? 0) + (zh[H + j] ?? 0));
        const recurrent = candidateIn === null ? (r[j] ?? 0) * (zh[2 * H + j] ?? 0) : (candidateIn[j] ?? 0);
        const candidate = Math.tanh((zx[2 * H + j] ?? 0) + recurrent);
        hNext[j] = (z[j] ?? 0) * (h[j] ?? 0) + (1 - (z[j] ?? 0)) * candidate;
      }
      h = hNext;
      trace.gates?.['z']?.push(z);
      trace.gates?.['r']?.push(r);
    }
    trace.h.push(Float32Array.from(h));
  }
  const logits = new Float64Array(C);
  affine(logits, bd, h, Wd);
  // An attached n-gram head is mixed in as predictProba does: rnnScale · logits + head scores.
  const head = model.ngramHead;
  if (head !== undefined && ids.length > 0) {
    const scores = head.scores(ids, Int32Array.of(ids.length), 1, ids.length);
    for (let k = 0; k < C; k++) logits[k] = head.rnnScale * (logits[k] as number) + (scores[k] as number);
  }
  const max = Math.max(...logits);
  const exp = logits.map((v) => Math.exp(v - max));
  const sum = exp.reduce((s, v) => s + v, 0);
  trace.probabilities = Float32Array.from(exp, (v) => v / sum);
  if (ids.length > 0) {
    const own =
      reference ??
      model.predictProba({ ids, lengths: Int32Array.of(ids.length), batchSize: 1, maxLen: ids.length });
    let maxError = 0;
    for (let k = 0; k < C; k++)
      maxError = Math.max(maxError, Math.abs((own[k] ?? NaN) - (trace.probabilities[k] ?? 0)));
    trace.maxProbabilityError = maxError;
  }
  return trace;
}

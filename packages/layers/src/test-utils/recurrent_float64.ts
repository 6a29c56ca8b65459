// Float64 plain-JS copies of the LSTM and GRU, for finite differences without float32 noise and
// as the reference of the GRU variant tfjs-layers lacks (resetAfter, PyTorch's equations).

export interface CellParams64 {
  x: Float64Array; // [B*T, E]
  W: Float64Array; // [E, G*H]
  U: Float64Array; // [H, G*H]
  b: Float64Array; // [G*H] or [2, G*H] (GRU resetAfter: input bias, then recurrent bias)
}

export interface Layout64 {
  lengths: Int32Array;
  B: number;
  T: number;
  E: number;
  H: number;
  /** Σ R ⊙ (every step's state, zero on padding) instead of Σ R ⊙ (last state). */
  returnSequences?: boolean;
  /** [B*H] recurrent dropout multipliers. */
  drop?: ArrayLike<number>;
}

const sigmoid = (a: number): number => 1 / (1 + Math.exp(-a));

/** Row r of x·W + h·U style products: out[j] = Σ_e v[e]·M[e*cols + j]. */
function rowTimes(
  v: ArrayLike<number>,
  vOffset: number,
  n: number,
  M: Float64Array,
  cols: number,
): Float64Array {
  const out = new Float64Array(cols);
  for (let e = 0; e < n; e++) {
    const ve = v[vOffset + e] as number;
    for (let j = 0; j < cols; j++) out[j] = (out[j] as number) + ve * (M[e * cols + j] as number);
  }
  return out;
}

type F64 = Float64Array<ArrayBufferLike>;
type Step = (xz: F64, h: F64, c: F64, hIn: F64) => [F64, F64];

function run(p: CellParams64, R: ArrayLike<number>, l: Layout64, G: number, step: Step): number {
  const { lengths, B, T, E, H } = l;
  let loss = 0;
  for (let r = 0; r < B; r++) {
    let h: F64 = new Float64Array(H);
    let c: F64 = new Float64Array(H);
    for (let t = 0; t < (lengths[r] as number); t++) {
      const xz = rowTimes(p.x, (r * T + t) * E, E, p.W, G * H);
      const hIn = Float64Array.from(
        h,
        (v, j) => v * (l.drop === undefined ? 1 : (l.drop[r * H + j] as number)),
      );
      [h, c] = step(xz, h, c, hIn);
      if (l.returnSequences === true)
        for (let j = 0; j < H; j++) loss += (R[(r * T + t) * H + j] as number) * (h[j] as number);
    }
    if (l.returnSequences !== true)
      for (let j = 0; j < H; j++) loss += (R[r * H + j] as number) * (h[j] as number);
  }
  return loss;
}

/** Σ R ⊙ output of the masked LSTM (gates i, f, c, o), in float64. */
export function lstmLoss64(p: CellParams64, R: ArrayLike<number>, l: Layout64): number {
  const H = l.H;
  return run(p, R, l, 4, (xz, _h, c, hIn) => {
    const rec = rowTimes(hIn, 0, H, p.U, 4 * H);
    const h2 = new Float64Array(H);
    const c2 = new Float64Array(H);
    for (let j = 0; j < H; j++) {
      const z = (k: number): number =>
        (xz[k * H + j] as number) + (rec[k * H + j] as number) + (p.b[k * H + j] as number);
      const i = sigmoid(z(0));
      const f = sigmoid(z(1));
      const g = Math.tanh(z(2));
      const o = sigmoid(z(3));
      c2[j] = f * (c[j] as number) + i * g;
      h2[j] = o * Math.tanh(c2[j] as number);
    }
    return [h2, c2];
  });
}

/**
 * Σ R ⊙ output of the masked GRU (gates z, r, h), in float64.
 * resetAfter false (Keras 2): h̃ = tanh(x·W_h + b_h + (r ⊙ h)·U_h).
 * resetAfter true (PyTorch): h̃ = tanh(x·W_h + b_h + r ⊙ (h·U_h + rb_h)), bias [2, 3H].
 * Both: h' = z ⊙ h + (1 − z) ⊙ h̃.
 */
export function gruLoss64(p: CellParams64, R: ArrayLike<number>, l: Layout64, resetAfter: boolean): number {
  const H = l.H;
  return run(p, R, l, 3, (xz, h, c, hIn) => {
    const G = 3 * H;
    const rb = (k: number): number => (resetAfter ? (p.b[G + k] as number) : 0);
    const rec = rowTimes(hIn, 0, H, p.U, G);
    const h2 = new Float64Array(H);
    const zs = new Float64Array(H);
    const rs = new Float64Array(H);
    for (let j = 0; j < H; j++) {
      zs[j] = sigmoid((xz[j] as number) + (p.b[j] as number) + (rec[j] as number) + rb(j));
      rs[j] = sigmoid((xz[H + j] as number) + (p.b[H + j] as number) + (rec[H + j] as number) + rb(H + j));
    }
    let recH: F64;
    if (resetAfter)
      recH = Float64Array.from(
        { length: H },
        (_, j) => (rs[j] as number) * ((rec[2 * H + j] as number) + rb(2 * H + j)),
      );
    else {
      const rh = Float64Array.from(hIn, (v, j) => v * (rs[j] as number));
      const full = rowTimes(rh, 0, H, p.U, G);
      recH = full.subarray(2 * H);
    }
    for (let j = 0; j < H; j++) {
      const cand = Math.tanh((xz[2 * H + j] as number) + (p.b[2 * H + j] as number) + (recH[j] as number));
      h2[j] = (zs[j] as number) * (h[j] as number) + (1 - (zs[j] as number)) * cand;
    }
    return [h2, c];
  });
}

/** Σ R ⊙ output of the masked tanh RNN (Keras SimpleRNN), in float64. */
export function simpleRnnLoss64(p: CellParams64, R: ArrayLike<number>, l: Layout64): number {
  const H = l.H;
  return run(p, R, l, 1, (xz, _h, c, hIn) => {
    const rec = rowTimes(hIn, 0, H, p.U, H);
    return [
      Float64Array.from({ length: H }, (_, j) =>
        Math.tanh((xz[j] as number) + (rec[j] as number) + (p.b[j] as number)),
      ),
      c,
    ];
  });
}

// A float64 plain-JS copy of the tutorial RNN, for finite differences without float32 noise.

export interface RnnParams64 {
  x: Float64Array; // [B*T, E]
  Wx: Float64Array; // [E, H]
  Wh: Float64Array; // [H, H]
  b: Float64Array; // [H]
}

/** Σ_{r,j} R[r,j] · h_last[r,j] for the masked tanh RNN, in float64. */
export function rnnLoss64(
  p: RnnParams64,
  R: ArrayLike<number>,
  lengths: Int32Array,
  B: number,
  T: number,
  E: number,
  H: number,
): number {
  let loss = 0;
  for (let r = 0; r < B; r++) {
    let h = new Float64Array(H);
    for (let t = 0; t < (lengths[r] as number); t++) {
      const next = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        let a = p.b[j] as number;
        for (let e = 0; e < E; e++) a += (p.x[(r * T + t) * E + e] as number) * (p.Wx[e * H + j] as number);
        for (let i = 0; i < H; i++) a += (h[i] as number) * (p.Wh[i * H + j] as number);
        next[j] = Math.tanh(a);
      }
      h = next;
    }
    for (let j = 0; j < H; j++) loss += (R[r * H + j] as number) * (h[j] as number);
  }
  return loss;
}

/** Central finite differences of `f` with respect to every entry of `v` (modified in place, restored). */
export function finiteDifferences(f: () => number, v: Float64Array, eps = 1e-6): Float64Array {
  const g = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const keep = v[i] as number;
    v[i] = keep + eps;
    const up = f();
    v[i] = keep - eps;
    const down = f();
    v[i] = keep;
    g[i] = (up - down) / (2 * eps);
  }
  return g;
}

// tanh and σ in plain JS for the gate loops of the `'js'` paths (our SIMD kernels use the same
// function in WebAssembly).

/** Beyond ±this, tanh is 1 to float32 precision (tanh(7.905) = 1 − 2.7e-7). */
const TANH_CLAMP = 7.90531110763549805;

/**
 * tanh to float32 accuracy, with no exponential: the [13/6] odd rational minimax approximation
 * that Eigen uses for float tanh (`x·P(x²) / Q(x²)` on |x| < 7.905, ±1 beyond). Absolute error
 * below 3e-7 everywhere (float32 spacing near 1 is 6e-8; tested against `Math.tanh`); relative
 * error below 2e-7 near 0. In the gate loops it costs about half of an exponential-based tanh
 * (measured: the LSTM forward gate loop 56 → 34 ns per unit), because it needs no float→int
 * rounding and no table look-ups (docs/performance.md, "A rational tanh").
 * @internal
 */
export function tanhJs(x: number): number {
  if (x >= TANH_CLAMP) return 1;
  if (x <= -TANH_CLAMP) return -1;
  const x2 = x * x;
  const p =
    4.89352455891786e-3 +
    x2 *
      (6.37261928875436e-4 +
        x2 *
          (1.48572235717979e-5 +
            x2 *
              (5.12229709037114e-8 +
                x2 * (-8.60467152213735e-11 + x2 * (2.00018790482477e-13 + x2 * -2.76076847742355e-16)))));
  const q =
    4.89352518554385e-3 + x2 * (2.268434632439e-3 + x2 * (1.18534705686654e-4 + x2 * 1.19825839466702e-6));
  return (x * p) / q;
}

/** σ(a) = (1 + tanh(a/2)) / 2, through {@link tanhJs}: absolute error below 1.5e-7. @internal */
export function sigmoid(a: number): number {
  return 0.5 + 0.5 * tanhJs(0.5 * a);
}

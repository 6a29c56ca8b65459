import { describe, expect, it } from 'vitest';
import { sigmoid, tanhJs } from './activations_js.js';

describe('tanhJs and sigmoid (rational, float32 accuracy)', () => {
  it('equal Math.tanh and the logistic function to 3e-7 / 1.5e-7 absolute error', () => {
    let worstTanh = 0;
    let worstSigmoid = 0;
    for (let x = -30; x <= 30; x += 0.000137) {
      worstTanh = Math.max(worstTanh, Math.abs(tanhJs(x) - Math.tanh(x)));
      worstSigmoid = Math.max(worstSigmoid, Math.abs(sigmoid(x) - 1 / (1 + Math.exp(-x))));
    }
    expect(worstTanh).toBeLessThanOrEqual(3e-7);
    expect(worstSigmoid).toBeLessThanOrEqual(1.5e-7);
    // Near 0 the error is relative: tanh(x) ≈ x.
    for (const x of [1e-9, -3e-6, 1e-3])
      expect(Math.abs(tanhJs(x) / Math.tanh(x) - 1)).toBeLessThanOrEqual(2e-7);
  });

  it('are odd / symmetric, monotone and saturate at exactly ±1 / 0 and 1', () => {
    let previous = -1;
    let asymmetric = 0;
    let decreasing = 0;
    for (let x = -10; x <= 10; x += 0.0003) {
      const y = tanhJs(x);
      if (tanhJs(-x) !== -y) asymmetric++;
      if (y < previous) decreasing++;
      previous = y;
    }
    expect({ asymmetric, decreasing }).toEqual({ asymmetric: 0, decreasing: 0 });
    expect(tanhJs(1e6)).toBe(1);
    expect(tanhJs(-1e6)).toBe(-1);
    expect(sigmoid(1e6)).toBe(1);
    expect(sigmoid(-1e6)).toBe(0);
    expect(sigmoid(0)).toBe(0.5);
    expect(tanhJs(Number.NaN)).toBeNaN();
  });
});

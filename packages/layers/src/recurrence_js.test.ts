import { describe, expect, it } from 'vitest';
import { expJs, lengthOrder, sigmoid, tanhJs } from './recurrence_js.js';

describe('expJs', () => {
  it('equals Math.exp to 2e-8 relative error over the float32 range', () => {
    let worst = 0;
    for (let x = -87; x <= 88; x += 0.0137) worst = Math.max(worst, Math.abs(expJs(x) / Math.exp(x) - 1));
    expect(worst).toBeLessThanOrEqual(2e-8);
    expect(expJs(0)).toBe(1);
  });

  it('saturates instead of overflowing, so sigmoid and tanh reach their limits', () => {
    expect(sigmoid(1e6)).toBe(1);
    expect(sigmoid(-1e6)).toBeLessThan(1e-37);
    expect(tanhJs(1e6)).toBe(1);
    expect(tanhJs(-1e6)).toBe(-1);
    expect(Math.abs(tanhJs(0.3) - Math.tanh(0.3))).toBeLessThanOrEqual(1e-15);
    expect(Math.abs(tanhJs(1e-9) - 1e-9)).toBeLessThanOrEqual(1e-16);
  });
});

describe('lengthOrder', () => {
  it('sorts rows longest first (stable) and counts the sequences running at each step', () => {
    const { order, running } = lengthOrder(Int32Array.from([2, 4, 0, 4, 1]), 4);
    expect(Array.from(order)).toEqual([1, 3, 0, 4, 2]);
    expect(Array.from(running)).toEqual([4, 3, 2, 2]);
  });
});

import { describe, expect, it } from 'vitest';
import { lengthOrder } from './run_plan.js';

describe('lengthOrder', () => {
  it('sorts rows longest first (stable) and counts the sequences running at each step', () => {
    const { order, running } = lengthOrder(Int32Array.from([2, 4, 0, 4, 1]), 4);
    expect(Array.from(order)).toEqual([1, 3, 0, 4, 2]);
    expect(Array.from(running)).toEqual([4, 3, 2, 2]);
  });
});

import { describe, expect, it } from 'vitest';
import { predictionOrder } from './prediction_order.js';

const SEQUENCES = [[3, 4, 5], [3], [2, 9], [3, 4], [], [3, 4, 5], [2, 1, 1, 1]].map((s) =>
  Int32Array.from(s),
);

describe('predictionOrder', () => {
  it("orders by tokens (a prefix before its extensions, ties by index) when the model asks for 'tokens'", () => {
    const order = predictionOrder(
      { batchOrder: 'tokens' },
      [0, 1, 2, 3, 4, 5, 6],
      (i) => SEQUENCES[i] as Int32Array,
    );
    expect(order).toEqual([4, 6, 2, 1, 3, 0, 5]);
  });

  it("orders by length (ties by index) when the model asks for 'length', and keeps to the indices given", () => {
    const order = predictionOrder(
      { batchOrder: 'length' },
      [6, 5, 3, 2, 1, 0],
      (i) => SEQUENCES[i] as Int32Array,
    );
    expect(order).toEqual([1, 2, 3, 0, 5, 6]);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatValue } from './format_value.js';
import { fcParams } from '../../../test-utils/fuzz.js';

describe('formatValue', () => {
  it('matches JSON.stringify on plain JSON values', () => {
    for (const value of ['bpe', 2, 1.5, [2, -3], { a: [1, 'x'] }, null, true, 1e21, 'é"\n'])
      expect(formatValue(value)).toBe(JSON.stringify(value));
  });

  it('shows what JSON.stringify cannot', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    expect(formatValue(undefined)).toBe('undefined');
    expect(formatValue(7n)).toBe('7n');
    expect(formatValue([NaN, -Infinity, -0])).toBe('[NaN,-Infinity,-0]');
    expect(formatValue(Symbol('s'))).toBe('Symbol(s)');
    expect(formatValue(() => 1)).toBe('[Function]');
    expect(formatValue(new ArrayBuffer(4))).toBe('ArrayBuffer(4)');
    expect(formatValue(new Float32Array(3))).toBe('Float32Array(12 bytes)');
    expect(formatValue(cyclic)).toBe('{"a":1,"self":[Circular]}');
    expect(formatValue([[[[[1]]]]])).toBe('[[[[[…]]]]]');
    expect(formatValue(Array.from({ length: 20 }, (_, i) => i))).toBe(
      '[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,… 4 more]',
    );
    const throwing = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error('no');
        },
      },
    );
    expect(formatValue(throwing)).toBe('[unprintable value]');
  });

  it('cuts long renderings without splitting a surrogate pair', () => {
    expect(formatValue('x'.repeat(500), 10)).toBe('"xxxxxxxx…');
    expect(formatValue('😀😀😀😀', 6)).toBe('"😀😀…');
    expect(formatValue('😀😀😀😀', 5)).toBe('"😀…');
    expect(formatValue('abc', 1)).toBe('…');
  });

  it('never throws and respects maxLength on arbitrary values', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withNullPrototype: true,
          withTypedArray: true,
          withSparseArray: true,
          withMap: true,
          withDate: true,
          withBoxedValues: true,
        }),
        fc.integer({ min: 1, max: 200 }),
        (value, max) => formatValue(value, max).length <= max,
      ),
      fcParams(),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { checkSetting, TRAIN_LIMITS } from './train_limits.js';

describe('checkSetting', () => {
  it('accepts values in range and refuses the rest in the CLI’s words', () => {
    expect(checkSetting('64', TRAIN_LIMITS.hidden)).toEqual({ value: 64 });
    expect(checkSetting('0', TRAIN_LIMITS.epochs)).toEqual({
      problem: 'must be between 1 and 100000, got 0',
    });
    expect(checkSetting('-5', TRAIN_LIMITS.hidden)).toEqual({
      problem: 'must be between 1 and 4096, got -5',
    });
    expect(checkSetting('2.5', TRAIN_LIMITS.batch)).toEqual({ problem: "expected an integer, got '2.5'" });
    expect(checkSetting('', TRAIN_LIMITS.embed)).toEqual({ problem: "expected an integer, got ''" });
    expect(checkSetting('0', TRAIN_LIMITS.lr)).toEqual({
      problem: 'must be greater than 0 and at most 10, got 0',
    });
    expect(checkSetting('abc', TRAIN_LIMITS.lr)).toEqual({ problem: "expected a number, got 'abc'" });
    expect(checkSetting('0.003', TRAIN_LIMITS.lr)).toEqual({ value: 0.003 });
  });
});

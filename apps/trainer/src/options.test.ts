import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '@charrnn/core';
import { parseChoice, parseInteger, parseNumber } from './options.js';

describe('flag parsing', () => {
  it('accepts valid values', () => {
    expect(parseInteger('--batch', '64', 1)).toBe(64);
    expect(parseNumber('--lr', '0.003', 0, 10, { exclusiveMin: true })).toBe(0.003);
    expect(parseChoice('--sampler', 'tutorial', ['tutorial', 'shuffle'] as const)).toBe('tutorial');
  });

  it('names the flag in every error', () => {
    expect(() => parseInteger('--batch', '6.5', 1)).toThrow("field --batch: expected an integer, got '6.5'");
    expect(() => parseInteger('--batch', '0', 1, 10)).toThrow(
      'field --batch: must be between 1 and 10, got 0',
    );
    expect(() => parseNumber('--lr', 'abc', 0, 10)).toThrow("field --lr: expected a number, got 'abc'");
    expect(() => parseNumber('--lr', '0', 0, 10, { exclusiveMin: true })).toThrow(
      'field --lr: must be greater than 0 and at most 10, got 0',
    );
    expect(() => parseChoice('--sampler', 'random', ['tutorial', 'shuffle'] as const)).toThrow(
      "field --sampler: expected one of tutorial, shuffle, got 'random'",
    );
  });

  it('names the config file, line and key when the value came from a file', () => {
    const where = { file: 'run.yaml', line: 3, field: 'lr' };
    expect(() => parseNumber(where, 'x', 0, 1)).toThrow(InvalidConfigError);
    expect(() => parseNumber(where, 'x', 0, 1)).toThrow(
      "run.yaml line 3 field lr: expected a number, got 'x'",
    );
  });
});

import { describe, expect, it } from 'vitest';
import { parseChoice, parseInteger, parseNumber } from './options.js';
import { resolveTrainConfig, type RawTrainOptions } from './commands/train.js';

const defaults: RawTrainOptions = {
  out: 'runs/x',
  cell: 'rnn',
  layers: '1',
  dropout: '0',
  recurrentDropout: '0',
  hidden: '128',
  embed: '128',
  batch: '32',
  optimizer: 'adam',
  momentum: '0.9',
  clip: '5',
  sampler: 'shuffle',
  alphabet: 'tutorial',
  seed: '42',
  backend: 'auto',
};

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

  it('resolves train defaults and rejects contradictions', () => {
    const config = resolveTrainConfig(defaults);
    expect(config.epochs).toBe(10);
    expect(config.iters).toBeNull();
    expect(config.lr).toBe(0.003);
    expect(resolveTrainConfig({ ...defaults, optimizer: 'sgd' }).lr).toBe(0.01);
    expect(resolveTrainConfig({ ...defaults, iters: '500' }).epochs).toBeNull();
    expect(() => resolveTrainConfig({ ...defaults, iters: '5', epochs: '2' })).toThrow(
      'give either --epochs or --iters',
    );
    expect(() => resolveTrainConfig({ ...defaults, out: undefined })).toThrow('field --out: is required');
    expect(() => resolveTrainConfig({ ...defaults, cell: 'transformer' })).toThrow(
      "field --cell: expected one of rnn, simple, lstm, gru, got 'transformer'",
    );
  });

  it('resolves the architecture flags', () => {
    const config = resolveTrainConfig({
      ...defaults,
      cell: 'gru',
      layers: '2',
      bidirectional: true,
      dropout: '0.2',
      recurrentDropout: '0.1',
      resetAfter: true,
    });
    expect(config).toMatchObject({
      cell: 'gru',
      layers: 2,
      bidirectional: 'concat',
      dropout: 0.2,
      recurrent_dropout: 0.1,
      reset_after: true,
    });
    expect(resolveTrainConfig({ ...defaults, bidirectional: 'sum' }).bidirectional).toBe('sum');
    expect(resolveTrainConfig(defaults)).toMatchObject({
      layers: 1,
      bidirectional: null,
      reset_after: false,
    });
    expect(() => resolveTrainConfig({ ...defaults, bidirectional: 'max' })).toThrow(
      "field --bidirectional: expected one of concat, sum, got 'max'",
    );
    expect(() => resolveTrainConfig({ ...defaults, cell: 'lstm', resetAfter: true })).toThrow(
      'field --reset-after: applies to --cell gru only',
    );
    expect(() => resolveTrainConfig({ ...defaults, dropout: '1' })).toThrow(
      'field --dropout: must be between 0 and 0.95, got 1',
    );
  });
});

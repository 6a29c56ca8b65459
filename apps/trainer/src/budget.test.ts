import { InvalidArgumentError } from '@charrnn/core';
import { describe, expect, it } from 'vitest';
import { checkBudget, estimateTraining, MAX_PARAMETERS } from './budget.js';

const base = { cell: 'gru' as const, vocabSize: 59, embedDim: 64, hiddenSize: 128, numClasses: 18 };

describe('estimateTraining', () => {
  it('counts the parameters of a GRU classifier exactly', () => {
    // E 59×64; GRU kernels 3·128·(64 + 128) + bias 3·128; dense 128×18 + 18.
    expect(estimateTraining(base, 64, 20).parameters).toBe(
      59 * 64 + 3 * 128 * (64 + 128 + 1) + 128 * 18 + 18,
    );
    const bi = estimateTraining({ ...base, bidirectional: 'concat', layers: 2 }, 64, 20).parameters;
    expect(bi).toBe(59 * 64 + 2 * 3 * 128 * (64 + 128 + 1) + 2 * 3 * 128 * (256 + 128 + 1) + 256 * 18 + 18);
  });
});

describe('checkBudget', () => {
  it('lets the default recipe through with a cost line and no slow-step line', () => {
    const result = checkBudget({ ...base, bidirectional: 'concat' }, 64, 20, false);
    expect(result.cost).toMatch(/^\d+\.\d k parameters, about 0\.\d GiB of training memory$/);
    expect(result.slowInit).toBeUndefined();
  });

  it('refuses --hidden 4096 --layers 64 before anything is allocated, unless --allow-large', () => {
    const huge = { ...base, hiddenSize: 4096, layers: 64 };
    expect(() => checkBudget(huge, 64, 20, false)).toThrow(InvalidArgumentError);
    expect(() => checkBudget(huge, 64, 20, false)).toThrow(
      /^field --hidden: this model has 6\.\d G parameters, about \d+\.\d GiB of training memory \(batch 64, names up to 20 characters\), over the budget of 50\.0 M parameters and 4\.0 GiB; lower --hidden, --layers or --batch, or pass --allow-large if you mean it$/,
    );
    expect(estimateTraining(huge, 64, 20).parameters).toBeGreaterThan(100 * MAX_PARAMETERS);
    // Meant: allowed, with the line printed before the slow orthogonal initialization.
    expect(checkBudget(huge, 64, 20, true).slowInit).toMatch(
      /^initializing 6\.\d G parameters \(orthogonal 4096×4096/,
    );
  });

  it('refuses on memory alone: a small model on very long names in large batches', () => {
    expect(() => checkBudget(base, 65_536, 2_000, false)).toThrow(/of training memory/);
    expect(checkBudget({ ...base, hiddenSize: 512 }, 64, 20, false).slowInit).toMatch(/^initializing/);
  });
});

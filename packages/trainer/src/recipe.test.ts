import { describe, expect, it } from 'vitest';
import { DEFAULT_RECIPE, TUTORIAL_RECIPE, checkRecipe, type Recipe } from './recipe.js';

describe('recipes', () => {
  it('DEFAULT_RECIPE and TUTORIAL_RECIPE are valid, frozen, plain JSON', () => {
    for (const recipe of [DEFAULT_RECIPE, TUTORIAL_RECIPE]) {
      expect(checkRecipe(recipe)).toBe(recipe);
      expect(JSON.parse(JSON.stringify(recipe))).toEqual(recipe);
      expect(Object.isFrozen(recipe) && Object.isFrozen(recipe.model)).toBe(true);
    }
    expect(TUTORIAL_RECIPE).toMatchObject({
      model: { cell: 'rnn', bidirectional: null, hidden: 128, embed: 128, dropout: 0 },
      optimizer: { kind: 'sgd', learningRate: 0.01, momentum: 0.9, clipNorm: 1 },
      sampler: 'tutorial',
      batchSize: 1,
      iterations: 105_000,
      epochs: null,
      ngram: null,
      logitAdjustment: 0,
    });
  });

  it.each([
    [
      { model: { ...DEFAULT_RECIPE.model, cell: 'tanh' } },
      'recipe.model.cell',
      'expected one of "rnn", "simple", "lstm", "gru", got "tanh"',
    ],
    [
      { model: { ...DEFAULT_RECIPE.model, cell: 'lstm', resetAfter: true } },
      'recipe.model.resetAfter',
      'applies to cell gru only',
    ],
    [
      { optimizer: { ...DEFAULT_RECIPE.optimizer, learningRate: 0 } },
      'recipe.optimizer.learningRate',
      'expected a number in (0, 10], got 0',
    ],
    [{ iterations: 5 }, 'recipe.iterations', 'give exactly one of epochs and iterations (the other null)'],
    [{ evalEvery: 5 }, 'recipe.evalEvery', 'applies to iterations only (epochs evaluate once each)'],
    [{ ngram: { order: 9, weight: 0.5 } }, 'recipe.ngram.order', 'expected an integer in [1, 8], got 9'],
    [{ logitAdjustment: 'yes' }, 'recipe.logitAdjustment', 'expected a number in [0, 5], got "yes"'],
    [
      { monitor: { ...DEFAULT_RECIPE.monitor, plateau: { patience: 2, factor: 1 } } },
      'recipe.monitor.plateau.factor',
      'expected a number in (0, 0.9999], got 1',
    ],
    [
      { schedule: { type: 'step', everyEpochs: 0, gamma: 0.5 } },
      'recipe.schedule.everyEpochs',
      'expected an integer in [1, 100000], got 0',
    ],
  ])('refuses %o naming %s', (change, field, message) => {
    const recipe = { ...DEFAULT_RECIPE, ...change } as unknown as Recipe;
    expect(() => checkRecipe(recipe)).toThrow(`field ${field}: ${message}`);
  });
});

import { InvalidConfigError } from '@charrnn/core';
import { describe, expect, it } from 'vitest';
import {
  BALANCED_GENERATOR_RECIPE,
  BALANCED_LABEL_ALPHA,
  DEFAULT_GENERATOR_RECIPE,
  NAMES_REFERENCE_GENERATOR_RECIPE,
  checkGeneratorRecipe,
} from './generator_recipe.js';
import type { GeneratorRecipe } from './generator_recipe.js';

describe('BALANCED_GENERATOR_RECIPE', () => {
  it('is the names reference model on label-balanced draws (α = 0.5), keeping the last epoch', () => {
    expect(BALANCED_LABEL_ALPHA).toBe(0.5);
    expect(BALANCED_GENERATOR_RECIPE).toEqual({
      ...NAMES_REFERENCE_GENERATOR_RECIPE,
      sampler: 'balanced',
      labelAlpha: 0.5,
      restoreBest: false,
    });
    expect(() => checkGeneratorRecipe(BALANCED_GENERATOR_RECIPE)).not.toThrow();
  });

  it('checkGeneratorRecipe names the sampler and labelAlpha problems', () => {
    const check =
      (recipe: Partial<GeneratorRecipe>): (() => void) =>
      () =>
        checkGeneratorRecipe({ ...DEFAULT_GENERATOR_RECIPE, ...recipe });
    expect(check({ sampler: 'balanced' })).not.toThrow();
    expect(check({ sampler: 'balanced', labelAlpha: 0 })).not.toThrow();
    expect(check({ sampler: 'balanced', labelAlpha: 1 })).not.toThrow();
    expect(check({ sampler: 'random' as 'balanced' })).toThrow(
      'sampler must be shuffle, tutorial or balanced, got "random"',
    );
    expect(check({ labelAlpha: 0.5 })).toThrow("labelAlpha applies to sampler 'balanced' only");
    expect(check({ sampler: 'tutorial', labelAlpha: 0.5 })).toThrow(/applies to sampler 'balanced' only/);
    for (const labelAlpha of [-0.1, 1.5, Number.NaN, '0.5' as unknown as number]) {
      const error = (() => {
        try {
          check({ sampler: 'balanced', labelAlpha })();
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(error).toBeInstanceOf(InvalidConfigError);
      expect((error as InvalidConfigError).message).toMatch(/labelAlpha must be a number in \[0, 1\]/);
      expect((error as InvalidConfigError).field).toBe('labelAlpha');
    }
  });
});

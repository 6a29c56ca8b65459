// Test-only: tiny synthetic names and text for the generator tests (no dataset is copied).
import { Rng } from '@charrnn/core';
import type { LabeledName } from '@charrnn/data';

/** `count` names of two made-up languages: "Soft" (open syllables: ends in a vowel) and "Hard" (closed: ends in k, t or m). */
export function syntheticNames(count: number, seed: number): LabeledName[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const soft = rng.int(2) === 0;
    const syllables = 2 + rng.int(2);
    let name = '';
    for (let i = 0; i < syllables; i++)
      name += soft
        ? rng.choice(['ma', 'li', 'na', 'so', 'ri', 'lu'])
        : rng.choice(['berk', 'dort', 'grim', 'kost', 'trak']);
    name = name.charAt(0).toUpperCase() + name.slice(1);
    return { name, label: soft ? 'Soft' : 'Hard' };
  });
}

/** A text of `words` made-up words in lines of 8. */
export function syntheticText(words: number, seed: number): string {
  const rng = new Rng(seed);
  const vocabulary = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'and', 'dog', 'ran', 'far'];
  let text = '';
  for (let i = 0; i < words; i++) text += rng.choice(vocabulary) + ((i + 1) % 8 === 0 ? '.\n' : ' ');
  return text;
}

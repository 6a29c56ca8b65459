// Test-only: a tiny synthetic corpus whose label is readable from the last letter.
import { Rng } from '@charrnn/core';
import type { Example } from '@charrnn/data';

/** Labels of {@link syntheticExamples}: names ending in "a" vs names ending in "o". */
export const LABELS = ['ends-in-a', 'ends-in-o'];

/** id of a lower-case letter: 'a' → 2 ... 'z' → 27 (0 is PAD, 1 is UNK). */
const idOf = (ch: string): number => ch.charCodeAt(0) - 95;

/** `count` random names of 3–8 letters; label 0 ends in "a", label 1 ends in "o". */
export function syntheticExamples(count: number, seed: number): Example[] {
  const rng = new Rng(seed);
  const consonants = 'bcdfgklmnprstvz';
  const vowels = 'eiu';
  return Array.from({ length: count }, () => {
    const label = rng.int(2);
    const length = 3 + rng.int(6);
    let name = '';
    for (let i = 0; i < length - 1; i++)
      name += i % 2 === 0 ? rng.choice([...consonants]) : rng.choice([...vowels]);
    name += label === 0 ? 'a' : 'o';
    return { ids: Int32Array.from([...name], idOf), label };
  });
}

/** `count` random made-up names labelled by their ending ("…ka" Aland, "…zo" Borland, "…mir" Cirland). */
export function syntheticNames(count: number, seed: number): { name: string; label: string }[] {
  const rng = new Rng(seed);
  const endings = [
    ['Aland', 'ka'],
    ['Borland', 'zo'],
    ['Cirland', 'mir'],
  ] as const;
  const syllables = ['ta', 've', 'ri', 'lo', 'nu', 'sa', 'pe', 'do', 'bi', 'ga'];
  return Array.from({ length: count }, () => {
    const [label, ending] = endings[rng.int(endings.length)] as (typeof endings)[number];
    let stem = '';
    for (let i = 1 + rng.int(3); i > 0; i--) stem += rng.choice(syllables);
    return { name: stem[0]?.toUpperCase() + stem.slice(1) + ending, label };
  });
}

import { describe, expect, it } from 'vitest';
import { TUTORIAL_ALPHABET } from './alphabet.js';
import { foldToAscii } from './fold_to_ascii.js';

describe('TUTORIAL_ALPHABET', () => {
  it('is ascii_letters + " .,;\'" (57 symbols)', () => {
    expect(TUTORIAL_ALPHABET).toBe("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,;'");
    expect(TUTORIAL_ALPHABET.length).toBe(57);
    expect(new Set(TUTORIAL_ALPHABET).size).toBe(57);
  });
});

describe('foldToAscii', () => {
  it.each([
    ['Ślusàrski', 'Slusarski'],
    ['Müller', 'Muller'],
    ["O'Néal", "O'Neal"],
    ['Łukasz', 'ukasz'], // Ł has no decomposition: dropped, as in the tutorial
    ['Straße', 'Strae'],
    ['Nguyễn', 'Nguyen'], // two stacked marks
    ['Zoë Ångström', 'Zoe Angstrom'],
    ['O’Neal', 'ONeal'], // U+2019 is not the ASCII apostrophe
    ['Chu-Li 2nd', 'ChuLi nd'],
    ['Ĳsselmeer', 'sselmeer'], // compatibility ligature: NFD (unlike NFKD) keeps it, so it is dropped
    ['王芳', ''],
    ['', ''],
  ])('%s -> %s', (input, expected) => {
    expect(foldToAscii(input)).toBe(expected);
  });

  it('handles decomposed input and astral symbols', () => {
    expect(foldToAscii('Se\u0301verine')).toBe('Severine');
    expect(foldToAscii('Ana😀Lu')).toBe('AnaLu');
    expect(foldToAscii('a\uD800b')).toBe('ab'); // lone surrogate dropped
  });

  it('folds to a custom alphabet', () => {
    expect(foldToAscii('Éva-Marie', 'EvaMrie-')).toBe('Eva-Marie');
    expect(foldToAscii('Ébène', 'abcde')).toBe('bee');
  });
});

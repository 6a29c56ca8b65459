import { TUTORIAL_ALPHABET } from './alphabet.js';

const COMBINING_MARK = /\p{M}/gu;

/**
 * NFD-decomposes `text`, drops combining marks, then keeps only the code points in `allowed`.
 * @internal
 */
export function foldWith(text: string, allowed: ReadonlySet<string>): string {
  let out = '';
  for (const ch of text.normalize('NFD').replace(COMBINING_MARK, '')) if (allowed.has(ch)) out += ch;
  return out;
}

/**
 * Folds text to an alphabet the way the PyTorch names tutorial's `unicodeToAscii` does:
 * Unicode NFD decomposition, removal of combining marks (`\p{M}`), then removal of every
 * character not in `alphabet`.
 *
 * Letters with a diacritic that *decomposes* keep their base letter (`'Ś'` → `'S'`). Letters
 * without a decomposition are not transliterated but dropped, exactly as in the tutorial:
 * `'Łukasz'` → `'ukasz'`, `'Straße'` → `'Strae'`. Likewise a typographic apostrophe (U+2019) is
 * dropped, only the ASCII `'` is kept.
 *
 * @param text any string (lone surrogates included; they are dropped)
 * @param alphabet characters to keep; defaults to {@link TUTORIAL_ALPHABET}
 *
 * @example
 * ```ts
 * foldToAscii('Ślusàrski'); // 'Slusarski'
 * foldToAscii("O'Néal");    // "O'Neal"
 * ```
 */
export function foldToAscii(text: string, alphabet: string = TUTORIAL_ALPHABET): string {
  return foldWith(text, new Set(alphabet));
}

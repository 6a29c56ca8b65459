import type { Tokenizer } from '@charrnn/tokenizer';
import { UNK_ID } from '@charrnn/tokenizer';

/** Names longer than this are cut: the demo reads the first {@link MAX_NAME_LENGTH} characters. */
export const MAX_NAME_LENGTH = 64;

/** What the model will read of what the visitor typed. */
export interface NameReading {
  /** The text given to the model (trimmed, at most {@link MAX_NAME_LENGTH} characters). */
  name: string;
  /** True when the input was longer and got cut. */
  truncated: boolean;
  /** The name after the tokenizer's normalization (ASCII folding for the tutorial alphabet). */
  normalized: string;
  /** Token ids of `normalized`. */
  ids: Int32Array;
  /** One entry per token: the character read, or `'\uFFFD'` where the tokenizer does not know it. */
  symbols: string[];
  /** Characters of the input that the tokenizer dropped or does not know (distinct, in order). */
  unknown: string[];
}

/** Normalizes, caps and encodes a typed name, and lists what the tokenizer could not read. */
export function readName(input: string, tokenizer: Tokenizer): NameReading {
  const chars = Array.from(input.trim());
  const truncated = chars.length > MAX_NAME_LENGTH;
  const name = chars.slice(0, MAX_NAME_LENGTH).join('');
  const normalized = tokenizer.normalize(name);
  const ids = tokenizer.encode(name);
  const symbols = Array.from(ids, (id) => (id === UNK_ID ? '\uFFFD' : tokenizer.decode([id])));
  const unknown: string[] = [];
  for (const ch of new Set(name)) {
    const read = tokenizer.encode(ch);
    if (ch.trim() !== '' && (read.length === 0 || read.includes(UNK_ID))) unknown.push(ch);
  }
  return { name, truncated, normalized, ids, symbols, unknown };
}

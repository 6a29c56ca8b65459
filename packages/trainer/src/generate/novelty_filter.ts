import { InvalidBundleError } from '@charrnn/core';
import type { Tokenizer } from '@charrnn/tokenizer';

/** JSON form of a {@link NoveltyFilter}. */
export interface NoveltyFilterJSON {
  /** Always `'fnv1a-64'`. */
  hash: 'fnv1a-64';
  /** Number of distinct training names. */
  count: number;
  /** Sorted 64-bit fingerprints as 16 hex digits each, concatenated. */
  hex: string;
}

/**
 * The training names of a generator as 64-bit FNV-1a fingerprints of their normalized form, so
 * that a saved generator can reject names seen in training (`novel` sampling) without carrying
 * the names themselves. A collision can only make a new name count as seen (rejected), never the
 * other way round; with 20,000 names its chance per name is about 1e-15.
 */
export class NoveltyFilter {
  private readonly set: Set<bigint>;

  private constructor(fingerprints: Iterable<bigint>) {
    this.set = new Set(fingerprints);
  }

  /** The filter of `names` as `tokenizer` normalizes them. */
  static of(names: Iterable<string>, tokenizer: Pick<Tokenizer, 'normalize'>): NoveltyFilter {
    const out: bigint[] = [];
    for (const n of names) out.push(fingerprint(tokenizer.normalize(n)));
    return new NoveltyFilter(out);
  }

  /** Whether `normalizedName` (a name as the tokenizer normalizes it) was a training name. */
  has(normalizedName: string): boolean {
    return this.set.has(fingerprint(normalizedName));
  }

  /** Number of distinct fingerprints. */
  get size(): number {
    return this.set.size;
  }

  toJSON(): NoveltyFilterJSON {
    const sorted = [...this.set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return {
      hash: 'fnv1a-64',
      count: sorted.length,
      hex: sorted.map((f) => f.toString(16).padStart(16, '0')).join(''),
    };
  }

  /** @throws InvalidBundleError naming `field` when `json` is not a filter */
  static fromJSON(json: unknown, field = 'novelty'): NoveltyFilter {
    const r = json as Partial<NoveltyFilterJSON> | null;
    if (
      typeof r !== 'object' ||
      r === null ||
      r.hash !== 'fnv1a-64' ||
      typeof r.hex !== 'string' ||
      !/^[0-9a-f]*$/.test(r.hex) ||
      r.hex.length % 16 !== 0 ||
      r.count !== r.hex.length / 16
    )
      throw new InvalidBundleError(
        'expected { hash: "fnv1a-64", count, hex } with count fingerprints of 16 hex digits',
        {
          field,
        },
      );
    const out: bigint[] = [];
    for (let i = 0; i < r.hex.length; i += 16) out.push(BigInt(`0x${r.hex.slice(i, i + 16)}`));
    return new NoveltyFilter(out);
  }
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;

/** 64-bit FNV-1a of the UTF-16 code units of `text`. */
function fingerprint(text: string): bigint {
  let h = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) h = ((h ^ BigInt(text.charCodeAt(i))) * FNV_PRIME) & MASK;
  return h;
}

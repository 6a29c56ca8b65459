import { InvalidArgumentError } from './errors.js';

/** Serialisable state of an {@link Rng}: four 32-bit words. */
export interface RngState {
  readonly algorithm: 'sfc32';
  readonly words: readonly [number, number, number, number];
}

/** splitmix32: spreads one 32-bit seed over the four words of sfc32's state. */
function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * Seeded pseudo-random generator (sfc32, 128-bit state). The same seed gives the same sequence
 * on every platform, which is what makes training runs reproducible.
 *
 * @example
 * ```ts
 * const rng = new Rng(42);
 * rng.next();          // uniform in [0, 1)
 * rng.int(18);         // integer in [0, 18)
 * rng.shuffle([1, 2, 3]);
 * ```
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** @param seed any finite number; only its low 32 bits matter. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new InvalidArgumentError(`seed must be a finite number, got ${seed}`);
    const mix = splitmix32(Math.trunc(seed));
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix();
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform float in [0, 1) with 32 bits of randomness. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). Throws when n is not a positive integer. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0)
      throw new InvalidArgumentError(`int(n) needs a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /**
   * Standard normal sample (Box–Muller). Uses two uniforms per call and caches nothing, so the
   * whole state is the four words of {@link Rng.getState} and a restored generator continues
   * exactly where the original was.
   */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }

  /** One uniformly chosen element. Throws on an empty array. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new InvalidArgumentError('choice() of an empty array');
    return items[this.int(items.length)] as T;
  }

  /** An independent generator seeded from this one (advances this one by one step). */
  fork(): Rng {
    return new Rng(this.nextUint32());
  }

  /** Snapshot of the state, for checkpoints. */
  getState(): RngState {
    return { algorithm: 'sfc32', words: [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0] };
  }

  /** Restores a generator from {@link Rng.getState}'s snapshot. */
  static fromState(state: RngState): Rng {
    if (
      state.algorithm !== 'sfc32' ||
      state.words.length !== 4 ||
      !state.words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)
    ) {
      throw new InvalidArgumentError('not an sfc32 RNG state', { field: 'words' });
    }
    const rng = new Rng(0);
    [rng.a, rng.b, rng.c, rng.d] = state.words;
    return rng;
  }
}

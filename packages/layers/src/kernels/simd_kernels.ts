import type { AdamStep } from './adam_kernel.js';
import { KernelThreads, kernelThreadsAvailable, type ThreadKernels } from './kernel_threads.js';
import { KERNELS_RELAXED_WASM_BASE64, KERNELS_WASM_BASE64 } from './kernels_wasm.js';
import { SHARED_MEMORY_MAX_PAGES, withSharedMemoryImport } from './shared_memory_module.js';

/**
 * The exports of the kernels module (see `scripts/build-wasm.mjs`). WebAssembly functions take
 * numbers only, so these are positional (byte offsets and sizes); the {@link SimdKernels} methods
 * that wrap them per step stay positional too (no object per call in the step loops).
 */
interface KernelExports {
  memory: WebAssembly.Memory;
  gemm: (
    a: number,
    b: number,
    c: number,
    m: number,
    k: number,
    n: number,
    rsA: number,
    csA: number,
    ldb: number,
    ldc: number,
    accumulate: number,
  ) => void;
  gather_sum_rows: (
    a: number,
    ia: number,
    b: number,
    ib: number,
    dst: number,
    rows: number,
    width: number,
  ) => void;
  gemm_packed: (
    a: number,
    bp: number,
    c: number,
    m: number,
    k: number,
    n: number,
    rsA: number,
    csA: number,
    ldc: number,
    accumulate: number,
  ) => void;
  lstm_forward: (
    pre: number,
    bias: number,
    cPrev: number,
    cNext: number,
    hNext: number,
    acts: number,
    tanhC: number,
    rows: number,
    H: number,
  ) => void;
  lstm_backward: (
    acts: number,
    tanhC: number,
    cPrev: number,
    dh: number,
    dc: number,
    dz: number,
    db: number,
    rows: number,
    H: number,
  ) => void;
  adam: (
    w: number,
    g: number,
    m: number,
    v: number,
    n: number,
    scale: number,
    beta1: number,
    beta2: number,
    keep1: number,
    keep2: number,
    minusLr: number,
    c1: number,
    c2: number,
    epsilon: number,
  ) => void;
  add_rows: (src: number, dst: number, index: number, rows: number, width: number) => void;
  mul: (dst: number, a: number, b: number, n: number) => void;
  mul_add: (dst: number, a: number, b: number, n: number) => void;
  add: (dst: number, a: number, n: number) => void;
  transpose: (src: number, dst: number, rows: number, cols: number) => void;
  gru_zr: (
    pre: number,
    bias: number,
    hin: number,
    acts: number,
    aux: number,
    rows: number,
    H: number,
  ) => void;
  gru_h: (
    pre: number,
    bias: number,
    hprev: number,
    acts: number,
    hnext: number,
    rows: number,
    H: number,
  ) => void;
  gru_reset_after: (
    pre: number,
    rec: number,
    bias: number,
    hprev: number,
    acts: number,
    aux: number,
    hnext: number,
    rows: number,
    H: number,
  ) => void;
  gru_back_a: (
    acts: number,
    hprev: number,
    dh: number,
    dzx: number,
    db: number,
    rows: number,
    H: number,
  ) => void;
  gru_back_b: (
    acts: number,
    hin: number,
    drh: number,
    dzx: number,
    db: number,
    rows: number,
    H: number,
  ) => void;
  gru_back_reset_after: (
    acts: number,
    aux: number,
    hprev: number,
    dh: number,
    dzx: number,
    drec: number,
    db: number,
    rows: number,
    H: number,
  ) => void;
  gather_rows: (src: number, index: number, dst: number, rows: number, width: number, ldd: number) => void;
  rnn_forward: (pre: number, bias: number, hnext: number, rows: number, H: number) => void;
  rnn_backward: (hnext: number, dh: number, da: number, db: number, rows: number, H: number) => void;
  pack_panels: (src: number, dst: number, k: number, n: number, rs: number, cs: number) => void;
}

/** 64 KiB. */
const PAGE_BYTES = 65536;

/**
 * Multiply-adds from which a product is split across the kernel threads (about 20 µs on one
 * core): below, posting the work and waiting for it would cost more than it saves.
 */
const PARALLEL_MIN_MACS = 1 << 19;

/** Columns per panel of {@link SimdKernels.packPanels}. @internal */
export const PANEL_WIDTH = 8;

/** Floats of `B [k×n]` packed in panels (n rounded up to whole panels). @internal */
export function packedSize(k: number, n: number): number {
  return Math.ceil(n / PANEL_WIDTH) * PANEL_WIDTH * k;
}

/**
 * Our WebAssembly SIMD kernels — a float32 matrix product in 4×8 register blocks of f32x4, the
 * LSTM and GRU gate math forward and backward, Adam, a row scatter-add, element-wise products
 * and a transpose (see `scripts/build-wasm.mjs`) — with an arena in their linear memory.
 * Measured here (Node 20, one core): 35–37 GFLOP/s for the recurrent products of a 128-unit
 * LSTM (44.5 in the relaxed-SIMD build), against ≈ 31 for tfjs-wasm's XNNPACK through
 * `tf.matMul` (without its copies and weight packing) and ≈ 5.6 for our JS loops.
 *
 * Use: {@link SimdKernels.begin} a run, {@link SimdKernels.alloc} / {@link SimdKernels.put}
 * every region it needs (memory may grow then), then take views with {@link SimdKernels.view}
 * and call the kernels; all offsets are in floats. Offsets are valid until the next `begin`
 * (views until the next allocation), unless the run's regions are held for later with
 * {@link SimdKernels.hold} / {@link SimdKernels.keep}: a recurrent layer keeps its state from
 * its forward pass to its backward pass that way, and a later run either allocates above it
 * or, first, lets its holder copy it out.
 * @internal
 */
export class SimdKernels {
  private readonly exports: KernelExports;
  private top = 0;
  private f32: Float32Array;
  private i32: Int32Array;
  /** Raised by every {@link SimdKernels.begin}: placements made under an older one are gone. */
  generation = 0;

  /** Helper threads for the large products, or undefined (all on the calling thread). */
  private readonly threads: KernelThreads | undefined;
  /** This thread's products, for {@link KernelThreads}. */
  private readonly threadKernels: ThreadKernels;

  private constructor(exports: KernelExports, relaxed: boolean, threads?: KernelThreads) {
    this.exports = exports;
    this.relaxed = relaxed;
    this.threads = threads;
    this.threadKernels = {
      gemm: exports.gemm as (...args: number[]) => void,
      gemmPacked: exports.gemm_packed as (...args: number[]) => void,
    };
    this.f32 = new Float32Array(exports.memory.buffer);
    this.i32 = new Int32Array(exports.memory.buffer);
  }

  /**
   * A new instance of the kernels, with its own memory (the module is compiled once): the relaxed
   * SIMD variant where the runtime has relaxed SIMD (fused multiply-add) and `variant` allows it,
   * else the SIMD one; undefined where WebAssembly SIMD is unavailable. With `threads > 1` where
   * Node worker threads exist (see {@link kernelThreadsAvailable}), its memory is shared with
   * `threads − 1` helper threads that take part in the large matrix products (bit for bit the
   * same results); elsewhere the instance runs on the calling thread alone.
   */
  static create(variant: 'best' | 'plain' = 'best', threads = 1): SimdKernels | undefined {
    const kind = variant === 'best' && compiledModule('relaxed') !== undefined ? 'relaxed' : 'plain';
    const module = compiledModule(kind);
    if (module === undefined) return undefined;
    if (threads > 1 && kernelThreadsAvailable()) {
      const shared = compiledModule(kind === 'relaxed' ? 'relaxedShared' : 'plainShared');
      if (shared !== undefined) {
        const memory = new WebAssembly.Memory({ initial: 1, maximum: SHARED_MEMORY_MAX_PAGES, shared: true });
        const instance = new WebAssembly.Instance(shared, { env: { memory } });
        const pool = new KernelThreads(shared, memory, threads - 1);
        return new SimdKernels(instance.exports as unknown as KernelExports, kind === 'relaxed', pool);
      }
    }
    const instance = new WebAssembly.Instance(module, {});
    return new SimdKernels(instance.exports as unknown as KernelExports, kind === 'relaxed');
  }

  /** Threads that compute this instance's large products (1: the calling thread alone). */
  get threadCount(): number {
    return 1 + (this.threads?.count ?? 0);
  }

  /** Threads ready to take part in the next large product (helpers start in the background). */
  get readyThreads(): number {
    return 1 + (this.threads?.ready() ?? 0);
  }

  /** Products that helper threads took part in so far. */
  get splitProducts(): number {
    return this.threads?.splitProducts ?? 0;
  }

  /** Stops this instance's helper threads (it stays usable, on the calling thread alone). */
  close(): void {
    this.threads?.close();
  }

  /** Whether this instance runs the relaxed SIMD variant (fused multiply-add in the gemm). */
  readonly relaxed: boolean;

  /** Live holds, oldest first: `[start, end)` of the arena each keeps (see {@link SimdKernels.hold}). */
  private held: { token: number; start: number; end: number; sticky: boolean; evict: () => void }[] = [];
  private holdCount = 0;
  private runStart = 0;

  /** At most this many sticky holds survive a `begin()` (more are all evicted). */
  stickyHoldLimit = 8;
  /** ... and only while they end below this many floats of arena (32 MB). */
  stickyArenaLimit = 8 << 20;

  /**
   * Starts a run: the arena above the regions still held is free again (earlier offsets and
   * views are invalid). Holds that are not sticky are evicted first, and so are all of them
   * when the sticky ones exceed {@link SimdKernels.stickyHoldLimit} or
   * {@link SimdKernels.stickyArenaLimit}.
   */
  begin(): void {
    let keep = this.held.filter((h) => h.sticky);
    const end = keep.reduce((top, h) => Math.max(top, h.end), 0);
    if (keep.length > this.stickyHoldLimit || end > this.stickyArenaLimit) keep = [];
    const evicted = this.held.filter((h) => !keep.includes(h));
    this.held = keep;
    for (const h of evicted) h.evict();
    this.top = keep.reduce((top, h) => Math.max(top, h.end), 0);
    this.runStart = this.top;
    this.generation++;
  }

  /**
   * Keeps what this run allocated so far (a recurrent layer's state, from its forward to its
   * backward pass) out of later runs' way: a later {@link SimdKernels.begin} allocates above it
   * if the hold is `sticky` (a gradient will be computed: the two directions of a bidirectional
   * layer then keep their states side by side), else first calls `evict` so that the holder can
   * copy out what it still needs. Returns a token for {@link SimdKernels.holds} and
   * {@link SimdKernels.release}.
   */
  hold(evict: () => void, sticky = false): number {
    const token = ++this.holdCount;
    this.held.push({ token, start: this.runStart, end: this.top, sticky, evict });
    return token;
  }

  /** Whether the contents held under `token` are still in the arena (not evicted). */
  holds(token: number): boolean {
    return this.held.some((h) => h.token === token);
  }

  /**
   * Keeps `regions` (offset and size in floats, by name) for a later pass through
   * {@link SimdKernels.hold} (`sticky` as there): `restore()` gives their offsets, where they still are if nothing
   * took the arena in between, else after a `begin()` and copying back the copies that the
   * eviction made; `release()` gives the hold up once they are no longer needed.
   */
  keep<K extends string>(
    regions: Record<K, { at: number; size: number }>,
    sticky = false,
  ): { restore: () => Record<K, number>; release: () => void } {
    const names = Object.keys(regions) as K[];
    const map = <T>(f: (name: K) => T): Record<K, T> =>
      Object.fromEntries(names.map((name) => [name, f(name)])) as Record<K, T>;
    let saved: Record<K, Float32Array> | undefined;
    const token = this.hold(() => {
      saved = map((name) => this.view(regions[name].at, regions[name].size).slice());
    }, sticky);
    return {
      restore: () => {
        if (this.holds(token)) return map((name) => regions[name].at);
        const copies = saved;
        if (copies === undefined) throw new Error('kept arena regions were neither held nor saved');
        this.begin();
        return map((name) => this.put(copies[name]));
      },
      release: () => this.release(token),
    };
  }

  /** Gives up the hold `token` without evicting (its contents are no longer needed). */
  release(token: number): void {
    this.held = this.held.filter((h) => h.token !== token);
  }

  /** Reserves `floats` floats (16-byte aligned) and returns their offset, in floats. */
  alloc(floats: number): number {
    const offset = this.top;
    this.top += Math.ceil(floats / 4) * 4;
    const needed = this.top * 4;
    const { memory } = this.exports;
    if (needed > memory.buffer.byteLength) {
      memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE_BYTES));
      this.f32 = new Float32Array(memory.buffer);
      this.i32 = new Int32Array(memory.buffer);
    }
    return offset;
  }

  /** Reserves room for `data` and copies it in; returns its offset. */
  put(data: Float32Array): number {
    const offset = this.alloc(data.length);
    this.f32.set(data, offset);
    return offset;
  }

  /** A view of `floats` floats at `offset` (valid until the next `alloc` or `begin`). */
  view(offset: number, floats: number): Float32Array {
    return this.f32.subarray(offset, offset + floats);
  }

  /** An Int32 view of `count` ints at `offset` (in 4-byte words; same validity as {@link SimdKernels.view}). */
  intView(offset: number, count: number): Int32Array {
    return this.i32.subarray(offset, offset + count);
  }

  /** `dst = a ⊙ b` over `n` floats (offsets in floats). */
  mul(dst: number, a: number, b: number, n: number): void {
    this.exports.mul(dst * 4, a * 4, b * 4, n);
  }

  /**
   * The recurrent product's input at offset `h` (`n` floats): `h` itself without a dropout mask
   * (`mask < 0`), else `h ⊙ mask` written to `scratch`.
   */
  masked(h: number, mask: number, scratch: number, n: number): number {
    if (mask < 0) return h;
    this.mul(scratch, h, mask, n);
    return scratch;
  }

  /** `dst += a ⊙ b` over `n` floats. */
  mulAdd(dst: number, a: number, b: number, n: number): void {
    this.exports.mul_add(dst * 4, a * 4, b * 4, n);
  }

  /** `dst [cols × rows] = srcᵀ` for a row-major `src [rows × cols]` (offsets in floats). */
  transpose(src: number, dst: number, rows: number, cols: number): void {
    this.exports.transpose(src * 4, dst * 4, rows, cols);
  }

  /** Copies `data` (`[rows × cols]`) in as its transpose `[cols × rows]`; returns the offset. */
  putTransposed(data: Float32Array, rows: number, cols: number): number {
    const src = this.put(data);
    const dst = this.alloc(rows * cols);
    this.transpose(src, dst, rows, cols);
    return dst;
  }

  /** `dst += a` over `n` floats. */
  add(dst: number, a: number, n: number): void {
    this.exports.add(dst * 4, a * 4, n);
  }

  /**
   * Scatter-add of rows: `dst[index[i]] += src[i]` for `rows` rows of `width` floats, with the
   * row numbers as ints at `index` (offsets in 4-byte words).
   */
  addRows(src: number, dst: number, index: number, rows: number, width: number): void {
    this.exports.add_rows(src * 4, dst * 4, index * 4, rows, width);
  }

  /**
   * `C = (accumulate ? C : 0) + A·B` for `A [m×k]`, `B [k×n]` (row stride `ldb`), `C [m×n]` (row
   * stride `ldc`), with A's element (i, p) at `a + i·rsA + p·csA`: a row-major A is
   * `rsA = width, csA = 1`; the transpose of a row-major `[k×m]` matrix is `rsA = 1, csA = m`.
   * Offsets in floats. Positional like BLAS' sgemm and the kernel: called several times per step.
   */
  gemm(
    a: number,
    b: number,
    c: number,
    m: number,
    k: number,
    n: number,
    rsA: number,
    csA: number,
    ldb: number,
    ldc: number,
    accumulate = false,
  ): void {
    const acc = accumulate ? 1 : 0;
    if (this.threads !== undefined && m * k * n >= PARALLEL_MIN_MACS)
      this.threads.gemm([a * 4, b * 4, c * 4, m, k, n, rsA, csA, ldb, ldc, acc], this.threadKernels);
    else this.exports.gemm(a * 4, b * 4, c * 4, m, k, n, rsA, csA, ldb, ldc, acc);
  }

  /**
   * `C = (accumulate ? C : 0) + A·B` for a row-major `A [m×k]` (row stride `lda`) and `B [k×n]`
   * packed by {@link SimdKernels.packPanels} (n a multiple of 8), `C [m×n]` (row stride `ldc`):
   * bit for bit {@link SimdKernels.gemm}'s result, faster where B is reused across many rows (a
   * panel of B stays in L1 while the rows pass over it). Offsets in floats.
   */
  gemmPacked(
    a: number,
    bp: number,
    c: number,
    m: number,
    k: number,
    n: number,
    lda: number,
    ldc: number,
    accumulate = false,
  ): void {
    this.gemmPackedStrided(a, bp, c, m, k, n, lda, 1, ldc, accumulate);
  }

  /**
   * {@link SimdKernels.gemmPacked} with A read through strides as in {@link SimdKernels.gemm}
   * (element (i, p) at `a + i·rsA + p·csA`: the transpose of a row-major `[k×m]` matrix is
   * `rsA = 1, csA = m`), for B packed by {@link SimdKernels.packPanels}. It reads
   * B front to back, a panel at a time, so a B larger than the L2 cache (an LSTM's recurrent
   * kernel of 256 units: 1 MiB) is read once per product instead of once per 4 rows of A.
   */
  gemmPackedStrided(
    a: number,
    bp: number,
    c: number,
    m: number,
    k: number,
    n: number,
    rsA: number,
    csA: number,
    ldc: number,
    accumulate = false,
  ): void {
    const acc = accumulate ? 1 : 0;
    if (this.threads !== undefined && m * k * n >= PARALLEL_MIN_MACS)
      this.threads.gemmPacked([a * 4, bp * 4, c * 4, m, k, n, rsA, csA, ldc, acc], this.threadKernels);
    else this.exports.gemm_packed(a * 4, bp * 4, c * 4, m, k, n, rsA, csA, ldc, acc);
  }

  /**
   * Packs `B [k×n]`, with `B(p, q)` at `src + p·rs + q·cs` (row-major: `rs = n, cs = 1`; the
   * transpose of a row-major `[n×k]` matrix: `rs = 1, cs = k`), into {@link packedSize}`(k, n)`
   * floats at `dst` for {@link SimdKernels.gemmPacked}: panel `j`, row `p`, lane `q` at
   * `dst + (j·k + p)·PANEL_WIDTH + q`, zero past column `n`. Offsets in floats.
   */
  packPanels(src: number, dst: number, k: number, n: number, rs: number, cs: number): void {
    this.exports.pack_panels(src * 4, dst * 4, k, n, rs, cs);
  }

  /** Reserves room for `B`'s panels ({@link SimdKernels.packPanels}' arguments) and packs it; returns their offset. */
  putPanels(src: number, k: number, n: number, rs: number, cs: number): number {
    const dst = this.alloc(packedSize(k, n));
    this.packPanels(src, dst, k, n, rs, cs);
    return dst;
  }

  /**
   * One LSTM step's gate math for `rows` rows of `H` units (offsets in floats): with
   * `z = pre + bias` (`pre [rows × 4H]` = x·W + h·U, gates i, f, g, o): `acts = [σ(z_i), σ(z_f),
   * tanh(z_g), σ(z_o)]`, `cNext = f·cPrev + i·g`, `tanhC = tanh(cNext)`, `hNext = o·tanhC`.
   * tanh is a float32 rational approximation (absolute error < 3e-7).
   */
  lstmForward(
    pre: number,
    bias: number,
    cPrev: number,
    cNext: number,
    hNext: number,
    acts: number,
    tanhC: number,
    rows: number,
    H: number,
  ): void {
    this.exports.lstm_forward(
      pre * 4,
      bias * 4,
      cPrev * 4,
      cNext * 4,
      hNext * 4,
      acts * 4,
      tanhC * 4,
      rows,
      H,
    );
  }

  /**
   * One LSTM step back for `rows` rows (offsets in floats): from the step's `acts`, `tanhC` and
   * entering cell state `cPrev`, and the gradients `dh`, `dc` reaching its outputs, writes the
   * gate pre-activation gradients `dz [rows × 4H]`, replaces `dc` by the gradient reaching
   * `cPrev`, and adds `dz`'s column sums to `db [4H]`.
   */
  lstmBackward(
    acts: number,
    tanhC: number,
    cPrev: number,
    dh: number,
    dc: number,
    dz: number,
    db: number,
    rows: number,
    H: number,
  ): void {
    this.exports.lstm_backward(acts * 4, tanhC * 4, cPrev * 4, dh * 4, dc * 4, dz * 4, db * 4, rows, H);
  }

  /**
   * Row gather: row `i` of `dst` (row stride `ldd` floats) = row `index[i]` of `src` (rows of
   * `width` floats), for `rows` rows, with the row numbers as ints at `index` (offsets in floats
   * and 4-byte words).
   */
  gatherRows(src: number, index: number, dst: number, rows: number, width: number, ldd = width): void {
    this.exports.gather_rows(src * 4, index * 4, dst * 4, rows, width, ldd);
  }

  /**
   * Sum of two row gathers: row `i` of `dst` (contiguous rows of `width` floats) = row `ia[i]` of
   * `a` + row `ib[i]` of `b`, for `rows` rows, with the row numbers as ints at `ia` and `ib`
   * (offsets in floats and 4-byte words).
   */
  gatherSumRows(
    a: number,
    ia: number,
    b: number,
    ib: number,
    dst: number,
    rows: number,
    width: number,
  ): void {
    this.exports.gather_sum_rows(a * 4, ia * 4, b * 4, ib * 4, dst * 4, rows, width);
  }

  /** One tutorial RNN / SimpleRNN step for `rows` rows of `H` units: `hNext = tanh(pre + bias)`. */
  rnnForward(pre: number, bias: number, hNext: number, rows: number, H: number): void {
    this.exports.rnn_forward(pre * 4, bias * 4, hNext * 4, rows, H);
  }

  /** Its step back: `da = dh·(1 − hNext²)`, `db += Σ_rows da`. */
  rnnBackward(hNext: number, dh: number, da: number, db: number, rows: number, H: number): void {
    this.exports.rnn_backward(hNext * 4, dh * 4, da * 4, db * 4, rows, H);
  }

  /** The GRU gate kernels on this arena. */
  get gru(): GruKernels {
    const x = this.exports;
    const b = (n: number): number => n * 4;
    return (this.gruKernels ??= {
      zr: (pre, bias, hin, acts, aux, rows, H) => x.gru_zr(b(pre), b(bias), b(hin), b(acts), b(aux), rows, H),
      h: (pre, bias, hprev, acts, hnext, rows, H) =>
        x.gru_h(b(pre), b(bias), b(hprev), b(acts), b(hnext), rows, H),
      resetAfter: (pre, rec, bias, hprev, acts, aux, hnext, rows, H) =>
        x.gru_reset_after(b(pre), b(rec), b(bias), b(hprev), b(acts), b(aux), b(hnext), rows, H),
      backA: (acts, hprev, dh, dzx, db, rows, H) =>
        x.gru_back_a(b(acts), b(hprev), b(dh), b(dzx), b(db), rows, H),
      backB: (acts, hin, drh, dzx, db, rows, H) =>
        x.gru_back_b(b(acts), b(hin), b(drh), b(dzx), b(db), rows, H),
      backResetAfter: (acts, aux, hprev, dh, dzx, drec, db, rows, H) =>
        x.gru_back_reset_after(b(acts), b(aux), b(hprev), b(dh), b(dzx), b(drec), b(db), rows, H),
    });
  }

  private gruKernels: GruKernels | undefined;

  /**
   * One Adam update of `n` float32 weights in place (offsets in floats), in the order of tfjs'
   * `AdamOptimizer`: `g' = scale·g`, `m = β1·m + (1 − β1)·g'`, `v = β2·v + (1 − β2)·g'²`,
   * `w = w + (m / c1) / (√(v / c2) + ε) · (−lr)` with `c1 = 1 − β1^t`, `c2 = 1 − β2^t`
   * (`hyper.correction1`, `hyper.correction2`).
   */
  adam(w: number, g: number, m: number, v: number, n: number, hyper: AdamStep): void {
    const { scale, beta1, beta2, learningRate, correction1, correction2, epsilon } = hyper;
    this.exports.adam(
      w * 4,
      g * 4,
      m * 4,
      v * 4,
      n,
      scale,
      beta1,
      beta2,
      1 - beta1,
      1 - beta2,
      -learningRate,
      correction1,
      correction2,
      epsilon,
    );
  }
}

/**
 * The GRU's gate kernels (Keras gate order z, r, h; arguments are offsets in floats into the
 * same arena, `rows` rows of `H` units; `[rows × 3H]` arrays have rows of 3H floats). See
 * `scripts/build-wasm.mjs` for the formulas; `gru_simd.ts` for their use.
 * @internal
 */
export interface GruKernels {
  /** z, r = σ(pre + b) into acts; aux = r ⊙ hin. */
  zr(pre: number, bias: number, hin: number, acts: number, aux: number, rows: number, H: number): void;
  /** hh = tanh(pre_h + b_h) into acts; hnext = hh + z·(hprev − hh). */
  h(pre: number, bias: number, hprev: number, acts: number, hnext: number, rows: number, H: number): void;
  /** The whole reset-after step from pre = x·W and rec = h_in·U (bias `[2 × 3H]`). */
  resetAfter(
    pre: number,
    rec: number,
    bias: number,
    hprev: number,
    acts: number,
    aux: number,
    hnext: number,
    rows: number,
    H: number,
  ): void;
  /** dz, dah into dzx (z, h blocks), db; dh ← dh·z. */
  backA(acts: number, hprev: number, dh: number, dzx: number, db: number, rows: number, H: number): void;
  /** From drh = d(r ⊙ hin): dr into dzx (r block), db; drh ← drh·r. */
  backB(acts: number, hin: number, drh: number, dzx: number, db: number, rows: number, H: number): void;
  /** The reset-after step back: dzx, drec (the recurrent product's gradient), db `[2 × 3H]`; dh ← dh·z. */
  backResetAfter(
    acts: number,
    aux: number,
    hprev: number,
    dh: number,
    dzx: number,
    drec: number,
    db: number,
    rows: number,
    H: number,
  ): void;
}

/** Variants of the kernels module: plain or relaxed SIMD, with their own or a shared memory. */
type ModuleVariant = 'plain' | 'relaxed' | 'plainShared' | 'relaxedShared';

/** The compiled modules: absent before the first use, undefined where one cannot be compiled. */
const modules: Partial<Record<ModuleVariant, WebAssembly.Module | undefined>> = {};

function compiledModule(variant: ModuleVariant): WebAssembly.Module | undefined {
  if (!(variant in modules)) {
    let bytes: Uint8Array<ArrayBuffer> | undefined;
    if (typeof WebAssembly === 'object') {
      bytes = decodeBase64(variant.startsWith('plain') ? KERNELS_WASM_BASE64 : KERNELS_RELAXED_WASM_BASE64);
      if (variant.endsWith('Shared')) bytes = withSharedMemoryImport(bytes);
    }
    let module: WebAssembly.Module | undefined;
    try {
      module = bytes !== undefined && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : undefined;
    } catch {
      module = undefined;
    }
    modules[variant] = module;
  }
  return modules[variant];
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 (with `=` padding) to bytes, without relying on `atob` (absent in some runtimes). @internal */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const clean = text.replace(/=+$/, '');
  const bytes = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let count = 0;
  let at = 0;
  for (let i = 0; i < clean.length; i++) {
    const value = BASE64.indexOf(clean.charAt(i));
    if (value < 0) throw new Error(`invalid base64 character at ${i}`);
    bits = (bits << 6) | value;
    count += 6;
    if (count >= 8) {
      count -= 8;
      bytes[at++] = (bits >> count) & 0xff;
    }
  }
  return bytes;
}

/** What kernels to use: all off, plain SIMD only, or the best the runtime has. */
type SimdMode = 'off' | 'plain' | 'best';

/** `CHARRNN_SIMD=0` in the environment (Node) switches the kernels off from the start; `plain` keeps the relaxed variant off. */
function modeFromEnvironment(): SimdMode {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.['CHARRNN_SIMD'];
  return value === '0' ? 'off' : value === 'plain' ? 'plain' : 'best';
}

/** `CHARRNN_THREADS=N` in the environment (Node) sets the kernel threads from the start (default 1). */
function threadsFromEnvironment(): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = Number(env?.['CHARRNN_THREADS'] ?? 1);
  return Number.isSafeInteger(value) && value >= 1 ? Math.min(value, MAX_KERNEL_THREADS) : 1;
}

/** The most threads {@link setKernelThreads} takes. */
export const MAX_KERNEL_THREADS = 64;

let kernels: SimdKernels | undefined | null = null;
let inference: SimdKernels | undefined | null = null;
let mode: SimdMode = modeFromEnvironment();
let threads = threadsFromEnvironment();

/** Drops both instances (their helper threads stop); the next use creates them anew. */
function dropInstances(): void {
  kernels?.close();
  inference?.close();
  kernels = null;
  inference = null;
}

/**
 * A second {@link SimdKernels} instance (own memory, same variant as {@link simdKernels}) for
 * forward-only prediction: models keep their weights in its arena between calls (as sticky
 * holds), out of the way of the training runs that empty the shared arena at every step.
 * Undefined where {@link simdKernels} is.
 * @internal
 */
export function inferenceSimdKernels(): SimdKernels | undefined {
  if (mode === 'off') return undefined;
  if (inference === null) inference = SimdKernels.create(mode, threads);
  return inference;
}

/**
 * The shared {@link SimdKernels}, or undefined where WebAssembly SIMD is unavailable or the
 * kernels are switched off with {@link setSimdKernels}.
 * @internal
 */
export function simdKernels(): SimdKernels | undefined {
  if (mode === 'off') return undefined;
  if (kernels === null) kernels = SimdKernels.create(mode, threads);
  return kernels;
}

/**
 * Switches our WebAssembly SIMD kernels on (the default, where WebAssembly SIMD exists) or off.
 * On, the recurrent layers' `'js'` paths (cpu and wasm backends) compute their matrix products,
 * gates and Adam with them; off, with tfjs' `matMul` (wasm) or plain JS loops (cpu). `true`
 * takes the relaxed SIMD variant (fused multiply-add: about 1.25× faster products) where the
 * runtime has relaxed SIMD (Node 22+, Chrome 114+); `'plain'` keeps to plain SIMD, whose results
 * do not depend on the CPU's FMA. All compute the same function (float32 rounding aside);
 * switching off is for comparisons and for pages whose Content-Security-Policy forbids compiling
 * WebAssembly. In Node, `CHARRNN_SIMD=0` (off) or `CHARRNN_SIMD=plain` in the environment sets
 * the mode from the start.
 * @returns whether the kernels are in use after the call
 */
export function setSimdKernels(on: boolean | 'plain'): boolean {
  const next: SimdMode = on === false ? 'off' : on === 'plain' ? 'plain' : 'best';
  if (next !== mode) dropInstances();
  mode = next;
  return simdKernels() !== undefined;
}

/** Which kernels the layers use now: `'relaxed'`, `'simd'` or `'off'` (for reports and benchmarks). */
export function simdKernelVariant(): 'relaxed' | 'simd' | 'off' {
  const k = simdKernels();
  return k === undefined ? 'off' : k.relaxed ? 'relaxed' : 'simd';
}

/**
 * Sets how many threads compute the large matrix products of our SIMD kernels: training (every
 * recurrent layer's products, the fused output layer and loss) and prediction. `1` (the default)
 * keeps everything on the calling thread; `n > 1` starts `n − 1` helper threads (Node worker
 * threads over a shared WebAssembly memory) that take a share of each product of at least about
 * half a million multiply-adds. The results are bit for bit those of one thread (each element is
 * still summed by one thread, in the same order), so a run trained with threads resumes and
 * reproduces without them. On a machine with `c` cores, `n = c` is fastest; more only compete.
 * Where worker threads are unavailable (browsers, a Node without `process.getBuiltinModule`, the
 * kernels switched off) the kernels stay on one thread and this returns 1. Models re-place their
 * weights on the next call (the kernel instances are made anew). In Node, `CHARRNN_THREADS=n` in
 * the environment sets it from the start.
 * @param n threads in all, 1 to {@link MAX_KERNEL_THREADS}
 * @returns the threads the kernels use after the call
 * @throws RangeError when `n` is not an integer in range
 */
export function setKernelThreads(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_KERNEL_THREADS)
    throw new RangeError(`kernel threads must be an integer from 1 to ${MAX_KERNEL_THREADS}, got ${n}`);
  if (n !== threads) dropInstances();
  threads = n;
  return kernelThreads();
}

/** The threads our SIMD kernels use now (1 where they are off or run on one thread). */
export function kernelThreads(): number {
  return simdKernels()?.threadCount ?? 1;
}

/** Products of the shared training instance that helper threads took part in (tests, reports). @internal */
export function splitKernelProducts(): number {
  return simdKernels()?.splitProducts ?? 0;
}

/** Threads of the shared training instance ready for the next large product (helpers start in the background). @internal */
export function readyKernelThreads(): number {
  return simdKernels()?.readyThreads ?? 1;
}

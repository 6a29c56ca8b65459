/**
 * Helper threads for the kernels' matrix products: each runs its own instance of the kernels
 * module over the calling thread's shared memory, and takes a slice of the columns (or rows) of a
 * product while the calling thread computes the rest. Every element of C is still summed by one
 * thread in the same order, so the results are bit for bit those of one thread.
 *
 * The threads are Node worker threads (through `process.getBuiltinModule`, so nothing here is
 * imported where there is no Node). They wait on an `Atomics` word for work: a product is
 * posted by writing its arguments and raising the word's sequence number, and its end is the
 * helper writing that number back. A helper keeps polling for a short while after each product
 * (the products of a recurrent layer come every few tens of microseconds), then sleeps in
 * `Atomics.wait`.
 * @internal
 */

/** Int32 words per line of the control block (64 bytes, a cache line). */
const WORDS = 16;
/** Line 0: the next unit of work to claim. */
const NEXT = 0;
/** Line 1: the product (all helpers work on the same one). */
const JOB = WORDS;
const J_OP = 0;
const J_A = 1;
const J_B = 2;
const J_C = 3;
const J_M = 4;
const J_K = 5;
const J_N = 6;
const J_RSA = 7;
const J_CSA = 8;
const J_LDB = 9;
const J_LDC = 10;
const J_ACC = 11;
const J_BY_COLUMNS = 12;
const J_UNIT = 13;
const J_UNITS = 14;
const J_CHUNK = 15;
/** Lines 2…: one per helper: the sequence number of the posted work, of the finished work, the error flag, the ready flag. */
const HELPERS = 2 * WORDS;
const POSTED = 0;
const DONE = 1;
const FAILED = 2;
const READY = 3;
/** Operations. */
const OP_GEMM = 1;
const OP_GEMM_PACKED = 2;
const OP_QUIT = 3;

/** Split products per window of {@link KernelThreads}' lateness check, and products run alone after a late window. */
const WATCH_PRODUCTS = 64;
const PAUSE_PRODUCTS = 4096;

/** How long the calling thread waits for a helper before it gives up (a helper that died). */
const TIMEOUT_MS = 60_000;

/** A tuple of `N` numbers. */
type Numbers<N extends number, T extends number[] = []> = T['length'] extends N
  ? T
  : Numbers<N, [...T, number]>;

/**
 * Claims chunks of units of the posted product until none is left and runs the kernel on each:
 * a unit is 8 columns (a panel of a packed B) or 4 rows. The helpers run this same function, as
 * text. Offsets in bytes, as the kernels take them.
 */
function claimAndRun(
  ctl: Int32Array,
  gemm: (...args: number[]) => void,
  gemmPacked: (...args: number[]) => void,
): void {
  // The job's line (words 16 to 31, in the order of the J_ constants: the helpers see no names).
  const [op, a, b, c, m, k, n, rsA, csA, ldb, ldc, acc, columns, unit, units, chunk] = Array.from(
    ctl.subarray(16, 32),
  ) as Numbers<16>;
  const byColumns = columns === 1;
  const total = byColumns ? n : m;
  for (;;) {
    const u = Atomics.add(ctl, 0, chunk);
    if (u >= units) return;
    const from = u * unit;
    const to = Math.min((u + chunk) * unit, total);
    if (byColumns) {
      if (op === 2) gemmPacked(a, b + 4 * from * k, c + 4 * from, m, k, to - from, rsA, csA, ldc, acc);
      else gemm(a, b + 4 * from, c + 4 * from, m, k, to - from, rsA, csA, ldb, ldc, acc);
    } else {
      const pa = a + 4 * from * rsA;
      const pc = c + 4 * from * ldc;
      if (op === 2) gemmPacked(pa, b, pc, to - from, k, n, rsA, csA, ldc, acc);
      else gemm(pa, b, pc, to - from, k, n, rsA, csA, ldb, ldc, acc);
    }
  }
}

/** The helper's code (CommonJS, run with `eval`). */
const HELPER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, index, spin } = workerData;
const ctl = new Int32Array(control);
const me = ${HELPERS} + index * ${WORDS};
const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
const claimAndRun = ${claimAndRun.toString()};
let seen = 0;
Atomics.store(ctl, me + ${READY}, 1);
for (;;) {
  let polls = 0;
  while (Atomics.load(ctl, me + ${POSTED}) === seen)
    if (++polls > spin) { Atomics.wait(ctl, me + ${POSTED}, seen); polls = 0; }
  seen = Atomics.load(ctl, me + ${POSTED});
  if (ctl[${JOB + J_OP}] === ${OP_QUIT} || seen < 0) break;
  try {
    claimAndRun(ctl, k.gemm, k.gemm_packed);
  } catch (e) {
    Atomics.store(ctl, me + ${FAILED}, 1);
  }
  Atomics.store(ctl, me + ${DONE}, seen);
  Atomics.notify(ctl, me + ${DONE});
}
`;

/** The calling thread's product kernels (its own instance's exports). */
export interface ThreadKernels {
  gemm: (...args: number[]) => void;
  gemmPacked: (...args: number[]) => void;
}

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
  on(event: 'error', listener: (error: unknown) => void): void;
}
type WorkerConstructor = new (
  source: string,
  options: { eval: true; workerData: unknown; name?: string },
) => NodeWorker;

/** Node's `Worker` class, or undefined outside Node (or in a Node without `process.getBuiltinModule`). */
function nodeWorkerClass(): WorkerConstructor | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== 'function') return undefined;
  try {
    const threads = proc.getBuiltinModule('node:worker_threads') as
      { Worker?: WorkerConstructor } | undefined;
    return threads?.Worker;
  } catch {
    return undefined;
  }
}

/** Whether helper threads can run here: Node worker threads, `SharedArrayBuffer` and `Atomics`. */
export function kernelThreadsAvailable(): boolean {
  return (
    typeof SharedArrayBuffer === 'function' && typeof Atomics === 'object' && nodeWorkerClass() !== undefined
  );
}

/**
 * A pool of `count` helper threads for one kernels instance (module and shared memory).
 * @internal
 */
export class KernelThreads {
  /** Helper threads (the calling thread is one more). */
  readonly count: number;
  private readonly ctl: Int32Array;
  private readonly workers: NodeWorker[];
  private sequence = 0;
  private closed = false;
  /** Polls of a word before the thread sleeps on it. */
  private readonly spin: number;

  /**
   * Starts `count` helpers over `memory` (shared) with `module` (the shared-memory kernels).
   * `spin`: polls of the work word before a helper sleeps.
   * @throws Error where worker threads are unavailable
   */
  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, count: number, spin = 1 << 16) {
    const Worker = nodeWorkerClass();
    if (Worker === undefined) throw new Error('kernel threads need Node worker threads');
    this.count = count;
    this.spin = spin;
    const control = new SharedArrayBuffer((HELPERS + count * WORDS) * 4);
    this.ctl = new Int32Array(control);
    this.workers = Array.from({ length: count }, (_, index) => {
      const worker = new Worker(HELPER_SOURCE, {
        eval: true,
        workerData: { module, memory, control, index, spin },
        name: `charrnn-kernels-${index + 1}`,
      });
      // A helper never keeps the process alive; one that dies is marked failed and left out.
      worker.unref();
      worker.on('error', () => {
        Atomics.store(this.ctl, HELPERS + index * WORDS + FAILED, 1);
      });
      return worker;
    });
  }

  /** Products that helpers took part in (for tests and reports). */
  splitProducts = 0;
  /** Times the helpers ran late and products went back to this thread for a while. */
  pauses = 0;
  /** Split products of the current window, and those of them for which this thread waited longer than it computed. */
  private windowProducts = 0;
  private lateProducts = 0;
  /** Products still to run on this thread alone after the helpers ran late. */
  private paused = 0;

  /** The first helpers that have started and not failed (the others are left out of the next product). */
  ready(): number {
    if (this.closed || this.paused > 0) return 0;
    let n = 0;
    while (n < this.count) {
      const line = HELPERS + n * WORDS;
      if (Atomics.load(this.ctl, line + READY) !== 1 || Atomics.load(this.ctl, line + FAILED) !== 0) break;
      n++;
    }
    return n;
  }

  /**
   * Runs the product written in the job line (line 1, by `product`) on this thread and the ready
   * helpers, each claiming chunks of its units, and returns when all are done.
   * @throws Error when a helper fails or does not answer
   */
  private run(kernels: ThreadKernels): void {
    if (this.paused > 0) this.paused--;
    const helpers = this.ready();
    const units = this.ctl[JOB + J_UNITS] as number;
    // About 8 chunks per thread: a thread that runs late (its core busy) leaves little to wait for.
    this.ctl[JOB + J_CHUNK] = Math.max(1, Math.ceil(units / (8 * (helpers + 1))));
    Atomics.store(this.ctl, NEXT, 0);
    const seq = ++this.sequence;
    if (helpers > 0) this.splitProducts++;
    for (let w = 0; w < helpers; w++) {
      const line = HELPERS + w * WORDS;
      Atomics.store(this.ctl, line + POSTED, seq);
      Atomics.notify(this.ctl, line + POSTED);
    }
    const t0 = performance.now();
    claimAndRun(this.ctl, kernels.gemm, kernels.gemmPacked);
    const t1 = performance.now();
    let failed = false;
    for (let w = 0; w < helpers; w++) {
      const line = HELPERS + w * WORDS;
      // Poll a little (the helper's share usually ends within microseconds of ours), then sleep
      // until it signals: on a machine busy with other work, polling would take the core the
      // helper needs.
      let polls = 0;
      let since = 0;
      for (
        let done = Atomics.load(this.ctl, line + DONE);
        done !== seq;
        done = Atomics.load(this.ctl, line + DONE)
      ) {
        if (++polls < this.spin) continue;
        Atomics.wait(this.ctl, line + DONE, done, 10);
        if (since === 0) since = Date.now();
        else if (Date.now() - since > TIMEOUT_MS) {
          this.close();
          throw new Error('a kernel thread did not answer: the kernels are back on one thread');
        }
      }
      if (Atomics.load(this.ctl, line + FAILED) === 1) failed = true;
    }
    if (failed) {
      this.close();
      throw new Error('a kernel thread failed: the kernels are back on one thread');
    }
    if (helpers > 0) this.watch(t1 - t0, performance.now() - t1);
  }

  /**
   * Keeps the threads from costing more than they save on a busy machine: a helper whose core is
   * taken by another process runs late, and this thread waits for its chunk. A product is late
   * when this thread waited for the helpers longer than it computed its own chunks. An odd late
   * product is normal (the helper's core briefly serving the runtime's own background threads,
   * garbage collection or compilation), but when most products of a window of
   * {@link WATCH_PRODUCTS} were late, the next {@link PAUSE_PRODUCTS} run on this thread alone
   * (the helpers sleep), then splitting is tried again.
   */
  watch(computeMs: number, waitMs: number): void {
    if (waitMs > computeMs) this.lateProducts++;
    if (++this.windowProducts < WATCH_PRODUCTS) return;
    if (2 * this.lateProducts > WATCH_PRODUCTS) {
      this.paused = PAUSE_PRODUCTS;
      this.pauses++;
    }
    this.windowProducts = 0;
    this.lateProducts = 0;
  }

  /**
   * Runs the kernel `op` over all threads: C (`m × n`) split by columns (units of 8) unless `n`
   * is narrow, then by rows (units of 4). Offsets in bytes, as the kernels take them.
   */
  private product(
    op: number,
    p: Readonly<Record<'a' | 'b' | 'c' | 'm' | 'k' | 'n' | 'rsA' | 'csA' | 'ldb' | 'ldc' | 'acc', number>>,
    kernels: ThreadKernels,
  ): void {
    const columnUnits = Math.ceil(p.n / 8);
    const byColumns = columnUnits >= 8 || columnUnits >= Math.ceil(p.m / 4);
    const job = this.ctl.subarray(JOB, JOB + WORDS);
    job[J_OP] = op;
    job[J_A] = p.a;
    job[J_B] = p.b;
    job[J_C] = p.c;
    job[J_M] = p.m;
    job[J_K] = p.k;
    job[J_N] = p.n;
    job[J_RSA] = p.rsA;
    job[J_CSA] = p.csA;
    job[J_LDB] = p.ldb;
    job[J_LDC] = p.ldc;
    job[J_ACC] = p.acc;
    job[J_BY_COLUMNS] = byColumns ? 1 : 0;
    job[J_UNIT] = byColumns ? 8 : 4;
    job[J_UNITS] = byColumns ? columnUnits : Math.ceil(p.m / 4);
    this.run(kernels);
  }

  /** The kernel `gemm` (its arguments: byte offsets) on all threads; `kernels` are this thread's. */
  gemm(
    args: readonly [number, number, number, number, number, number, number, number, number, number, number],
    kernels: ThreadKernels,
  ): void {
    const [a, b, c, m, k, n, rsA, csA, ldb, ldc, acc] = args;
    this.product(OP_GEMM, { a, b, c, m, k, n, rsA, csA, ldb, ldc, acc }, kernels);
  }

  /** The kernel `gemm_packed` (its arguments: byte offsets) on all threads. */
  gemmPacked(
    args: readonly [number, number, number, number, number, number, number, number, number, number],
    kernels: ThreadKernels,
  ): void {
    const [a, b, c, m, k, n, rsA, csA, ldc, acc] = args;
    this.product(OP_GEMM_PACKED, { a, b, c, m, k, n, rsA, csA, ldb: 0, ldc, acc }, kernels);
  }

  /** Stops the helpers (the calling thread then computes every product alone). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ctl[JOB + J_OP] = OP_QUIT;
    for (let w = 0; w < this.count; w++) {
      const line = HELPERS + w * WORDS;
      Atomics.store(this.ctl, line + POSTED, -1);
      Atomics.notify(this.ctl, line + POSTED);
    }
    for (const worker of this.workers) void worker.terminate();
  }
}

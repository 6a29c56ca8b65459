import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { NamePrediction } from '@charrnn/trainer';

/** What each worker thread is started with. */
export interface PredictWorkerData {
  /** The model bundle directory. */
  modelDir: string;
  /** The tfjs backend to start (the one the main thread ended up with). */
  backend: string;
}

/** One chunk of names for a worker. */
export interface PredictTask {
  id: number;
  names: readonly string[];
  /** How many labels per name. */
  top: number;
}

/** What a worker sends back. */
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'done'; id: number; predictions: NamePrediction[] }
  | { type: 'failed'; id: number; error: { name: string; message: string } };

/** Options of {@link PredictWorkerPool.open}. */
export interface PredictPoolOptions extends PredictWorkerData {
  /** Number of worker threads (default: {@link defaultWorkerCount}). */
  workers?: number;
}

/** The number of cores Node may run on (`os.availableParallelism`). */
export function defaultWorkerCount(): number {
  return Math.max(1, os.availableParallelism());
}

/** An error a worker reported, with the name and message it had there. */
class WorkerTaskError extends Error {
  constructor(error: { name: string; message: string }) {
    super(error.message);
    this.name = error.name;
  }
}

interface Pending {
  task: PredictTask;
  resolve: (predictions: NamePrediction[]) => void;
  reject: (error: Error) => void;
}

/**
 * Worker threads that classify chunks of names with a model bundle, each thread with its own
 * tfjs backend, model copy and WebAssembly kernels (prediction is single-threaded per thread, so
 * N threads use N cores). Chunks go to whichever thread is free; {@link classifyInOrder} gives the
 * results back in input order. The per-name results are those of `classifyNames` in one thread:
 * a name's probabilities do not depend on the chunk or batch it is in.
 */
export class PredictWorkerPool {
  private readonly idle: Worker[] = [];
  private readonly queue: Pending[] = [];
  private readonly running = new Map<Worker, Pending>();
  private failure: Error | undefined;
  private nextId = 0;

  private constructor(private readonly workers: Worker[]) {}

  /** Starts the threads and waits until each has loaded the model. @throws what a worker's load threw */
  static async open(options: PredictPoolOptions): Promise<PredictWorkerPool> {
    const count = options.workers ?? defaultWorkerCount();
    const data: PredictWorkerData = { modelDir: options.modelDir, backend: options.backend };
    const workers = Array.from(
      { length: count },
      () => new Worker(new URL('./predict_worker.js', import.meta.url), { workerData: data }),
    );
    const pool = new PredictWorkerPool(workers);
    try {
      await Promise.all(workers.map((worker) => pool.started(worker)));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  /** Number of threads. */
  get size(): number {
    return this.workers.length;
  }

  /** Predictions for `names` (top `top` labels each), from the next free thread. */
  classify(names: readonly string[], top: number): Promise<NamePrediction[]> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ task: { id: this.nextId++, names, top }, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops the threads (pending chunks are rejected). */
  async close(): Promise<void> {
    this.fail(new Error('the prediction workers were closed'));
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private started(worker: Worker): Promise<void> {
    return new Promise((resolve, reject) => {
      const first = (reply: WorkerReply): void => {
        worker.off('error', early);
        if (reply.type === 'ready') {
          worker.on('message', (next: WorkerReply) => this.finished(worker, next));
          worker.on('error', (error) => this.fail(error));
          this.idle.push(worker);
          this.dispatch();
          resolve();
        } else if (reply.type === 'failed') reject(new WorkerTaskError(reply.error));
      };
      const early = (error: Error): void => reject(error);
      worker.once('message', first);
      worker.once('error', early);
    });
  }

  private finished(worker: Worker, reply: WorkerReply): void {
    const pending = this.running.get(worker);
    if (pending === undefined || reply.type === 'ready' || reply.id !== pending.task.id) return;
    this.running.delete(worker);
    if (reply.type === 'done') pending.resolve(reply.predictions);
    else pending.reject(new WorkerTaskError(reply.error));
    this.idle.push(worker);
    this.dispatch();
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop() as Worker;
      const pending = this.queue.shift() as Pending;
      this.running.set(worker, pending);
      worker.postMessage(pending.task);
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const pending of [...this.queue, ...this.running.values()]) pending.reject(error);
    this.queue.length = 0;
    this.running.clear();
  }
}

/**
 * Classifies a stream of name chunks on `pool`, yielding each chunk's predictions in input order
 * while up to `ahead` chunks (default: twice the threads) are in flight: memory stays bounded by
 * those chunks whatever the stream's length.
 */
export async function* classifyInOrder(
  pool: PredictWorkerPool,
  chunks: AsyncIterable<readonly string[]> | Iterable<readonly string[]>,
  top: number,
  ahead = 2 * pool.size,
): AsyncGenerator<NamePrediction[]> {
  const inFlight: Promise<NamePrediction[]>[] = [];
  try {
    for await (const chunk of chunks) {
      const result = pool.classify(chunk, top);
      // Rejections are seen when their turn comes; until then they must not count as unhandled.
      result.catch(() => undefined);
      inFlight.push(result);
      if (inFlight.length >= ahead) yield await (inFlight.shift() as Promise<NamePrediction[]>);
    }
    while (inFlight.length > 0) yield await (inFlight.shift() as Promise<NamePrediction[]>);
  } finally {
    inFlight.length = 0;
  }
}

// The thread behind `PredictWorkerPool` (predict_workers.ts): loads the model bundle with its own
// tfjs backend and SIMD kernels, then classifies the chunks of names it is sent, one at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { classifyNames } from '@charrnn/trainer';
import type { ClassifierBundle } from '@charrnn/trainer';
import { loadClassifierFromDir } from './model_io.js';
import type { PredictTask, PredictWorkerData, WorkerReply } from './predict_workers.js';

const port = parentPort;
if (port === null) throw new Error('predict_worker.js runs as a worker thread');
const { modelDir, backend } = workerData as PredictWorkerData;

const describe = (error: unknown): { name: string; message: string } =>
  error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: 'Error', message: String(error) };

let bundle: ClassifierBundle | undefined;
try {
  bundle = await loadClassifierFromDir(modelDir, backend);
  port.postMessage({ type: 'ready' } satisfies WorkerReply);
} catch (error) {
  port.postMessage({ type: 'failed', id: -1, error: describe(error) } satisfies WorkerReply);
}

port.on('message', (task: PredictTask) => {
  if (bundle === undefined) return;
  try {
    const predictions = classifyNames(bundle, task.names, task.top);
    port.postMessage({ type: 'done', id: task.id, predictions } satisfies WorkerReply);
  } catch (error) {
    port.postMessage({ type: 'failed', id: task.id, error: describe(error) } satisfies WorkerReply);
  }
});

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, IoError } from '@charrnn/core';
import { writeFileAtomic } from '@charrnn/core/node';
import { classifyNames } from '@charrnn/trainer';
import { loadClassifierFromDir } from '../model_io.js';
import { BACKEND_CHOICES } from '../backend.js';
import { parseChoice, parseInteger } from '../options.js';
import { classifyNamesInWorkers, defaultWorkerCount } from '../predict_workers.js';

/** Flags of `charrnn predict`. */
export interface RawPredictOptions {
  model?: string;
  top: string;
  json?: boolean;
  input?: string;
  output?: string;
  backend: string;
  workers?: string;
}

async function readNames(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new IoError(`cannot read: ${(error as Error).message}`, { file, cause: error });
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => line.trim());
}

/** Checks the flags of `charrnn predict` before anything is loaded; returns `--top` and `--model`. */
export function checkPredictFlags(
  names: readonly string[],
  raw: RawPredictOptions,
): { top: number; model: string; workers: number } {
  if (raw.model === undefined) throw new InvalidArgumentError('is required', { field: '--model' });
  const top = parseInteger('--top', raw.top, 1, 1000);
  const workers =
    raw.workers === undefined ? defaultWorkerCount() : parseInteger('--workers', raw.workers, 1, 256);
  parseChoice('--backend', raw.backend, BACKEND_CHOICES);
  if (raw.input === undefined && names.length === 0) {
    throw new InvalidArgumentError('give names to classify, or --input names.txt', { field: 'NAME' });
  }
  if (raw.input !== undefined && raw.output === undefined) {
    throw new InvalidArgumentError('--input needs --output preds.tsv', { field: '--output' });
  }
  return { top, model: raw.model, workers };
}

/** `charrnn predict`: top-K languages for names given as arguments or in a file. */
export async function runPredict(names: string[], raw: RawPredictOptions): Promise<void> {
  const { top, model, workers } = checkPredictFlags(names, raw);
  const loaded = await loadClassifierFromDir(path.resolve(model), raw.backend);
  try {
    if (raw.input !== undefined && raw.output !== undefined) {
      const inputNames = await readNames(raw.input);
      // Worker threads load the bundle themselves, on the backend this thread started.
      const predictions = await classifyNamesInWorkers(loaded, inputNames, 1, {
        modelDir: path.resolve(model),
        backend: tf.getBackend(),
        workers,
      });
      const rows = predictions.map((p) => `${p.name}\t${p.top[0]?.label ?? ''}`);
      await writeFileAtomic(path.resolve(raw.output), rows.length > 0 ? `${rows.join('\n')}\n` : '');
      process.stdout.write(`wrote ${rows.length} predictions to ${raw.output}\n`);
      return;
    }
    const predictions = classifyNames(loaded, names, top);
    if (raw.json === true) {
      process.stdout.write(`${JSON.stringify(predictions, null, 2)}\n`);
      return;
    }
    for (const p of predictions) {
      const shown = p.normalized === p.name ? p.name : `${p.name} (read as "${p.normalized}")`;
      process.stdout.write(`${shown}\n`);
      for (const t of p.top)
        process.stdout.write(`  ${(100 * t.probability).toFixed(1).padStart(5)}%  ${t.label}\n`);
    }
  } finally {
    loaded.model.dispose();
  }
}

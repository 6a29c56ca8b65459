import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@charrnn/core';
import { readNameLines, type NameLine } from '@charrnn/data/node';
import { classifyNames, type ClassifierBundle, type NamePrediction } from '@charrnn/trainer';
import { loadClassifierFromDir } from '../model_io.js';
import { BACKEND_CHOICES } from '../backend.js';
import { CountProgress } from '../count_progress.js';
import { parseChoice, parseInteger } from '../options.js';
import { classifyInOrder, defaultWorkerCount, PredictWorkerPool } from '../predict_workers.js';
import { isStdoutClosed, writeStdout } from '../process_life.js';
import { openOutput } from '../safe_output.js';
import { terminalText } from '../terminal_text.js';

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
    throw new InvalidArgumentError('--input needs --output preds.tsv (or --output - for stdout)', {
      field: '--output',
    });
  }
  return { top, model: raw.model, workers };
}

/**
 * One output row: `name<TAB>label`, or `name<TAB><TAB>reason` for a line or name the model cannot
 * read. Names are written with control characters escaped, so a row is always one line of
 * tab-separated fields (labels hold none: bundles are checked when read).
 */
function row(name: string, label: string, reason?: string): string {
  return reason === undefined ? `${terminalText(name)}\t${label}\n` : `${terminalText(name)}\t\t${reason}\n`;
}

/** A name shown on a terminal: at most 120 characters (a 10 MB argument is not echoed whole). */
function shortened(name: string): string {
  return name.length <= 120 ? name : `${name.slice(0, 119)}…`;
}

/** Lines per call of the model: enough to batch well, few enough to bound memory. */
const NAMES_PER_PASS = 4096;

/** Where the worker threads of `--workers` get the model: its directory and this thread's backend. */
interface WorkerSetup {
  workers: number;
  modelDir: string;
}

/**
 * Streams `input` (a file, or `-` for stdin) to `output` in order, one row per input line, with
 * bounded memory whatever the input size; returns the counts. Passes of {@link NAMES_PER_PASS}
 * lines are classified in this thread, or, from the second pass on and with more than one worker,
 * on worker threads (a few passes in flight, results in input order: the same rows).
 */
async function predictFile(
  loaded: ClassifierBundle,
  input: string,
  output: string,
  setup: WorkerSetup,
): Promise<{ rows: number; unreadable: number }> {
  const target = await openOutput(output);
  const progress = new CountProgress('predict');
  let rows = 0;
  let unreadable = 0;
  const readable = (lines: NameLine[]): string[] =>
    lines.filter((l) => l.problem === undefined).map((l) => l.name);
  const write = async (lines: NameLine[], predictions: NamePrediction[]): Promise<void> => {
    let text = '';
    let k = 0;
    for (const line of lines) {
      let reason = line.problem;
      let label = '';
      if (reason === undefined) {
        const p = predictions[k++] as NamePrediction;
        reason = p.unreadable;
        label = p.top[0]?.label ?? '';
      }
      if (reason !== undefined) unreadable += 1;
      text += row(line.name, label, reason);
    }
    await target.write(text);
    rows += lines.length;
    progress.update(rows);
  };
  async function* passes(): AsyncGenerator<NameLine[]> {
    const source = input === '-' ? process.stdin : input;
    let pending: NameLine[] = [];
    for await (const lines of readNameLines(source, { chunkBytes: 64 * 1024 })) {
      for (const line of lines) pending.push(line);
      while (pending.length >= NAMES_PER_PASS) {
        yield pending.slice(0, NAMES_PER_PASS);
        pending = pending.slice(NAMES_PER_PASS);
      }
      if (target.kind === 'stdout' && isStdoutClosed()) return;
    }
    if (pending.length > 0) yield pending;
  }
  let pool: PredictWorkerPool | undefined;
  try {
    const all = passes();
    const first = await all.next();
    const second = first.done === true ? first : await all.next();
    if (second.done === true || setup.workers <= 1) {
      // One pass (or one worker asked for): no threads to start.
      for (const lines of [first, second])
        if (lines.done !== true) await write(lines.value, classifyNames(loaded, readable(lines.value), 1));
      for await (const lines of all) await write(lines, classifyNames(loaded, readable(lines), 1));
    } else {
      pool = await PredictWorkerPool.open({
        modelDir: setup.modelDir,
        backend: tf.getBackend(),
        workers: setup.workers,
      });
      // The passes in flight, oldest first: each is written when its predictions come back.
      const inFlight: NameLine[][] = [];
      async function* names(): AsyncGenerator<string[]> {
        for (const lines of [first.value as NameLine[], second.value as NameLine[]]) {
          inFlight.push(lines);
          yield readable(lines);
        }
        for await (const lines of all) {
          inFlight.push(lines);
          yield readable(lines);
        }
      }
      for await (const predictions of classifyInOrder(pool, names(), 1))
        await write(inFlight.shift() as NameLine[], predictions);
    }
    await target.commit();
  } catch (error) {
    await target.abort();
    throw error;
  } finally {
    await pool?.close();
    progress.done();
  }
  return { rows, unreadable };
}

/** `charrnn predict`: top-K languages for names given as arguments or in a file. */
export async function runPredict(names: string[], raw: RawPredictOptions): Promise<void> {
  const { top, model, workers } = checkPredictFlags(names, raw);
  const loaded = await loadClassifierFromDir(path.resolve(model), raw.backend);
  try {
    if (raw.input !== undefined && raw.output !== undefined) {
      const { rows, unreadable } = await predictFile(loaded, raw.input, raw.output, {
        workers,
        modelDir: path.resolve(model),
      });
      if (raw.output !== '-') {
        const note = unreadable > 0 ? ` (${unreadable} without a label: the third column says why)` : '';
        await writeStdout(`wrote ${rows} predictions to ${terminalText(raw.output)}${note}\n`);
      }
      return;
    }
    const predictions = classifyNames(loaded, names, top);
    if (raw.json === true) {
      await writeStdout(`${JSON.stringify(predictions, null, 2)}\n`);
      return;
    }
    let text = '';
    for (const p of predictions) {
      const name = terminalText(shortened(p.name));
      text +=
        p.normalized === p.name || p.unreadable !== undefined
          ? `${name}\n`
          : `${name} (read as "${terminalText(shortened(p.normalized))}")\n`;
      if (p.unreadable !== undefined) text += `  no label: ${p.unreadable}\n`;
      for (const t of p.top)
        text += `  ${(100 * t.probability).toFixed(1).padStart(5)}%  ${terminalText(t.label)}\n`;
    }
    await writeStdout(text);
  } finally {
    loaded.model.dispose();
  }
}

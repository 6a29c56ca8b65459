import { InvalidBundleError } from '@charrnn/core';
import type { RngState } from '@charrnn/core';
import type { OptimizerState } from './optimizer.js';
import { initialMonitorState, type MonitorState } from './schedule.js';
import type { EpochRecord } from './train_events.js';

/**
 * Everything {@link train} needs to continue a run exactly where it stopped: pass it back as
 * `resumeFrom` with the same examples, options and model configuration, and the run ends with
 * the same weights as an uninterrupted one (bit for bit on cpu and wasm).
 *
 * The sampler is not stored: it is replayed from the seed for `steps` batches, which costs only
 * index arithmetic.
 */
export interface TrainCheckpoint {
  /** Training steps done. */
  steps: number;
  /** Steps the whole run takes (a consistency check on resume). */
  totalSteps: number;
  /** Epoch records so far. */
  history: EpochRecord[];
  /** Milliseconds spent in training steps so far. */
  trainMs: number;
  /** Examples processed by training steps so far. */
  namesTrained: number;
  /** Sum and count of the batch losses of the unfinished evaluation period. */
  periodLoss: number;
  /** Steps of the unfinished evaluation period. */
  periodSteps: number;
  /** The model's trainable weights, in `model.trainableWeights` order. */
  weights: Float32Array[];
  /** The weights of the best validation epoch so far, when `restoreBest` keeps them. */
  bestWeights: Float32Array[] | null;
  /** Optimizer step count, learning rate and slots. */
  optimizer: OptimizerState;
  /** State of the dropout masks' random generator. */
  dropoutRng: RngState;
  /** Best-epoch, plateau and early-stopping progress. */
  monitor: MonitorState;
  /** Set when the run has ended (completed or early-stopped): resuming returns at once. */
  finished: 'completed' | 'early_stopped' | null;
}

/** A checkpoint as JSON plus one binary blob holding every array (see {@link decodeCheckpoint}). */
export interface EncodedCheckpoint {
  /** JSON-safe description: scalars, history, and the byte ranges of the arrays in `data`. */
  json: CheckpointJson;
  /** The arrays, little-endian float32, concatenated. */
  data: Uint8Array;
}

/** One array's place in {@link EncodedCheckpoint.data}. */
export interface ArraySpec {
  /** Offset in float32 elements. */
  offset: number;
  /** Length in float32 elements. */
  length: number;
}

/** The JSON half of an {@link EncodedCheckpoint}: the scalars as they are, arrays as byte ranges. */
export type CheckpointJson = Omit<TrainCheckpoint, 'weights' | 'bestWeights' | 'optimizer' | 'monitor'> & {
  format: 'charrnn-train-checkpoint';
  version: 1;
  weights: ArraySpec[];
  bestWeights: ArraySpec[] | null;
  optimizer: { step: number; learningRate: number; slots: ArraySpec[] };
  /** ∓∞ (no value yet) as null. */
  monitor: Record<keyof MonitorState, number | null>;
};

/** Serialises a checkpoint: arrays into one binary blob, the rest as JSON (∓∞ become null). */
export function encodeCheckpoint(checkpoint: TrainCheckpoint): EncodedCheckpoint {
  const arrays: Float32Array[] = [];
  let offset = 0;
  const place = (list: readonly Float32Array[]): ArraySpec[] =>
    list.map((a) => {
      arrays.push(a);
      const spec = { offset, length: a.length };
      offset += a.length;
      return spec;
    });
  const weights = place(checkpoint.weights);
  const bestWeights = checkpoint.bestWeights === null ? null : place(checkpoint.bestWeights);
  const slots = place(checkpoint.optimizer.slots);
  const all = new Float32Array(offset);
  let at = 0;
  for (const a of arrays) {
    all.set(a, at);
    at += a.length;
  }
  const monitor = Object.fromEntries(
    Object.entries(checkpoint.monitor).map(([k, v]) => [k, Number.isFinite(v) ? v : null]),
  ) as CheckpointJson['monitor'];
  return {
    json: {
      format: 'charrnn-train-checkpoint',
      version: 1,
      ...checkpoint,
      weights,
      bestWeights,
      optimizer: { step: checkpoint.optimizer.step, learningRate: checkpoint.optimizer.learningRate, slots },
      monitor,
    },
    data: new Uint8Array(all.buffer),
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The inverse of {@link encodeCheckpoint}; checks every field and every byte range.
 * @param source named in errors (a file path)
 * @throws InvalidBundleError naming the source and the field when anything is missing or out of range
 */
export function decodeCheckpoint(json: unknown, data: Uint8Array, source = 'checkpoint'): TrainCheckpoint {
  const fail = (field: string, message: string): never => {
    throw new InvalidBundleError(message, { field, file: source });
  };
  if (!isRecord(json)) return fail('(root)', 'not a JSON object');
  if (json.format !== 'charrnn-train-checkpoint')
    fail('format', `expected "charrnn-train-checkpoint", got ${JSON.stringify(json.format)}`);
  if (json.version !== 1)
    fail('version', `unsupported version ${JSON.stringify(json.version)} (this build reads 1)`);
  if (data.byteLength % 4 !== 0)
    fail('data', `${data.byteLength} bytes is not a whole number of float32 values`);
  const floats = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  const count = (field: string, v: unknown, min = 0): number => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min)
      fail(field, `expected an integer ≥ ${min}, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const finite = (field: string, v: unknown): number => {
    if (typeof v !== 'number' || !Number.isFinite(v))
      fail(field, `expected a finite number, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const arrays = (field: string, v: unknown): Float32Array[] => {
    if (!Array.isArray(v)) return fail(field, 'expected an array of {offset, length}');
    return v.map((spec, i) => {
      if (!isRecord(spec)) return fail(`${field}[${i}]`, 'expected {offset, length}');
      const offset = count(`${field}[${i}].offset`, spec.offset);
      const length = count(`${field}[${i}].length`, spec.length);
      if (offset + length > floats.length)
        fail(
          `${field}[${i}]`,
          `range ${offset}+${length} is past the end of the data (${floats.length} values)`,
        );
      return floats.slice(offset, offset + length);
    });
  };
  const steps = count('steps', json.steps);
  const totalSteps = count('totalSteps', json.totalSteps);
  if (steps > totalSteps) fail('steps', `${steps} is more than totalSteps ${totalSteps}`);
  if (!Array.isArray(json.history)) fail('history', 'expected an array');
  const optimizer = isRecord(json.optimizer) ? json.optimizer : fail('optimizer', 'expected an object');
  const rng = isRecord(json.dropoutRng) ? json.dropoutRng : fail('dropoutRng', 'expected an object');
  const words = rng.words;
  if (
    rng.algorithm !== 'sfc32' ||
    !Array.isArray(words) ||
    words.length !== 4 ||
    !words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)
  )
    fail('dropoutRng', 'expected an sfc32 state of four 32-bit words');
  const monitorJson = isRecord(json.monitor) ? json.monitor : fail('monitor', 'expected an object');
  const monitorKeys = Object.keys(initialMonitorState()) as (keyof MonitorState)[];
  const monitor = Object.fromEntries(
    monitorKeys.map((k) => {
      const v = monitorJson[k];
      if (v === null) return [k, Number.NEGATIVE_INFINITY];
      return [k, finite(`monitor.${k}`, v)];
    }),
  ) as unknown as MonitorState;
  const finished = json.finished;
  if (finished !== null && finished !== 'completed' && finished !== 'early_stopped')
    fail('finished', `expected null, "completed" or "early_stopped", got ${JSON.stringify(finished)}`);
  return {
    steps,
    totalSteps,
    history: json.history as EpochRecord[],
    trainMs: finite('trainMs', json.trainMs),
    namesTrained: count('namesTrained', json.namesTrained),
    periodLoss: finite('periodLoss', json.periodLoss),
    periodSteps: count('periodSteps', json.periodSteps),
    weights: arrays('weights', json.weights),
    bestWeights: json.bestWeights === null ? null : arrays('bestWeights', json.bestWeights),
    optimizer: {
      step: count('optimizer.step', optimizer.step),
      learningRate: finite('optimizer.learningRate', optimizer.learningRate),
      slots: arrays('optimizer.slots', optimizer.slots),
    },
    dropoutRng: { algorithm: 'sfc32', words: words as [number, number, number, number] },
    monitor,
    finished: finished as TrainCheckpoint['finished'],
  };
}

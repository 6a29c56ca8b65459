import { InvalidBundleError } from '@charrnn/core';
import type { SavedLanguageModelCheckpoint } from './train_language_model.js';

/** A language-model checkpoint as JSON plus one blob of float32 arrays (see {@link decodeLanguageModelCheckpoint}). */
export interface EncodedLanguageModelCheckpoint {
  /** Everything but the arrays, which are `{ offset, length }` ranges of `data` (in floats). */
  json: Record<string, unknown>;
  /** The arrays, little-endian float32, concatenated. */
  data: Uint8Array;
}

type Range = { offset: number; length: number };

/** Serialises a saved language-model checkpoint (arrays into one blob, the rest JSON). */
export function encodeLanguageModelCheckpoint(
  saved: SavedLanguageModelCheckpoint,
): EncodedLanguageModelCheckpoint {
  const arrays: Float32Array[] = [];
  let offset = 0;
  const place = (a: Float32Array): Range => {
    arrays.push(a);
    const r = { offset, length: a.length };
    offset += a.length;
    return r;
  };
  const c = saved.checkpoint;
  const json = {
    format: 'charrnn-lm-checkpoint',
    version: 1,
    meta: saved.meta,
    checkpoint: {
      ...c,
      weights: c.weights.map(place),
      bestWeights: c.bestWeights?.map(place) ?? null,
      optimizer: { ...c.optimizer, slots: c.optimizer.slots.map(place) },
      carriedState: c.carriedState?.map((layer) => layer.map(place)) ?? null,
    },
  };
  const all = new Float32Array(offset);
  let at = 0;
  for (const a of arrays) {
    all.set(a, at);
    at += a.length;
  }
  return { json, data: new Uint8Array(all.buffer) };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The inverse of {@link encodeLanguageModelCheckpoint}; checks the format and every array range.
 * @throws InvalidBundleError naming `source` and the field
 */
export function decodeLanguageModelCheckpoint(
  json: unknown,
  data: Uint8Array,
  source = 'checkpoint',
): SavedLanguageModelCheckpoint {
  const fail = (field: string, message: string): never => {
    throw new InvalidBundleError(message, { field, file: source });
  };
  if (!isRecord(json) || json['format'] !== 'charrnn-lm-checkpoint' || json['version'] !== 1)
    return fail(
      'format',
      'not a charrnn language-model checkpoint (format "charrnn-lm-checkpoint", version 1)',
    );
  if (data.byteLength % 4 !== 0)
    fail('data', `${data.byteLength} bytes is not a whole number of float32 values`);
  const floats = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  const take = (field: string, r: unknown): Float32Array => {
    if (!isRecord(r)) return fail(field, 'expected {offset, length}');
    const { offset, length } = r;
    if (
      typeof offset !== 'number' ||
      typeof length !== 'number' ||
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(length) ||
      offset < 0 ||
      length < 0 ||
      offset + length > floats.length
    )
      fail(field, `range ${String(offset)}+${String(length)} is outside the data (${floats.length} values)`);
    return floats.slice(offset as number, (offset as number) + (length as number));
  };
  const list = (field: string, v: unknown): Float32Array[] => {
    if (!Array.isArray(v)) return fail(field, 'expected an array');
    return v.map((r, i) => take(`${field}[${i}]`, r));
  };
  const meta = json['meta'];
  const c = json['checkpoint'];
  if (!isRecord(meta)) return fail('meta', 'expected an object');
  if (!isRecord(c)) return fail('checkpoint', 'expected an object');
  const optimizer = isRecord(c['optimizer'])
    ? c['optimizer']
    : fail('checkpoint.optimizer', 'expected an object');
  for (const key of ['steps', 'epochs', 'trainMs', 'charsTrained', 'epochLoss', 'epochSteps', 'bestEpoch'])
    if (typeof c[key] !== 'number' || !Number.isFinite(c[key]))
      fail(`checkpoint.${key}`, 'expected a finite number');
  const carried = c['carriedState'];
  return {
    meta: meta as unknown as SavedLanguageModelCheckpoint['meta'],
    checkpoint: {
      ...(c as unknown as SavedLanguageModelCheckpoint['checkpoint']),
      weights: list('checkpoint.weights', c['weights']),
      bestWeights: c['bestWeights'] === null ? null : list('checkpoint.bestWeights', c['bestWeights']),
      optimizer: {
        ...(optimizer as unknown as SavedLanguageModelCheckpoint['checkpoint']['optimizer']),
        slots: list('checkpoint.optimizer.slots', optimizer['slots']),
      },
      carriedState:
        carried === null
          ? null
          : Array.isArray(carried)
            ? carried.map((layer, l) => list(`checkpoint.carriedState[${l}]`, layer))
            : fail('checkpoint.carriedState', 'expected an array or null'),
    },
  };
}

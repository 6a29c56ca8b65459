import { InvalidBundleError, InvalidArgumentError } from '@charrnn/core';
import { DEFAULT_READ_LIMITS, elementCount } from './state_dict.js';
import type { ReadLimits, StateDict, StateTensor } from './state_dict.js';
import { decodeElements, DTYPE_BYTES } from './tensor_dtype.js';
import type { TensorDtype } from './tensor_dtype.js';

/** safetensors dtype names of the {@link TensorDtype}s we read and write. */
const SAFETENSORS_DTYPE: Readonly<Record<string, TensorDtype>> = Object.freeze({
  F64: 'float64',
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
});

/** What {@link readSafetensors} returns. */
export interface SafetensorsContents {
  /** The tensors, in header order. */
  tensors: StateDict;
  /** The header's `__metadata__` (string to string), `{}` when absent. */
  metadata: Record<string, string>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a `.safetensors` file: a u64 little-endian header length N, N bytes of UTF-8 JSON
 * (`{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__"?: {...}}`), then the
 * tensors' little-endian bytes, offsets counted from the end of the header.
 *
 * Everything is checked before any tensor is allocated: the header length (at most
 * `maxHeaderBytes`, inside the file), the JSON, each dtype (F64, F32, F16, BF16, I64, I32, I16,
 * I8, U8, BOOL), each shape (non-negative integers, at most `maxTensorElements` values), each
 * byte range (inside the data, exactly shape × dtype size), and that the ranges tile the data
 * without overlap or gap, as the reference implementation requires. A 10 GB tensor declared
 * in a small file is refused without allocating it.
 *
 * @param bytes the whole file
 * @param file its name, for error messages
 * @throws InvalidBundleError naming `file` and the field (`header`, `header["w"].shape`...)
 */
export function readSafetensors(
  bytes: Uint8Array,
  file: string,
  limits: ReadLimits = {},
): SafetensorsContents {
  const { maxHeaderBytes, maxTensorElements, maxTensors } = { ...DEFAULT_READ_LIMITS, ...limits };
  const fail = (field: string, message: string): never => {
    throw new InvalidBundleError(message, { file, field });
  };
  if (bytes.length < 8)
    fail('header length', `the file has ${bytes.length} bytes, fewer than the 8 of the header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const high = view.getUint32(4, true);
  const low = view.getUint32(0, true);
  if (high !== 0 || low > maxHeaderBytes)
    fail(
      'header length',
      `the header length ${high * 2 ** 32 + low} is over the ${maxHeaderBytes}-byte limit`,
    );
  if (8 + low > bytes.length)
    fail('header length', `the header length ${low} runs past the end of the ${bytes.length}-byte file`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + low)));
  } catch {
    fail('header', 'is not UTF-8 JSON');
  }
  if (!isRecord(header)) return fail('header', 'must be a JSON object');
  const dataStart = 8 + low;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const rawMetadata = header['__metadata__'];
  if (rawMetadata !== undefined) {
    if (!isRecord(rawMetadata)) fail('header.__metadata__', 'must be an object of strings');
    for (const [key, value] of Object.entries(rawMetadata as Record<string, unknown>)) {
      if (typeof value !== 'string') fail(`header.__metadata__[${JSON.stringify(key)}]`, 'must be a string');
      metadata[key] = value as string;
    }
  }
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  if (names.length > maxTensors)
    fail('header', `lists ${names.length} tensors, over the ${maxTensors} limit`);
  const entries: {
    name: string;
    dtype: TensorDtype;
    shape: number[];
    count: number;
    begin: number;
    end: number;
  }[] = [];
  for (const name of names) {
    const field = `header[${JSON.stringify(name)}]`;
    const entry = header[name];
    if (!isRecord(entry)) return fail(field, 'must be an object with dtype, shape and data_offsets');
    const dtypeName = entry['dtype'];
    const dtype = typeof dtypeName === 'string' ? SAFETENSORS_DTYPE[dtypeName] : undefined;
    if (dtype === undefined || !Object.hasOwn(SAFETENSORS_DTYPE, dtypeName as string))
      return fail(
        `${field}.dtype`,
        `unsupported dtype ${JSON.stringify(dtypeName)} (supported: ${Object.keys(SAFETENSORS_DTYPE).join(', ')})`,
      );
    const shape = entry['shape'];
    if (!Array.isArray(shape) || shape.length > 8 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      return fail(`${field}.shape`, 'must be an array of at most 8 non-negative integers');
    const count = elementCount(shape as number[], maxTensorElements);
    if (count > maxTensorElements)
      fail(
        `${field}.shape`,
        `[${(shape as number[]).join(', ')}] is over the ${maxTensorElements}-value limit`,
      );
    const offsets = entry['data_offsets'];
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      (offsets[0] as number) > (offsets[1] as number)
    )
      return fail(`${field}.data_offsets`, 'must be [begin, end] with 0 ≤ begin ≤ end');
    const [begin, end] = offsets as [number, number];
    if (end > dataLength)
      fail(`${field}.data_offsets`, `[${begin}, ${end}] runs past the ${dataLength} bytes of tensor data`);
    if (end - begin !== count * DTYPE_BYTES[dtype])
      fail(
        `${field}.data_offsets`,
        `[${begin}, ${end}] spans ${end - begin} bytes, but shape [${(shape as number[]).join(', ')}] of ${dtypeName as string} needs ${count * DTYPE_BYTES[dtype]}`,
      );
    entries.push({ name, dtype, shape: shape as number[], count, begin, end });
  }
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const entry of byOffset) {
    if (entry.begin !== covered)
      fail(
        `header[${JSON.stringify(entry.name)}].data_offsets`,
        entry.begin < covered
          ? `[${entry.begin}, ${entry.end}] overlaps another tensor (which ends at ${covered})`
          : `[${entry.begin}, ${entry.end}] leaves the bytes [${covered}, ${entry.begin}) unused`,
      );
    covered = entry.end;
  }
  if (covered !== dataLength) fail('data', `the tensors cover ${covered} of the ${dataLength} data bytes`);
  const tensors: StateDict = new Map();
  for (const { name, dtype, shape, count, begin, end } of entries) {
    const tensor: StateTensor = {
      dtype,
      shape,
      values: decodeElements(bytes.subarray(dataStart + begin, dataStart + end), dtype, count),
    };
    tensors.set(name, tensor);
  }
  return { tensors, metadata };
}

/** A float32 tensor to write with {@link writeSafetensors}. */
export interface Float32Tensor {
  /** Dimensions, outermost first. */
  shape: readonly number[];
  /** Row-major values, `shape`'s product of them. */
  values: Float32Array;
}

/**
 * Writes float32 tensors as a `.safetensors` file (dtype F32, in the order given, the header
 * padded with spaces to a multiple of 8 bytes as the reference writer does) that
 * `safetensors.torch.load_file` and {@link readSafetensors} read.
 * @throws InvalidArgumentError when a name is empty or `__metadata__`, or values and shape disagree
 */
export function writeSafetensors(
  tensors: ReadonlyMap<string, Float32Tensor>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header['__metadata__'] = { ...metadata };
  let offset = 0;
  for (const [name, { shape, values }] of tensors) {
    if (name === '' || name === '__metadata__')
      throw new InvalidArgumentError(`invalid tensor name ${JSON.stringify(name)}`, { field: 'tensors' });
    if (shape.reduce((n, d) => n * d, 1) !== values.length)
      throw new InvalidArgumentError(
        `has ${values.length} values, shape [${shape.join(', ')}] needs ${shape.reduce((n, d) => n * d, 1)}`,
        {
          field: `tensors[${JSON.stringify(name)}]`,
        },
      );
    header[name] = { dtype: 'F32', shape: [...shape], data_offsets: [offset, offset + values.length * 4] };
    offset += values.length * 4;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padding = (8 - (json.length % 8)) % 8;
  if (padding > 0) {
    const padded = new Uint8Array(json.length + padding).fill(0x20);
    padded.set(json);
    json = padded;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length, true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const { values } of tensors.values()) {
    for (let i = 0; i < values.length; i++) view.setFloat32(at + 4 * i, values[i] as number, true);
    at += values.length * 4;
  }
  return out;
}

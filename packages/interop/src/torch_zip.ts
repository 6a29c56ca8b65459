import { InvalidBundleError } from '@charrnn/core';
import { unzipSync } from 'fflate';
import type { Unzipped } from 'fflate';
import { parseStateDictPickle } from './pickle_state_dict.js';
import type { TensorRef } from './pickle_state_dict.js';
import { DEFAULT_READ_LIMITS, elementCount } from './state_dict.js';
import type { ReadLimits, StateDict } from './state_dict.js';
import { decodeElements, DTYPE_BYTES } from './tensor_dtype.js';

/** What {@link readTorchStateDict} returns. */
export interface TorchStateDictContents {
  /** The tensors, in pickle order (nested dicts flattened with `.`). */
  tensors: StateDict;
  /** Names of non-tensor values left out (a checkpoint's `epoch`...). */
  ignored: string[];
}

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

/** True when `bytes` starts like a zip archive (what `torch.save` writes since PyTorch 1.6). */
export function isZip(bytes: Uint8Array): boolean {
  return ZIP_MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Reads `torch.save(model.state_dict(), file)` output (the zip format of PyTorch ≥ 1.6:
 * `<archive>/data.pkl` plus one `<archive>/data/<key>` entry per storage), without running any
 * of its pickle code: see the interpreter's limits in the error messages. Every tensor is
 * checked against its storage (dtype, size, strides within bounds, at most `maxTensorElements`
 * values) before its values are copied out; big-endian archives and the legacy non-zip format
 * are refused.
 *
 * Zip entries are read with fflate (already a dependency of `@charrnn/data`): a small, maintained,
 * dependency-free, browser-safe unzip, whose `filter` lets us refuse an oversized entry from the
 * central directory before inflating anything.
 *
 * @param bytes the whole `.pt` file
 * @param file its name, for error messages
 * @throws InvalidBundleError naming `file` and the field (zip entry, pickle byte offset, tensor)
 */
export function readTorchStateDict(
  bytes: Uint8Array,
  file: string,
  limits: ReadLimits = {},
): TorchStateDictContents {
  const { maxHeaderBytes, maxTensorElements, maxTensors } = { ...DEFAULT_READ_LIMITS, ...limits };
  const fail = (field: string, message: string): never => {
    throw new InvalidBundleError(message, { file, field });
  };
  if (!isZip(bytes)) {
    if (bytes[0] === 0x80)
      fail(
        'format',
        'is a legacy (pre-zip) torch.save file, which is not read: save it again with PyTorch ≥ 1.6 defaults, or as safetensors',
      );
    fail('format', 'is not a zip archive (torch.save) file');
  }
  const maxEntryBytes = maxTensorElements * 8;
  const unzip = (want: (name: string) => boolean, field: string): Unzipped => {
    let count = 0;
    try {
      return unzipSync(bytes, {
        filter: (info) => {
          if (++count > maxTensors + 16) fail('zip', `holds more than ${maxTensors + 16} entries`);
          if (!want(info.name)) return false;
          const limit = info.name.endsWith('/data.pkl') ? maxHeaderBytes : maxEntryBytes;
          if (info.originalSize > limit)
            fail(
              `zip entry ${JSON.stringify(info.name.slice(0, 200))}`,
              `declares ${info.originalSize} bytes, over the ${limit}-byte limit`,
            );
          return true;
        },
      });
    } catch (error) {
      if (error instanceof InvalidBundleError) throw error;
      return fail(
        field,
        `the zip archive is damaged (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  };

  const head = unzip((name) => /^[^/]+\/(data\.pkl|byteorder)$/.test(name), 'zip');
  const pickles = Object.keys(head).filter((name) => name.endsWith('/data.pkl'));
  if (pickles.length !== 1)
    fail(
      'zip',
      pickles.length === 0
        ? 'has no <archive>/data.pkl entry (not a torch.save file)'
        : 'has several data.pkl entries',
    );
  const pickleName = pickles[0] as string;
  const prefix = pickleName.slice(0, -'data.pkl'.length);
  const byteorder = head[`${prefix}byteorder`];
  if (byteorder !== undefined && new TextDecoder().decode(byteorder) !== 'little')
    fail(`${prefix}byteorder`, 'the archive is big-endian; only little-endian archives are read');
  const parsed = parseStateDictPickle(head[pickleName] as Uint8Array, file, pickleName);
  if (parsed.tensors.size > maxTensors)
    fail(pickleName, `holds ${parsed.tensors.size} tensors, over the ${maxTensors} limit`);

  const keys = new Set([...parsed.tensors.values()].map((t) => t.storage.key));
  const storages = unzip(
    (name) => name.startsWith(`${prefix}data/`) && keys.has(name.slice(prefix.length + 5)),
    'zip',
  );
  const tensors: StateDict = new Map();
  const checked = [...parsed.tensors].map(([name, ref]) => [name, ref, checkTensor(name, ref)] as const);
  for (const [name, ref, count] of checked) {
    const entry = `${prefix}data/${ref.storage.key}`;
    const data = storages[entry];
    if (data === undefined) return fail(entry, `is missing (storage of tensor ${JSON.stringify(name)})`);
    const itemBytes = DTYPE_BYTES[ref.storage.dtype];
    if (data.length < ref.storage.numel * itemBytes)
      fail(
        entry,
        `holds ${data.length} bytes, but its ${ref.storage.numel} ${ref.storage.dtype} values need ${ref.storage.numel * itemBytes}`,
      );
    const storage = decodeElements(data, ref.storage.dtype, ref.storage.numel);
    tensors.set(name, { dtype: ref.storage.dtype, shape: ref.shape, values: gather(storage, ref, count) });
  }
  return { tensors, ignored: parsed.ignored };

  /** Checks that `ref` stays inside its storage; returns its element count. */
  function checkTensor(name: string, ref: TensorRef): number {
    const field = `tensor ${JSON.stringify(name.slice(0, 200))}`;
    const count = elementCount(ref.shape, maxTensorElements);
    if (count > maxTensorElements)
      fail(`${field}.shape`, `[${ref.shape.join(', ')}] is over the ${maxTensorElements}-value limit`);
    if (ref.storage.numel > maxTensorElements)
      fail(
        `${field}.storage`,
        `declares ${ref.storage.numel} values, over the ${maxTensorElements}-value limit`,
      );
    if (count === 0) return 0;
    let last = ref.offset;
    ref.shape.forEach((d, i) => (last += (d - 1) * (ref.stride[i] as number)));
    if (last >= ref.storage.numel)
      fail(
        `${field}.stride`,
        `shape [${ref.shape.join(', ')}] with stride [${ref.stride.join(', ')}] at offset ${ref.offset} reads past the storage's ${ref.storage.numel} values`,
      );
    return count;
  }
}

/** The tensor's values, row-major, copied out of its (possibly strided) storage view. */
function gather(storage: Float32Array, ref: TensorRef, count: number): Float32Array {
  const out = new Float32Array(count);
  const rank = ref.shape.length;
  const contiguous = ref.shape.every(
    (_, i) => ref.stride[i] === ref.shape.slice(i + 1).reduce((n, d) => n * d, 1) || ref.shape[i] === 1,
  );
  if (contiguous) {
    out.set(storage.subarray(ref.offset, ref.offset + count));
    return out;
  }
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < count; i++) {
    let at = ref.offset;
    for (let k = 0; k < rank; k++) at += (index[k] as number) * (ref.stride[k] as number);
    out[i] = storage[at] as number;
    for (let k = rank - 1; k >= 0; k--) {
      index[k] = (index[k] as number) + 1;
      if ((index[k] as number) < (ref.shape[k] as number)) break;
      index[k] = 0;
    }
  }
  return out;
}

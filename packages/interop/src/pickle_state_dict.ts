import { InvalidBundleError } from '@charrnn/core';
import type { TensorDtype } from './tensor_dtype.js';

/** A storage a tensor views: the zip entry `data/<key>` of `numel` elements of `dtype`. */
export interface StorageRef {
  readonly kind: 'storage';
  readonly dtype: TensorDtype;
  readonly key: string;
  readonly numel: number;
}

/** A tensor as `torch._utils._rebuild_tensor_v2` describes it: a strided view of a storage. */
export interface TensorRef {
  readonly kind: 'tensor';
  readonly storage: StorageRef;
  /** Offset of element 0 in the storage, in elements. */
  readonly offset: number;
  readonly shape: number[];
  readonly stride: number[];
}

/** What {@link parseStateDictPickle} finds: tensors by (dotted) name, and the other leaves' names. */
export interface PickledStateDict {
  tensors: Map<string, TensorRef>;
  /** Names of values that are not tensors (a checkpoint's `epoch`...), left out. */
  ignored: string[];
}

class Tuple {
  constructor(readonly items: PyValue[]) {}
}
class GlobalRef {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
}
class Mark {}
const MARK = new Mark();

type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | Tuple
  | Map<string | number, PyValue>
  | GlobalRef
  | StorageRef
  | TensorRef;

const STORAGE_DTYPE: Readonly<Record<string, TensorDtype>> = Object.freeze({
  DoubleStorage: 'float64',
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
});

/** The only globals a state dict needs; anything else is refused, never looked up or called. */
const ALLOWED_GLOBALS = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  ...Object.keys(STORAGE_DTYPE).map((s) => `torch.${s}`),
]);

const MAX_STACK = 1_000_000;

/**
 * Reads the pickle `data.pkl` of a `torch.save(state_dict)` zip: an interpreter of the pickle
 * opcodes of protocols 2 to 5 that such files use (dicts, `OrderedDict`, lists, tuples, numbers,
 * strings, memo, persistent ids for storages, `torch._utils._rebuild_tensor_v2` /
 * `_rebuild_parameter`). It never imports or calls anything: the few globals it knows are data
 * constructors it models itself, and any other global (or opcode) is refused. Nested dicts (a
 * checkpoint holding a state dict) are flattened with `.`; their non-tensor leaves are listed in
 * `ignored`.
 *
 * @param bytes the pickle stream
 * @param file where it came from (`x.pt`), for error messages
 * @param entry its name in the zip (`x/data.pkl`), the field of error messages
 * @throws InvalidBundleError naming `file` and `entry` with the byte offset, for a truncated or
 *   malformed stream, an unsupported opcode or protocol, or a global outside the state-dict subset
 * @internal
 */
export function parseStateDictPickle(bytes: Uint8Array, file: string, entry: string): PickledStateDict {
  let pos = 0;
  let opAt = 0;
  const fail = (message: string): never => {
    throw new InvalidBundleError(message, { file, field: `${entry} byte ${opAt}` });
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const take = (n: number): number => {
    if (n < 0 || pos + n > bytes.length) fail('the pickle stream ends in the middle of an opcode');
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = (): number => view.getUint8(take(1));
  const u16 = (): number => view.getUint16(take(2), true);
  const u32 = (): number => view.getUint32(take(4), true);
  const u64 = (): number => {
    const at = take(8);
    const high = view.getUint32(at + 4, true);
    if (high !== 0) fail('a length over 4 GiB');
    return view.getUint32(at, true);
  };
  const text = (n: number): string => {
    const at = take(n);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(at, at + n));
    } catch {
      return fail('a string that is not UTF-8');
    }
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('the pickle stream ends in the middle of a GLOBAL');
    const value = text(end - pos);
    pos = end + 1;
    return value;
  };

  const stack: (PyValue | Mark)[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();
  const push = (value: PyValue | Mark): void => {
    if (stack.length >= MAX_STACK) fail(`the pickle stack is over ${MAX_STACK} entries`);
    stack.push(value);
  };
  const pop = (): PyValue => {
    const value = stack.pop();
    if (value === undefined || value instanceof Mark) return fail('the pickle stack is empty');
    return value;
  };
  const top = (): PyValue => {
    const value = stack[stack.length - 1];
    if (value === undefined || value instanceof Mark) return fail('the pickle stack is empty');
    return value;
  };
  const popMark = (): PyValue[] => {
    const at = marks.pop();
    if (at === undefined) return fail('no MARK to pop to');
    const items = stack.splice(at);
    items.shift();
    if (items.some((v) => v instanceof Mark)) fail('a MARK inside a MARK block');
    return items as PyValue[];
  };
  const memoGet = (index: number): PyValue => {
    const value = memo.get(index);
    if (value === undefined) return fail(`memo entry ${index} is not set`);
    return value;
  };
  const dictSet = (target: PyValue, key: PyValue, value: PyValue): void => {
    if (!(target instanceof Map)) return fail('SETITEM on something that is not a dict');
    if (typeof key !== 'string' && typeof key !== 'number')
      return fail('a dict key that is not a string or an int');
    target.set(key, value);
  };
  const intArg = (value: PyValue | undefined, what: string): number => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
      return fail(`${what} must be a non-negative integer`);
    return value;
  };
  const intTuple = (value: PyValue | undefined, what: string): number[] => {
    if (!(value instanceof Tuple) || value.items.length > 8)
      return fail(`${what} must be a tuple of at most 8 ints`);
    return value.items.map((v) => intArg(v, what));
  };

  const call = (callee: PyValue, args: PyValue): PyValue => {
    if (!(callee instanceof GlobalRef)) return fail('REDUCE on something that is not a known global');
    if (!(args instanceof Tuple)) return fail('REDUCE arguments must be a tuple');
    const name = `${callee.module}.${callee.name}`;
    const a = args.items;
    switch (name) {
      case 'collections.OrderedDict':
        if (a.length !== 0 && !(a.length === 1 && Array.isArray(a[0]) && a[0].length === 0))
          fail('OrderedDict(...) with items is not part of a state dict');
        return new Map();
      case 'torch._utils._rebuild_tensor_v2': {
        const storage = a[0];
        if (
          a.length < 6 ||
          a.length > 7 ||
          typeof storage !== 'object' ||
          storage === null ||
          !('kind' in storage) ||
          storage.kind !== 'storage'
        )
          return fail(
            '_rebuild_tensor_v2 takes (storage, offset, size, stride, requires_grad, hooks[, metadata])',
          );
        const shape = intTuple(a[2], '_rebuild_tensor_v2 size');
        const stride = intTuple(a[3], '_rebuild_tensor_v2 stride');
        if (stride.length !== shape.length) fail('_rebuild_tensor_v2: size and stride differ in length');
        return {
          kind: 'tensor',
          storage,
          offset: intArg(a[1], '_rebuild_tensor_v2 storage offset'),
          shape,
          stride,
        };
      }
      case 'torch._utils._rebuild_parameter':
      case 'torch._utils._rebuild_parameter_with_state': {
        const tensor = a[0];
        if (typeof tensor !== 'object' || tensor === null || !('kind' in tensor) || tensor.kind !== 'tensor')
          return fail(`${callee.name} takes a tensor first`);
        return tensor;
      }
      default:
        return fail(`cannot call ${name}`);
    }
  };

  for (;;) {
    opAt = pos;
    const op = u8();
    switch (op) {
      case 0x80: {
        const protocol = u8();
        if (protocol < 2 || protocol > 5) fail(`pickle protocol ${protocol} is not supported (2 to 5 are)`);
        break;
      }
      case 0x95: // FRAME: a length hint only
        take(8);
        break;
      case 0x2e: {
        // STOP
        const result = pop();
        return collect(result, fail);
      }
      case 0x63: {
        // GLOBAL 'module\nname\n'
        const module = line();
        const name = line();
        push(checkGlobal(module, name, fail));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        push(checkGlobal(module as string, name as string, fail));
        break;
      }
      case 0x28: // MARK
        marks.push(stack.length);
        push(MARK);
        break;
      case 0x29: // EMPTY_TUPLE
        push(new Tuple([]));
        break;
      case 0x74: // TUPLE
        push(new Tuple(popMark()));
        break;
      case 0x85:
      case 0x86:
      case 0x87: {
        // TUPLE1..3
        const n = op - 0x84;
        const items: PyValue[] = [];
        for (let i = 0; i < n; i++) items.unshift(pop());
        push(new Tuple(items));
        break;
      }
      case 0x7d: // EMPTY_DICT
        push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x61: {
        // APPEND
        const value = pop();
        const list = top();
        if (!Array.isArray(list)) fail('APPEND to something that is not a list');
        (list as PyValue[]).push(value);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = top();
        if (!Array.isArray(list)) fail('APPENDS to something that is not a list');
        for (const item of items) (list as PyValue[]).push(item);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        dictSet(top(), key, value);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        if (items.length % 2 !== 0) fail('SETITEMS with an odd number of items');
        const target = top();
        for (let i = 0; i < items.length; i += 2)
          dictSet(target, items[i] as PyValue, items[i + 1] as PyValue);
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
        push(memoGet(u8()));
        break;
      case 0x6a: // LONG_BINGET
        push(memoGet(u32()));
        break;
      case 0x4a: // BININT
        push(view.getInt32(take(4), true));
        break;
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        push(u16());
        break;
      case 0x8a: {
        // LONG1: n-byte little-endian two's complement
        const n = u8();
        if (n > 8) fail(`an integer of ${n} bytes`);
        const at = take(n);
        let value = 0n;
        for (let i = n - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[at + i] as number);
        if (n > 0 && ((bytes[at + n - 1] as number) & 0x80) !== 0) value -= 1n << BigInt(8 * n);
        push(Number.isSafeInteger(Number(value)) ? Number(value) : value);
        break;
      }
      case 0x47: // BINFLOAT (big-endian double)
        push(view.getFloat64(take(8), false));
        break;
      case 0x58: // BINUNICODE
        push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(text(u8()));
        break;
      case 0x8d: // BINUNICODE8
        push(text(u64()));
        break;
      case 0x42: {
        // BINBYTES
        const n = u32();
        const at = take(n);
        push(bytes.slice(at, at + n));
        break;
      }
      case 0x43: {
        // SHORT_BINBYTES
        const n = u8();
        const at = take(n);
        push(bytes.slice(at, at + n));
        break;
      }
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x30: // POP
        if (stack[stack.length - 1] instanceof Mark) popMark();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x51: {
        // BINPERSID: ('storage', StorageClass, key, location, numel)
        const pid = pop();
        if (!(pid instanceof Tuple) || pid.items.length !== 5 || pid.items[0] !== 'storage')
          return fail("a persistent id that is not ('storage', type, key, location, numel)");
        const [, type, key, , numel] = pid.items;
        if (!(type instanceof GlobalRef) || type.module !== 'torch' || STORAGE_DTYPE[type.name] === undefined)
          return fail('a persistent id whose storage type is not a torch.*Storage');
        if (typeof key !== 'string' || !/^[0-9A-Za-z_]{1,64}$/.test(key))
          return fail('a storage key that is not a short name');
        const storage: StorageRef = {
          kind: 'storage',
          dtype: STORAGE_DTYPE[type.name] as TensorDtype,
          key,
          numel: intArg(numel, 'storage numel'),
        };
        push(storage);
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const callee = pop();
        push(call(callee, args));
        break;
      }
      case 0x62: {
        // BUILD: only the attributes of an OrderedDict (its `_metadata`), which we drop
        pop();
        const target = top();
        if (
          !(target instanceof Map) &&
          !(typeof target === 'object' && target !== null && 'kind' in target && target.kind === 'tensor')
        )
          fail('BUILD on something that is not a dict or tensor');
        break;
      }
      default:
        return fail(
          `unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} (not part of a state dict)`,
        );
    }
  }
}

function checkGlobal(module: string, name: string, fail: (message: string) => never): GlobalRef {
  const full = `${module}.${name}`;
  if (!ALLOWED_GLOBALS.has(full))
    fail(
      `refuses the global ${JSON.stringify(full.slice(0, 200))}: only a state dict's tensors are read (collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch.*Storage); nothing in the file is executed`,
    );
  return new GlobalRef(module, name);
}

function collect(result: PyValue, fail: (message: string) => never): PickledStateDict {
  if (!(result instanceof Map)) return fail('the pickled object is not a dict (save model.state_dict())');
  const tensors = new Map<string, TensorRef>();
  const ignored: string[] = [];
  const walk = (dict: Map<string | number, PyValue>, prefix: string, depth: number): void => {
    if (depth > 8) fail('dicts nested more than 8 deep');
    for (const [key, value] of dict) {
      const name = `${prefix}${String(key)}`;
      if (value instanceof Map) walk(value, `${name}.`, depth + 1);
      else if (typeof value === 'object' && value !== null && 'kind' in value && value.kind === 'tensor')
        tensors.set(name, value);
      else ignored.push(name);
    }
  };
  walk(result, '', 0);
  return { tensors, ignored };
}

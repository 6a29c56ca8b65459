import { InvalidBundleError } from '@charrnn/core';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { fixtureBytes } from './test-utils/fixtures.js';
import { readTorchStateDict } from './torch_zip.js';

/** A torch.save-like zip holding `pickle` as `archive/data.pkl` and the given storages. */
function torchZip(pickle: number[] | Uint8Array, storages: Record<string, Uint8Array> = {}): Uint8Array {
  const entries: Record<string, Uint8Array> = { 'archive/data.pkl': Uint8Array.from(pickle) };
  for (const [key, data] of Object.entries(storages)) entries[`archive/data/${key}`] = data;
  return zipSync(entries, { level: 0 });
}

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

function error(f: () => unknown): InvalidBundleError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidBundleError);
    return e as InvalidBundleError;
  }
  throw new Error('no error thrown');
}

describe('readTorchStateDict', () => {
  it('reads every storage type, strided and offset views, and flattens nested dicts', () => {
    const { tensors, ignored } = readTorchStateDict(fixtureBytes('dtypes.pt'), 'dtypes.pt');
    const values = (name: string): number[] => Array.from(tensors.get(name)?.values ?? []);
    expect(values('f64')).toEqual([0.5, -1.25]);
    expect(values('f16')).toEqual([1.5, -2, 65504]);
    expect(values('bf16')).toEqual([1.5, -3]);
    expect(values('i64')).toEqual([-3, 7]);
    expect(values('i32')).toEqual([-5]);
    expect(values('u8')).toEqual([255]);
    expect(values('bool')).toEqual([1, 0]);
    expect(tensors.get('transposed')?.shape).toEqual([3, 2]);
    expect(values('transposed')).toEqual([0, 3, 1, 4, 2, 5]);
    expect(values('row')).toEqual([3, 4, 5]);
    expect(values('nested.w')).toEqual([1, 1]);
    expect(tensors.get('f16')?.dtype).toBe('float16');
    expect(ignored).toEqual(['epoch']);
  });

  it('reads pickle protocols 2, 3 and 4 as torch.save writes them', () => {
    for (const name of ['gru.pt', 'rnn.pt', 'lstm.pt']) {
      const { tensors } = readTorchStateDict(fixtureBytes(name), name);
      expect(tensors.size).toBeGreaterThan(4);
    }
  });

  it('refuses a global outside the state-dict subset without executing anything', () => {
    // protocol 2: GLOBAL 'os system', ('ls',), REDUCE, STOP — what a malicious pickle does.
    const pickle = [0x80, 2, ...ascii('cos\nsystem\n'), 0x58, 2, 0, 0, 0, ...ascii('ls'), 0x85, 0x52, 0x2e];
    const e = error(() => readTorchStateDict(torchZip(pickle), 'evil.pt'));
    expect(e.message).toMatch(/^evil\.pt field archive\/data\.pkl byte 2: refuses the global "os\.system"/);
    expect(e.file).toBe('evil.pt');
  });

  it('refuses STACK_GLOBAL of builtins.eval and unknown opcodes', () => {
    const stackGlobal = [0x80, 4, 0x8c, 8, ...ascii('builtins'), 0x8c, 4, ...ascii('eval'), 0x93, 0x2e];
    expect(error(() => readTorchStateDict(torchZip(stackGlobal), 'e.pt')).message).toContain(
      '"builtins.eval"',
    );
    const inst = [0x80, 2, 0x69, ...ascii('os\nsystem\n'), 0x2e];
    expect(error(() => readTorchStateDict(torchZip(inst), 'e.pt')).message).toContain(
      'unsupported pickle opcode 0x69',
    );
  });

  it('refuses a tensor that reads past its storage, and a missing storage', () => {
    // {'w': _rebuild_tensor_v2(('storage', FloatStorage, '0', 'cpu', 2), 0, (4,), (1,), False, OrderedDict())}
    const tensor = (numel: number): number[] => [
      0x80,
      2,
      0x7d,
      0x58,
      1,
      0,
      0,
      0,
      ...ascii('w'),
      0x63,
      ...ascii('torch._utils\n_rebuild_tensor_v2\n'),
      0x28,
      0x28,
      0x58,
      7,
      0,
      0,
      0,
      ...ascii('storage'),
      0x63,
      ...ascii('torch\nFloatStorage\n'),
      0x58,
      1,
      0,
      0,
      0,
      ...ascii('0'),
      0x58,
      3,
      0,
      0,
      0,
      ...ascii('cpu'),
      0x4b,
      numel,
      0x74,
      0x51,
      0x4b,
      0,
      0x4b,
      4,
      0x85,
      0x4b,
      1,
      0x85,
      0x89,
      0x63,
      ...ascii('collections\nOrderedDict\n'),
      0x29,
      0x52,
      0x74,
      0x52,
      0x73,
      0x2e,
    ];
    expect(
      readTorchStateDict(torchZip(tensor(4), { '0': new Uint8Array(16) }), 'ok.pt').tensors.get('w')?.shape,
    ).toEqual([4]);
    const past = error(() => readTorchStateDict(torchZip(tensor(2), { '0': new Uint8Array(8) }), 'past.pt'));
    expect(past.field).toBe('tensor "w".stride');
    const missing = error(() => readTorchStateDict(torchZip(tensor(4)), 'missing.pt'));
    expect(missing.field).toBe('archive/data/0');
    const short = error(() =>
      readTorchStateDict(torchZip(tensor(4), { '0': new Uint8Array(15) }), 'short.pt'),
    );
    expect(short.message).toContain('holds 15 bytes');
  });

  it('refuses the legacy format, a non-zip and a zip without data.pkl', () => {
    expect(error(() => readTorchStateDict(Uint8Array.from([0x80, 2, 0x8a]), 'old.pt')).message).toContain(
      'legacy',
    );
    expect(error(() => readTorchStateDict(new Uint8Array(10), 'x.pt')).field).toBe('format');
    expect(error(() => readTorchStateDict(zipSync({ 'a.txt': new Uint8Array(1) }), 'x.pt')).field).toBe(
      'zip',
    );
  });

  it('refuses a truncated pickle stream and a damaged archive with typed errors', () => {
    const bytes = fixtureBytes('rnn.pt');
    expect(error(() => readTorchStateDict(bytes.subarray(0, 2000), 'cut.pt')).field).toBe('zip');
    expect(error(() => readTorchStateDict(torchZip([0x80, 2, 0x58, 9, 0, 0]), 'cut.pt')).field).toBe(
      'archive/data.pkl byte 2',
    );
  });
});

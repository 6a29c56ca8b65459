import { InvalidBundleError } from '@charrnn/core';
import { describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from './safetensors.js';
import { fixtureBytes } from './test-utils/fixtures.js';

/** A safetensors file with `header` (JSON) and `data` bytes. */
function file(header: unknown, data = new Uint8Array(0), declaredLength?: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, declaredLength ?? json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function error(f: () => unknown): InvalidBundleError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidBundleError);
    return e as InvalidBundleError;
  }
  throw new Error('no error thrown');
}

describe('safetensors', () => {
  it('round-trips float32 tensors and metadata, header padded to 8 bytes', () => {
    const tensors = new Map([
      ['a.weight', { shape: [2, 3], values: Float32Array.from([1, 2, 3, 4, 5, -6.5]) }],
      ['a.bias', { shape: [3], values: Float32Array.from([0.1, 0.2, 0.3]) }],
      ['empty', { shape: [0, 4], values: new Float32Array(0) }],
    ]);
    const bytes = writeSafetensors(tensors, { format: 'pt' });
    const headerLength = new DataView(bytes.buffer).getUint32(0, true);
    expect(headerLength % 8).toBe(0);
    const read = readSafetensors(bytes, 'x.safetensors');
    expect(read.metadata).toEqual({ format: 'pt' });
    expect([...read.tensors.keys()]).toEqual(['a.weight', 'a.bias', 'empty']);
    for (const [name, t] of tensors) {
      expect(read.tensors.get(name)?.shape).toEqual(t.shape);
      expect(Array.from(read.tensors.get(name)?.values ?? [])).toEqual(Array.from(t.values));
    }
  });

  it("reads the fixture script's files (PyTorch's own float32 values)", () => {
    const { tensors } = readSafetensors(fixtureBytes('lstm.safetensors'), 'lstm.safetensors');
    expect(tensors.get('lstm.weight_ih_l0')?.shape).toEqual([128, 16]);
    expect(tensors.get('out.bias')?.dtype).toBe('float32');
  });

  it('decodes every whitelisted dtype', () => {
    const data = new Uint8Array([0x00, 0x3e, 0xc0, 0x3f, 0xff, 0x01]);
    const read = readSafetensors(
      file(
        {
          h: { dtype: 'F16', shape: [1], data_offsets: [0, 2] },
          b: { dtype: 'BF16', shape: [1], data_offsets: [2, 4] },
          u: { dtype: 'U8', shape: [1], data_offsets: [4, 5] },
          t: { dtype: 'BOOL', shape: [1], data_offsets: [5, 6] },
        },
        data,
      ),
      'x',
    );
    expect(read.tensors.get('h')?.values[0]).toBe(1.5);
    expect(read.tensors.get('b')?.values[0]).toBe(1.5);
    expect(read.tensors.get('u')?.values[0]).toBe(255);
    expect(read.tensors.get('t')?.values[0]).toBe(1);
  });

  it('refuses a 10 GB declared tensor from its header alone', () => {
    const header = { big: { dtype: 'F32', shape: [50_000, 50_000], data_offsets: [0, 10_000_000_000] } };
    expect(error(() => readSafetensors(file(header), 'big.safetensors')).message).toBe(
      'big.safetensors field header["big"].shape: [50000, 50000] is over the 268435456-value limit',
    );
    // With the value limit raised, the byte range still cannot be inside the file.
    expect(
      error(() => readSafetensors(file(header), 'big.safetensors', { maxTensorElements: 2 ** 40 })).field,
    ).toBe('header["big"].data_offsets');
  });

  it.each([
    ['a short file', new Uint8Array(4), 'header length'],
    ['a header length past the end', file({}, new Uint8Array(0), 999), 'header length'],
    ['a header length over the limit', file({}, new Uint8Array(0), 2 ** 31), 'header length'],
    ['a header that is not JSON', new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0xff]), 'header'],
    ['a header that is not an object', file([1]), 'header'],
    [
      'an unknown dtype',
      file({ a: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)),
      'header["a"].dtype',
    ],
    [
      'a prototype-named dtype',
      file({ a: { dtype: 'toString', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)),
      'header["a"].dtype',
    ],
    [
      'a negative dimension',
      file({ a: { dtype: 'U8', shape: [-1], data_offsets: [0, 1] } }, new Uint8Array(1)),
      'header["a"].shape',
    ],
    [
      'a size that disagrees with the shape',
      file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)),
      'header["a"].data_offsets',
    ],
    [
      'reversed offsets',
      file({ a: { dtype: 'U8', shape: [0], data_offsets: [1, 0] } }, new Uint8Array(1)),
      'header["a"].data_offsets',
    ],
    [
      'overlapping tensors',
      file(
        {
          a: { dtype: 'U8', shape: [2], data_offsets: [0, 2] },
          b: { dtype: 'U8', shape: [2], data_offsets: [1, 3] },
        },
        new Uint8Array(3),
      ),
      'header["b"].data_offsets',
    ],
    [
      'a gap',
      file({ a: { dtype: 'U8', shape: [1], data_offsets: [1, 2] } }, new Uint8Array(2)),
      'header["a"].data_offsets',
    ],
    [
      'trailing bytes',
      file({ a: { dtype: 'U8', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(2)),
      'data',
    ],
    ['non-string metadata', file({ __metadata__: { a: 1 } }), 'header.__metadata__["a"]'],
  ])('refuses %s, naming the file and field', (_, bytes, field) => {
    const e = error(() => readSafetensors(bytes, 'bad.safetensors'));
    expect(e.file).toBe('bad.safetensors');
    expect(e.field).toBe(field);
  });
});

/**
 * Element types a state dict may hold, named as `torch.dtype`s. All are read into float32
 * ({@link StateTensor.values}); integers beyond 2^24 and float64 values lose precision there.
 */
export type TensorDtype =
  'float64' | 'float32' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** Bytes per element of each {@link TensorDtype}. */
export const DTYPE_BYTES: Readonly<Record<TensorDtype, number>> = Object.freeze({
  float64: 8,
  float32: 4,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
});

/** IEEE 754 half precision bits → number. */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/**
 * Element `index` of little-endian `dtype` data starting at `view`'s byte 0, as a number.
 * @internal
 */
function readElement(view: DataView, dtype: TensorDtype, index: number): number {
  const at = index * DTYPE_BYTES[dtype];
  switch (dtype) {
    case 'float64':
      return view.getFloat64(at, true);
    case 'float32':
      return view.getFloat32(at, true);
    case 'float16':
      return halfToNumber(view.getUint16(at, true));
    case 'bfloat16': {
      const scratch = new DataView(new ArrayBuffer(4));
      scratch.setUint32(0, view.getUint16(at, true) << 16);
      return scratch.getFloat32(0);
    }
    case 'int64':
      return Number(view.getBigInt64(at, true));
    case 'int32':
      return view.getInt32(at, true);
    case 'int16':
      return view.getInt16(at, true);
    case 'int8':
      return view.getInt8(at);
    case 'uint8':
      return view.getUint8(at);
    case 'bool':
      return view.getUint8(at) === 0 ? 0 : 1;
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Reads `count` little-endian elements of `dtype` from `bytes` (which holds at least
 * `count * DTYPE_BYTES[dtype]` bytes) into a new Float32Array.
 * @internal
 */
export function decodeElements(bytes: Uint8Array, dtype: TensorDtype, count: number): Float32Array {
  if (dtype === 'float32' && LITTLE_ENDIAN) {
    // One copy into an aligned buffer: the source may start at any byte offset.
    return new Float32Array(bytes.slice(0, count * 4).buffer);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, count * DTYPE_BYTES[dtype]);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = readElement(view, dtype, i);
  return out;
}

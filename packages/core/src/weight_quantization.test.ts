import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { BUNDLE_FORMAT_VERSION, loadBundle, saveBundle, type ModelBundle } from './bundle.js';
import { InvalidArgumentError, InvalidBundleError } from './errors.js';
import { dequantizeWeights, float16Bits, quantizeWeights } from './weight_quantization.js';

const specs: tf.io.WeightsManifestEntry[] = [
  { name: 'a', shape: [2, 3], dtype: 'float32' },
  { name: 'n', shape: [2], dtype: 'int32' },
  { name: 'b', shape: [4], dtype: 'float32' },
];
const a = Float32Array.from([0.5, -1.25, 3, 4e-8, -0, 1e-3]);
const n = Int32Array.from([7, -9]);
const b = Float32Array.from([-2, 0.1, 0.25, 2]);

function joined(): ArrayBuffer {
  const out = new Uint8Array(48);
  out.set(new Uint8Array(a.buffer), 0);
  out.set(new Uint8Array(n.buffer), 24);
  out.set(new Uint8Array(b.buffer), 32);
  return out.buffer;
}

describe('float16Bits', () => {
  it('matches the IEEE 754 half encodings of exact values, rounding ties to even', () => {
    expect(float16Bits(1)).toBe(0x3c00);
    expect(float16Bits(-2)).toBe(0xc000);
    expect(float16Bits(65504)).toBe(0x7bff);
    expect(float16Bits(65520)).toBe(0x7c00); // rounds up to +∞
    expect(float16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(float16Bits(2 ** -26)).toBe(0x0000); // below half of it: zero
    expect(float16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie, to even (down)
    expect(float16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie, to even (up)
    expect(float16Bits(-0)).toBe(0x8000);
    expect(float16Bits(Infinity)).toBe(0x7c00);
    expect(float16Bits(NaN) & 0x7c00).toBe(0x7c00);
    expect(float16Bits(NaN) & 0x3ff).not.toBe(0);
  });

  it('round-trips through tfjs’s float16 decoder within half an ulp', () => {
    tf.setBackend('cpu');
    const values = Float32Array.from(
      { length: 2000 },
      (_, i) => Math.sin(i * 12.9898) * 10 ** ((i % 10) - 6),
    );
    const { weightSpecs, weightData } = quantizeWeights(
      [{ name: 'w', shape: [values.length], dtype: 'float32' }],
      values.buffer,
      'float16',
    );
    const decoded = new Float32Array(dequantizeWeights(weightSpecs, weightData).weightData);
    values.forEach((v, i) => {
      const ulp = Math.abs(v) >= 2 ** -14 ? 2 ** (Math.floor(Math.log2(Math.abs(v))) - 10) : 2 ** -24;
      expect(Math.abs((decoded[i] as number) - v), `value ${v}`).toBeLessThanOrEqual(ulp / 2);
    });
  });
});

describe('quantizeWeights / dequantizeWeights', () => {
  it('stores each weight as the policy says and tfjs decodes it back', () => {
    tf.setBackend('cpu');
    const q = quantizeWeights(specs, joined(), (name) => (name === 'b' ? 'uint8' : 'float16'));
    expect(q.weightSpecs[0]).toEqual({
      name: 'a',
      shape: [2, 3],
      dtype: 'float32',
      quantization: { dtype: 'float16' },
    });
    expect(q.weightSpecs[1]).toEqual(specs[1]);
    expect(q.weightSpecs[2]?.quantization?.dtype).toBe('uint8');
    expect(q.weightSpecs[2]?.quantization?.min).toBe(-2);
    expect(q.weightData.byteLength).toBe(6 * 2 + 2 * 4 + 4);
    const back = dequantizeWeights(q.weightSpecs, q.weightData);
    expect(back.weightSpecs).toEqual(specs);
    const bytes = back.weightData;
    const a2 = new Float32Array(bytes, 0, 6);
    a.forEach((v, i) =>
      expect(Math.abs((a2[i] as number) - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 6e-8),
    );
    expect(Array.from(new Int32Array(bytes, 24, 2))).toEqual([7, -9]);
    const b2 = new Float32Array(bytes, 32, 4);
    const scale = 4 / 255;
    b.forEach((v, i) => expect(Math.abs((b2[i] as number) - v)).toBeLessThanOrEqual(scale / 2 + 1e-6));
    // The ends of the range are exact.
    expect(b2[0]).toBe(-2);
    expect(b2[3]).toBeCloseTo(2, 6);
  });

  it('keeps int32 weights as they are and refuses weight data of the wrong size', () => {
    expect(quantizeWeights(specs, joined(), 'uint8').weightSpecs[1]).toEqual(specs[1]);
    expect(() => quantizeWeights(specs, new ArrayBuffer(52), 'float16')).toThrow(
      'field weightData: holds 52 bytes, the weights listed need 48',
    );
    expect(() => quantizeWeights(specs, new ArrayBuffer(20), 'float16')).toThrow(InvalidArgumentError);
  });
});

describe('bundles with quantized weights', () => {
  const bundle: ModelBundle = {
    modelTopology: { class_name: 'Sequential', config: { name: 'charrnn', layers: [] } },
    weightSpecs: specs,
    weightData: joined(),
    metadata: {
      formatVersion: BUNDLE_FORMAT_VERSION,
      createdAt: '2024-05-01T12:00:00.000Z',
      tokenizer: {},
      labels: ['x', 'y'],
      model: {},
    },
  };

  async function save(storage: 'float16' | 'uint8'): Promise<tf.io.ModelArtifacts> {
    let saved: tf.io.ModelArtifacts | undefined;
    await saveBundle(
      bundle,
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
      }),
      { weightStorage: (name) => (name === 'n' ? 'float32' : storage) },
    );
    if (saved === undefined) throw new Error('not saved');
    return saved;
  }

  it('saves a smaller weights file that loadBundle reads back as float32', async () => {
    tf.setBackend('cpu');
    const artifacts = await save('float16');
    expect((artifacts.weightData as ArrayBuffer).byteLength).toBe(10 * 2 + 8);
    const loaded = await loadBundle(tf.io.fromMemory(artifacts));
    expect(loaded.weightSpecs).toEqual(specs);
    expect(loaded.weightData.byteLength).toBe(48);
    expect(new Float32Array(loaded.weightData, 32, 4)[1]).toBeCloseTo(0.1, 3);
  });

  it('names the entry when a quantization is malformed', async () => {
    const artifacts = await save('uint8');
    const broken = structuredClone(artifacts.weightSpecs) as unknown as Record<
      string,
      Record<string, unknown>
    >[];
    (broken[2] as Record<string, Record<string, unknown>>)['quantization']!['scale'] = 'big';
    await expect(
      loadBundle(tf.io.fromMemory({ ...artifacts, weightSpecs: broken as never })),
    ).rejects.toThrow('field weightSpecs[2].quantization.scale: scale must be a finite number, got "big"');
    const int8 = structuredClone(artifacts.weightSpecs) as tf.io.WeightsManifestEntry[];
    (int8[0] as { quantization: unknown }).quantization = { dtype: 'int4' };
    await expect(loadBundle(tf.io.fromMemory({ ...artifacts, weightSpecs: int8 }))).rejects.toThrow(
      InvalidBundleError,
    );
  });
});

import { InvalidArgumentError } from '@charrnn/core';
import { gateCount, recurrentOutputSize } from './classifier_config.js';
import type { ClassifierConfig } from './classifier_config.js';

/** Architecture fields the members of an average must share. */
const SHARED = [
  'cell',
  'vocabSize',
  'embedDim',
  'hiddenSize',
  'numClasses',
  'layers',
  'bidirectional',
  'resetAfter',
] as const;

/** The configuration of the average of `count` members of `config`. @internal */
export function averagedConfig(config: ClassifierConfig, count: number): ClassifierConfig {
  return { ...config, embedDim: count * config.embedDim, hiddenSize: count * config.hiddenSize };
}

/** Checks that `configs` describe the same architecture; returns it. @internal */
export function sharedConfig(configs: readonly ClassifierConfig[]): ClassifierConfig {
  const first = configs[0];
  if (first === undefined) throw new InvalidArgumentError('needs at least one model', { field: 'models' });
  configs.forEach((config, m) => {
    for (const key of SHARED)
      if (config[key] !== first[key])
        throw new InvalidArgumentError(
          `model ${m} has ${key} ${JSON.stringify(config[key])}, model 0 has ${JSON.stringify(first[key])}`,
          { field: `models[${m}].config.${key}` },
        );
  });
  return first;
}

/**
 * The weights (Keras layout, {@link weightLayout} order) of one classifier whose logits are the
 * mean of the members' logits: embeddings side by side, recurrent kernels block-diagonal (each
 * gate's units grouped by member, so every member's units only see their own inputs and state),
 * the dense kernel stacked and divided by the member count, the dense bias averaged. @internal
 */
export function averagedWeights(
  config: ClassifierConfig,
  members: readonly Float32Array[][],
): Float32Array[] {
  const N = members.length;
  const { vocabSize: V, embedDim: E, hiddenSize: H, numClasses: C } = config;
  const gates = gateCount(config.cell);
  const directions = config.bidirectional === undefined ? 1 : 2;
  const layers = config.layers ?? 1;
  const NH = N * H;
  const out: Float32Array[] = [];
  let w = 0;
  const take = (): Float32Array[] => {
    const values = members.map((m) => m[w] as Float32Array);
    w += 1;
    return values;
  };

  // Embeddings: [V, E] each → [V, N·E], member m in columns m·E ... (m+1)·E.
  const embeddings = new Float32Array(V * N * E);
  take().forEach((e, m) => {
    for (let v = 0; v < V; v++) embeddings.set(e.subarray(v * E, (v + 1) * E), v * N * E + m * E);
  });
  out.push(embeddings);

  // Where row `i` of member m's input (or of its dense input) lands in the averaged model.
  const recurrentRow = (m: number, i: number): number => {
    if (config.bidirectional !== 'concat') return m * H + i; // one direction, or fwd + bwd summed
    return i < H ? m * H + i : NH + m * H + (i - H); // [fwd of all members, bwd of all members]
  };
  // Column of unit j of gate g of member m (each gate block holds every member's units).
  const column = (m: number, g: number, j: number): number => g * NH + m * H + j;

  for (let layer = 0; layer < layers; layer++) {
    const inWidth = layer === 0 ? E : recurrentOutputSize(config);
    const rowOf = (m: number, i: number): number => (layer === 0 ? m * E + i : recurrentRow(m, i));
    for (let d = 0; d < directions; d++) {
      const kernel = new Float32Array(N * inWidth * gates * NH);
      take().forEach((k, m) => {
        for (let i = 0; i < inWidth; i++)
          for (let g = 0; g < gates; g++)
            for (let j = 0; j < H; j++)
              kernel[rowOf(m, i) * gates * NH + column(m, g, j)] = k[i * gates * H + g * H + j] as number;
      });
      const recurrent = new Float32Array(NH * gates * NH);
      take().forEach((u, m) => {
        for (let i = 0; i < H; i++)
          for (let g = 0; g < gates; g++)
            for (let j = 0; j < H; j++)
              recurrent[(m * H + i) * gates * NH + column(m, g, j)] = u[i * gates * H + g * H + j] as number;
      });
      const rows = config.cell === 'gru' && config.resetAfter === true ? 2 : 1;
      const bias = new Float32Array(rows * gates * NH);
      take().forEach((b, m) => {
        for (let r = 0; r < rows; r++)
          for (let g = 0; g < gates; g++)
            for (let j = 0; j < H; j++)
              bias[r * gates * NH + column(m, g, j)] = b[r * gates * H + g * H + j] as number;
      });
      out.push(kernel, recurrent, bias);
    }
  }

  // Dense: [out, C] each → [N·out, C] / N; bias: the mean.
  const width = recurrentOutputSize(config);
  const denseKernel = new Float32Array(N * width * C);
  take().forEach((k, m) => {
    for (let i = 0; i < width; i++)
      for (let c = 0; c < C; c++) denseKernel[recurrentRow(m, i) * C + c] = (k[i * C + c] as number) / N;
  });
  const denseBias = new Float32Array(C);
  for (const b of take())
    for (let c = 0; c < C; c++) denseBias[c] = (denseBias[c] as number) + (b[c] as number) / N;
  out.push(denseKernel, denseBias);
  return out;
}

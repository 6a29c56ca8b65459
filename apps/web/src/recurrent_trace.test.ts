import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '@charrnn/core';
import { CharClassifier, NgramHead, type ClassifierConfig } from '@charrnn/layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { prefixProbabilities } from './prefix_predictions.js';
import { embed, traceInputs, traceName, traceWeights, type TraceWeights } from './recurrent_trace.js';

const V = 12;
const C = 5;

/** A model with weights large enough that gates saturate partly and gradients differ by step. */
function model(
  config: Partial<ClassifierConfig> & Pick<ClassifierConfig, 'cell'>,
  seed: number,
): CharClassifier {
  const m = CharClassifier.create(
    { vocabSize: V, embedDim: 6, hiddenSize: 7, numClasses: C, ...config },
    new Rng(seed),
  );
  const rng = new Rng(seed + 100);
  for (const w of m.trainableWeights) {
    const values = Float32Array.from(w.dataSync() as Float32Array, (v) => v * 2 + (rng.next() - 0.5) * 0.6);
    (w as tf.Variable).assign(tf.tensor(values, w.shape));
  }
  return m;
}

/** An n-gram head with a few grams of the test names. */
function head(rnnScale: number): NgramHead {
  const grams = ['0.3', '3.4', '5', '4.5.6', '7.0', '1'];
  const rng = new Rng(7);
  return new NgramHead(
    { minN: 1, maxN: 3, numClasses: C, rnnScale, grams },
    {
      kernel: Float32Array.from({ length: grams.length * C }, () => rng.next() - 0.5),
      bias: Float32Array.from({ length: C }, () => rng.next() - 0.5),
    },
  );
}

const CASES: [string, () => CharClassifier][] = [
  ['tutorial RNN', () => model({ cell: 'rnn' }, 1)],
  ['LSTM', () => model({ cell: 'lstm' }, 2)],
  ['GRU', () => model({ cell: 'gru' }, 3)],
  ['GRU (reset after)', () => model({ cell: 'gru', resetAfter: true }, 4)],
  [
    'bidirectional GRU (concat) with an n-gram head',
    () => {
      const m = model({ cell: 'gru', bidirectional: 'concat' }, 5);
      m.setNgramHead(head(0.5));
      return m;
    },
  ],
  ['bidirectional LSTM (sum)', () => model({ cell: 'lstm', bidirectional: 'sum' }, 6)],
  ['bidirectional RNN (concat)', () => model({ cell: 'rnn', bidirectional: 'concat' }, 8)],
];

const NAMES = [Int32Array.of(3, 4, 5, 6, 7, 2, 9, 4), Int32Array.of(1), Int32Array.of(11, 3, 4, 5)];

/** log p(target) of the float64 forward pass with the inputs `xs`. */
function logProbability(w: TraceWeights, xs: Float64Array[], ids: Int32Array, target: number): number {
  return Math.log(traceInputs(w, xs, ids, target).probabilities[target] as number);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(CASES)('the float64 trace of a %s', (_, make) => {
  it('gives the model’s own prediction after every character (≤ 1e-5)', () => {
    const m = make();
    const w = traceWeights(m) as TraceWeights;
    for (const ids of NAMES) {
      const rows = prefixProbabilities(m, ids);
      expect(rows).toHaveLength(ids.length);
      rows.forEach((row, t) => {
        const p = traceName(w, ids.subarray(0, t + 1)).probabilities;
        let worst = 0;
        row.forEach((v, c) => (worst = Math.max(worst, Math.abs(v - (p[c] as number)))));
        expect(worst).toBeLessThanOrEqual(1e-5);
      });
    }
    m.dispose();
  });

  it('gives each character’s influence as the gradient of log p(top class), checked by finite differences (≤ 1e-5)', () => {
    const m = make();
    const w = traceWeights(m) as TraceWeights;
    const eps = 1e-6;
    for (const ids of NAMES) {
      const trace = traceName(w, ids);
      const xs = embed(w, ids);
      let worst = 0;
      let largest = 0;
      xs.forEach((x, t) => {
        for (let i = 0; i < x.length; i++) {
          const keep = x[i] as number;
          x[i] = keep + eps;
          const up = logProbability(w, xs, ids, trace.target);
          x[i] = keep - eps;
          const down = logProbability(w, xs, ids, trace.target);
          x[i] = keep;
          const numeric = (up - down) / (2 * eps);
          const analytic = (trace.inputGradients[t] as Float64Array)[i] as number;
          worst = Math.max(worst, Math.abs(numeric - analytic));
          largest = Math.max(largest, Math.abs(analytic));
        }
      });
      expect(worst).toBeLessThanOrEqual(1e-5);
      // Not vacuous: the name's characters move the prediction.
      expect(largest).toBeGreaterThan(1e-3);
      expect(trace.influence[0]).toBeCloseTo(Math.hypot(...(trace.inputGradients[0] as Float64Array)), 12);
    }
    m.dispose();
  });
});

describe('the trace’s states', () => {
  it('reads a bidirectional name forwards and backwards, each state as the model keeps it', () => {
    const m = model({ cell: 'lstm', bidirectional: 'concat' }, 9);
    const trace = traceName(traceWeights(m) as TraceWeights, NAMES[0] as Int32Array);
    expect(trace.directions.map((d) => d.direction)).toEqual(['forward', 'backward']);
    expect(trace.directions[1]?.positions).toEqual([7, 6, 5, 4, 3, 2, 1, 0]);
    expect(Object.keys(trace.directions[0]?.gates ?? {})).toEqual(['i', 'f', 'o']);
    expect(trace.directions[0]?.c).toHaveLength(8);
    for (const d of trace.directions)
      for (const gate of Object.values(d.gates))
        for (const step of gate) for (const v of step) expect(v > 0 && v < 1).toBe(true);
    m.dispose();
  });
});

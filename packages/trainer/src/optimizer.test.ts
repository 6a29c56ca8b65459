import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { InvalidArgumentError, Rng, TrainingDivergedError } from '@charrnn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Optimizer } from './optimizer.js';
import type { OptimizerConfig } from './optimizer.js';

tf.env().set('IS_TEST', true);

const SHAPES = [[3, 4], [4], [2, 2, 2]] as const;

function randomArrays(seed: number, scale = 1): Float32Array[] {
  const rng = new Rng(seed);
  return SHAPES.map((shape) =>
    Float32Array.from(
      { length: shape.reduce((a: number, b: number) => a * b, 1) },
      () => (rng.next() * 2 - 1) * scale,
    ),
  );
}

function variables(values: Float32Array[], prefix: string): tf.Variable[] {
  return values.map((v, i) =>
    tf.variable(tf.tensor(v, [...(SHAPES[i] as readonly number[])]), true, `${prefix}${i}`),
  );
}

/** Runs `steps` updates with our optimizer and with tfjs' own on the same gradients. */
function compare(config: OptimizerConfig, steps: number, clipNorm?: number): number {
  const start = randomArrays(1);
  const ours = variables(start, `ours${Math.random()}`);
  const theirs = variables(start, `theirs${Math.random()}`);
  const optimizer = new Optimizer(ours, config);
  const reference =
    config.kind === 'adam'
      ? tf.train.adam(config.learningRate)
      : (config.momentum ?? 0) > 0
        ? tf.train.momentum(config.learningRate, config.momentum as number)
        : tf.train.sgd(config.learningRate);
  let maxDiff = 0;
  for (let s = 0; s < steps; s++) {
    const grads = randomArrays(100 + s, 3).map((g, i) => tf.tensor(g, [...(SHAPES[i] as readonly number[])]));
    optimizer.apply(grads, clipNorm);
    const clipped = clipNorm === undefined ? grads : referenceClip(grads, clipNorm);
    reference.applyGradients(theirs.map((v, i) => ({ name: v.name, tensor: clipped[i] as tf.Tensor })));
    if (clipped !== grads) tf.dispose(clipped);
    tf.dispose(grads);
  }
  ours.forEach((v, i) => {
    const a = v.dataSync();
    const b = (theirs[i] as tf.Variable).dataSync();
    for (let j = 0; j < a.length; j++)
      maxDiff = Math.max(maxDiff, Math.abs((a[j] as number) - (b[j] as number)));
  });
  optimizer.dispose();
  reference.dispose();
  tf.dispose([...ours, ...theirs]);
  return maxDiff;
}

function referenceClip(grads: tf.Tensor[], clipNorm: number): tf.Tensor[] {
  const norm = Math.sqrt(
    grads.reduce((s, g) => s + (tf.tidy(() => tf.sum(tf.square(g))).dataSync()[0] as number), 0),
  );
  const scale = clipNorm / Math.max(norm, clipNorm);
  return grads.map((g) => tf.mul(g, scale));
}

describe.each(['cpu', 'wasm'])('Optimizer on the %s backend', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  it.each<[string, OptimizerConfig, number | undefined]>([
    ['adam', { kind: 'adam', learningRate: 0.01 }, undefined],
    ['adam with clipping', { kind: 'adam', learningRate: 0.01 }, 1],
    ['sgd with momentum', { kind: 'sgd', learningRate: 0.05, momentum: 0.9 }, undefined],
    ['sgd with momentum and clipping', { kind: 'sgd', learningRate: 0.05, momentum: 0.9 }, 0.5],
    ['plain sgd', { kind: 'sgd', learningRate: 0.05 }, undefined],
  ])('%s matches tfjs over 20 updates, on the JS path and the ops path', (_name, config, clip) => {
    expect(compare({ ...config, implementation: 'js' }, 20, clip)).toBeLessThan(2e-6);
    expect(compare({ ...config, implementation: 'ops' }, 20, clip)).toBeLessThan(2e-6);
  });

  it.each(['js', 'ops'] as const)('leaves no tensors behind once disposed (%s path)', (implementation) => {
    const vars = variables(randomArrays(7), `m${Math.random()}`);
    const before = tf.memory().numTensors;
    const optimizer = new Optimizer(vars, { kind: 'adam', learningRate: 0.01, implementation });
    for (let s = 0; s < 5; s++) {
      const grads = randomArrays(60 + s).map((g, i) => tf.tensor(g, [...(SHAPES[i] as readonly number[])]));
      optimizer.apply(grads, 1);
      tf.dispose(grads);
    }
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(vars);
  });

  it.each(['js', 'ops'] as const)('save / restore continues bit for bit (%s path)', (implementation) => {
    const run = (split: number | undefined): Float32Array[] => {
      let vars = variables(randomArrays(2), `r${Math.random()}`);
      let optimizer = new Optimizer(vars, { kind: 'adam', learningRate: 0.003, implementation });
      for (let s = 0; s < 12; s++) {
        if (s === split) {
          const state = optimizer.getState();
          const values = vars.map((v) => Float32Array.from(v.dataSync()));
          optimizer.dispose();
          tf.dispose(vars);
          vars = variables(values, `s${Math.random()}`);
          optimizer = new Optimizer(vars, { kind: 'adam', learningRate: 1, implementation });
          optimizer.setState(state);
        }
        const grads = randomArrays(50 + s).map((g, i) => tf.tensor(g, [...(SHAPES[i] as readonly number[])]));
        optimizer.apply(grads, 1);
        tf.dispose(grads);
      }
      const out = vars.map((v) => Float32Array.from(v.dataSync()));
      optimizer.dispose();
      tf.dispose(vars);
      return out;
    };
    expect(run(5)).toEqual(run(undefined));
  });

  it.each([
    ['sgd, momentum 0.9, clip 1', { kind: 'sgd', learningRate: 0.05, momentum: 0.9 }, 1, 'auto'],
    ['adam', { kind: 'adam', learningRate: 0.01 }, undefined, 'auto'],
    ['sgd on the ops path', { kind: 'sgd', learningRate: 0.05, momentum: 0.5 }, 2, 'ops'],
  ] as const)(
    'applyValues (arrays) makes the same updates as apply (tensors): %s',
    (_, config, clipNorm, implementation) => {
      const run = (arrays: boolean): Float32Array[] => {
        const vars = variables(randomArrays(5), `a${Math.random()}`);
        const optimizer = new Optimizer(vars, { ...config, implementation });
        for (let s = 0; s < 4; s++) {
          const values = randomArrays(200 + s, 3);
          if (arrays) optimizer.applyValues(values, clipNorm);
          else {
            const grads = values.map((g, i) => tf.tensor(g, [...(SHAPES[i] as readonly number[])]));
            optimizer.apply(grads, clipNorm);
            tf.dispose(grads);
          }
        }
        const out = vars.map((v) => Float32Array.from(v.dataSync()));
        optimizer.dispose();
        tf.dispose(vars);
        return out;
      };
      expect(run(true)).toEqual(run(false));
    },
  );

  it('refuses a non-finite gradient without touching the weights', () => {
    const vars = variables(randomArrays(3), `n${Math.random()}`);
    const optimizer = new Optimizer(vars, { kind: 'adam', learningRate: 0.1 });
    const before = vars.map((v) => Float32Array.from(v.dataSync()));
    const grads = randomArrays(4).map((g, i) => tf.tensor(g, [...(SHAPES[i] as readonly number[])]));
    const bad = tf.tensor([Infinity, 0, 0, 0]);
    expect(() => optimizer.apply([grads[0] as tf.Tensor, bad, grads[2] as tf.Tensor])).toThrow(
      TrainingDivergedError,
    );
    expect(vars.map((v) => Float32Array.from(v.dataSync()))).toEqual(before);
    tf.dispose([...grads, bad, ...vars]);
    optimizer.dispose();
  });
});

describe('Optimizer validation', () => {
  it('rejects bad hyper-parameters and mismatched state, naming the field', () => {
    const vars = variables(randomArrays(5), `v${Math.random()}`);
    expect(() => new Optimizer(vars, { kind: 'adam', learningRate: 0 })).toThrow(/learning rate/);
    expect(() => new Optimizer(vars, { kind: 'sgd', learningRate: 0.1, momentum: 1 })).toThrow(/momentum/);
    expect(() => new Optimizer(vars, { kind: 'nadam' as 'adam', learningRate: 0.1 })).toThrow(
      InvalidArgumentError,
    );
    const optimizer = new Optimizer(vars, { kind: 'adam', learningRate: 0.1 });
    expect(() => optimizer.setState({ step: 1, learningRate: 0.1, slots: [new Float32Array(2)] })).toThrow(
      /optimizer state has 1 slots/,
    );
    expect(() => optimizer.apply([])).toThrow(/0 gradients for 3 weights/);
    optimizer.dispose();
    tf.dispose(vars);
  });
});

describe('Optimizer tiedCopies', () => {
  it.each([
    ['adam', 'js'],
    ['adam', 'ops'],
    ['sgd', 'js'],
    ['sgd', 'ops'],
  ] as const)(
    '%s (%s): a weight of 2 tied copies moves as the sum of two copies, clip norm included',
    async (kind, implementation) => {
      await tf.setBackend('wasm');
      const rng = new Rng(4);
      const draw = (n: number, s = 1): Float32Array =>
        Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * s);
      const a = draw(6);
      const b1 = draw(4);
      const b2 = draw(4);
      const tied = [
        tf.variable(tf.tensor(a), true, `${kind}-${implementation}-t0`),
        tf.variable(tf.tensor(b1.map((v, i) => v + (b2[i] as number))), true, `${kind}-${implementation}-t1`),
      ];
      const split = [a, b1, b2].map((v, i) =>
        tf.variable(tf.tensor(v), true, `${kind}-${implementation}-s${i}`),
      );
      const config = {
        kind,
        learningRate: 0.05,
        momentum: kind === 'sgd' ? 0.5 : 0,
        implementation,
      } as const;
      const one = new Optimizer(tied, { ...config, tiedCopies: [1, 2] });
      const two = new Optimizer(split, config);
      for (let step = 0; step < 5; step++) {
        const ga = draw(6, 3);
        const gb = draw(4, 3);
        const [t0, t1, t2] = [tf.tensor(ga), tf.tensor(gb), tf.tensor(gb)];
        expect(one.apply([t0, t1], 2)).toBeCloseTo(two.apply([t0, t1, t2], 2) as number, 5);
        tf.dispose([t0, t1, t2]);
      }
      const sum = (split[1]?.dataSync() as Float32Array).map(
        (v, i) => v + ((split[2]?.dataSync() as Float32Array)[i] as number),
      );
      const got = tied[1]?.dataSync() as Float32Array;
      for (let i = 0; i < 4; i++) expect(got[i]).toBeCloseTo(sum[i] as number, 5);
      const untied = split[0]?.dataSync() as Float32Array;
      (tied[0]?.dataSync() as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(untied[i] as number, 6));
      expect(() => new Optimizer(tied, { ...config, tiedCopies: [1] })).toThrow(InvalidArgumentError);
      one.dispose();
      two.dispose();
      tf.dispose([...tied, ...split]);
    },
  );
});

// Compares two builds of @charrnn/layers op by op: the recurrent ops (LSTM and GRU, forward and
// backward through tf.grads, 'js' path) on cpu and wasm, with our SIMD kernels off and on. Both
// builds are loaded in one process and alternated round by round; it prints CPU time per step
// (process.cpuUsage(): less disturbed by other jobs than wall time), after / before ratios, and
// whether the outputs and gradients are bit-identical. How docs/performance.md, "Closures and
// hot loops", was measured.
//
//   pnpm --filter @charrnn/layers build
//   cp -r packages/layers/dist /tmp/layers-before   (then change the code and build again)
//   node --expose-gc packages/layers/bench/compare_builds.mjs /tmp/layers-before
//
// The "before" dist must resolve @charrnn/core and @tensorflow/tfjs-core to the same copies as
// this package (copy it under a directory whose node_modules has them, or symlink
// packages/layers/node_modules next to it). Env: ROUNDS (30), ITERS (4), CELLS (lstm,gru),
// BACKENDS (cpu,wasm), SIMD (off,on), B (64).
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs'; // the gradients of the loss's Sum and Mul

const beforeDir = process.argv[2];
if (beforeDir === undefined) {
  console.error(
    'usage: node --expose-gc packages/layers/bench/compare_builds.mjs <before: a layers dist directory>',
  );
  process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const before = await import(pathToFileURL(path.resolve(beforeDir, 'index.js')).href);
const after = await import(pathToFileURL(path.join(here, '../dist/index.js')).href);
tf.env().set('PROD', true);

/** Seeded values in [-scale, scale) (an LCG: reproducible inputs, not statistics). */
function values(n, seed, scale = 0.3) {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = ((s / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

const env = (name, fallback) => process.env[name] ?? fallback;
const B = Number(env('B', '64'));
const T = 12;
const E = 64;
const H = 128;
const ROUNDS = Number(env('ROUNDS', '30'));
const ITERS = Number(env('ITERS', '4'));
const lengths = Int32Array.from({ length: B }, (_, r) => 3 + ((r * 7) % 10));
const sequences = { lengths, batchSize: B, maxLen: T };

/** One forward and backward pass of `cell` from `lib`, returning every gradient's values. */
function makeRun(lib, cell) {
  const G = (cell === 'lstm' ? 4 : 3) * H;
  const x = tf.tensor2d(values(B * T * E, 1), [B * T, E]);
  const W = tf.variable(tf.tensor2d(values(E * G, 2), [E, G]));
  const U = tf.variable(tf.tensor2d(values(H * G, 3), [H, G]));
  const b = tf.variable(tf.tensor1d(values(G, 4)));
  const loss = (x, W, U, b) =>
    tf.sum(tf.mul(lib[cell](x, W, U, b, sequences, { path: 'js', returnSequences: true }), 0.5));
  const grads = tf.grads(loss);
  return {
    step() {
      const out = grads([x, W, U, b]);
      const data = out.map((t) => t.dataSync());
      tf.dispose(out);
      return data;
    },
    dispose: () => tf.dispose([x, W, U, b]),
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
for (const backend of env('BACKENDS', 'cpu,wasm').split(',')) {
  await tf.setBackend(backend);
  await tf.ready();
  for (const simd of env('SIMD', 'off,on').split(',')) {
    before.setSimdKernels(simd === 'on');
    after.setSimdKernels(simd === 'on');
    for (const cell of env('CELLS', 'lstm,gru').split(',')) {
      const runs = { before: makeRun(before, cell), after: makeRun(after, cell) };
      const a = runs.before.step();
      const c = runs.after.step();
      const same = a.every((g, i) => g.length === c[i].length && g.every((v, j) => Object.is(v, c[i][j])));
      for (let i = 0; i < 3; i++) for (const run of Object.values(runs)) run.step();
      const times = { before: [], after: [] };
      for (let r = 0; r < ROUNDS; r++) {
        for (const name of r % 2 === 0 ? ['before', 'after'] : ['after', 'before']) {
          globalThis.gc?.();
          const start = process.cpuUsage();
          for (let i = 0; i < ITERS; i++) runs[name].step();
          const used = process.cpuUsage(start);
          times[name].push((used.user + used.system) / 1000 / ITERS);
        }
      }
      const ratios = times.after.map((t, i) => t / times.before[i]);
      console.log(
        `${backend}, SIMD ${simd}, ${cell}: before ${median(times.before).toFixed(2)} ms, after ${median(times.after).toFixed(2)} ms (CPU, median); ` +
          `after / before: total ${(sum(times.after) / sum(times.before)).toFixed(3)}, median ${median(ratios).toFixed(3)}; bit-identical: ${same}`,
      );
      runs.before.dispose();
      runs.after.dispose();
    }
  }
}

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
const packages = ['core', 'tokenizer', 'data', 'layers', 'trainer', 'interop'] as const;

// Tests run against the TypeScript sources of the workspace packages, so `pnpm test` needs no
// build of the packages under test (the CLI tests spawn the built app and build it first).
const alias = packages.flatMap((name) => [
  { find: new RegExp(`^@charrnn/${name}/node$`), replacement: `${root}packages/${name}/src/node.ts` },
  { find: new RegExp(`^@charrnn/${name}/internal$`), replacement: `${root}packages/${name}/src/internal.ts` },
  { find: new RegExp(`^@charrnn/${name}$`), replacement: `${root}packages/${name}/src/index.ts` },
]);

export default defineConfig({
  resolve: { alias },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      ...packages.map((name) => ({
        extends: true as const,
        test: { name, root: `${root}packages/${name}`, include: ['src/**/*.test.ts'] },
      })),
      {
        extends: true as const,
        test: {
          name: 'trainer-app',
          root: `${root}apps/trainer`,
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
        },
      },
      // The recurrent layers again with our WebAssembly SIMD kernels switched off, so that the
      // tf.matMul (wasm) and plain-JS (cpu) product paths keep their parity tests.
      {
        extends: true as const,
        test: {
          name: 'layers-without-simd',
          root: `${root}packages/layers`,
          include: [
            'src/cells/lstm/lstm.test.ts',
            'src/cells/lstm/lstm_embedded.test.ts',
            'src/cells/initial_state.test.ts',
            'src/model/language_model.test.ts',
            'src/cells/gru/gru.test.ts',
            'src/cells/simple_rnn/simple_rnn.test.ts',
            'src/cells/simple_rnn/simple_rnn_sequences.test.ts',
            'src/model/classifier_cells.test.ts',
            'src/kernels/simd_switch.test.ts',
          ],
          env: { CHARRNN_SIMD: '0' },
        },
      },
      // ...and with relaxed SIMD (fused multiply-add), which Node 20 has only behind a flag.
      {
        extends: true as const,
        test: {
          name: 'layers-relaxed-simd',
          root: `${root}packages/layers`,
          include: [
            'src/cells/lstm/lstm.test.ts',
            'src/cells/gru/gru.test.ts',
            'src/cells/simd_state.test.ts',
            'src/model/classifier_cells.test.ts',
            'src/model/language_model.test.ts',
            'src/model/classifier_inference.test.ts',
            'src/kernels/simd_*.test.ts',
            'src/kernels/kernel_threads.test.ts',
            'src/kernels/adam_kernel.test.ts',
          ],
          // Node 22+ has relaxed SIMD on by default (and may drop the flag).
          execArgv: NODE_MAJOR < 22 ? ['--experimental-wasm-relaxed-simd'] : [],
        },
      },
      // ...and with two kernel threads (the shared instances' large products split between them).
      {
        extends: true as const,
        test: {
          name: 'layers-threads',
          root: `${root}packages/layers`,
          include: [
            'src/cells/lstm/lstm.test.ts',
            'src/cells/gru/gru.test.ts',
            'src/model/classifier_inference.test.ts',
            'src/model/language_model.test.ts',
          ],
          env: { CHARRNN_THREADS: '2' },
        },
      },
      {
        extends: true as const,
        test: {
          name: 'web',
          root: `${root}apps/web`,
          include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});

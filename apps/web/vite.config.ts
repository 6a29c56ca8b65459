import { defineConfig } from 'vite';

// The page is deliberately NOT cross-origin isolated (no COOP/COEP headers): the wasm backend's
// threaded build hangs here when it is, so the demo loads the single-threaded wasm binaries.
export default defineConfig({
  base: './',
  resolve: { dedupe: ['@tensorflow/tfjs-core'] },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});

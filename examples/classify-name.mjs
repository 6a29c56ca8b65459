// Classify names with a saved bundle (from `pnpm train`: runs/default, or train-classifier.mjs).
//   node classify-name.mjs runs/default Nakamura Schmidt Dubois
import '@tensorflow/tfjs-backend-wasm';
import { selectBackend } from '@charrnn/core';
import { fileSystemHandler } from '@charrnn/core/node';
import { classifyNames, loadClassifierBundle } from '@charrnn/trainer';

const [bundleDir = 'runs/default', ...names] = process.argv.slice(2);
await selectBackend(['wasm', 'cpu']); // before loading: the weights live on the active backend
const bundle = await loadClassifierBundle(fileSystemHandler(bundleDir));
for (const { name, top } of classifyNames(bundle, names.length > 0 ? names : ['Satoshi'], 3)) {
  const guesses = top.map((t) => `${t.label} ${(100 * t.probability).toFixed(1)}%`);
  console.log(`${name}: ${guesses.join(', ')}`);
}
bundle.model.dispose();

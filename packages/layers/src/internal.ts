/**
 * What the other charrnn packages share with `@charrnn/layers` but its users do not need:
 * `import { … } from '@charrnn/layers/internal'`. No semver promise: these names may change in
 * any release, together with the charrnn packages that use them.
 * @packageDocumentation
 */
export { readBackIsCheap } from './backend_path.js';
export { AdamKernel } from './kernels/adam_kernel.js';
export type { AdamStep } from './kernels/adam_kernel.js';
export { rnnClassifierGradients } from './model/rnn_classifier_gradients.js';
export type { LossAndGradients } from './model/rnn_classifier_gradients.js';
export { compareTokens, prefixTree } from './model/prefix_tree.js';
export type { PrefixTree } from './model/prefix_tree.js';
export { readyKernelThreads, splitKernelProducts } from './kernels/simd_kernels.js';

// The public API of @charrnn/layers. What other charrnn packages share but users do not need is
// in `@charrnn/layers/internal` (./internal.ts).

// The model: the name classifier, its configuration and the n-gram head beside it.
export { CharClassifier } from './model/classifier.js';
export type {
  ClassifierArtifacts,
  FromArtifactsOptions,
  LogitsOptions,
  ToArtifactsOptions,
} from './model/classifier.js';
/** The batch the classifier reads (declared in `@charrnn/core`). */
export type { IdBatch } from '@charrnn/core';
export type { CellType, ClassifierConfig } from './model/classifier_config.js';
export { MAX_NGRAM, NgramHead } from './model/ngram_head.js';
export type { NgramHeadJSON, NgramHeadWeights } from './model/ngram_head.js';

// The recurrent cells as ops with custom gradients, and their plain tfjs references.
export { simpleRnn } from './cells/simple_rnn/simple_rnn.js';
export { simpleRnnReference } from './cells/simple_rnn/simple_rnn_reference.js';
export { lstm } from './cells/lstm/lstm.js';
export { lstmReference } from './cells/lstm/lstm_reference.js';
export { gru } from './cells/gru/gru.js';
export type { GruOptions } from './cells/gru/gru.js';
export { gruReference } from './cells/gru/gru_reference.js';
export type { RecurrentOptions } from './cells/recurrent_options.js';
export type { RecurrentActivation } from './cells/recurrent_activation.js';
export type { SequenceShape } from './cells/sequence_shape.js';

// The other ops with custom gradients.
export { dense } from './ops/dense.js';
export { embeddingLookup } from './ops/embedding.js';
export { softmaxCrossEntropy } from './ops/softmax_cross_entropy.js';
export type { SoftmaxCrossEntropyOptions } from './ops/softmax_cross_entropy.js';

// Paths and kernels.
export type { OpPath } from './backend_path.js';
export {
  MAX_KERNEL_THREADS,
  kernelThreads,
  setKernelThreads,
  setSimdKernels,
  simdKernelVariant,
} from './kernels/simd_kernels.js';

// The language model (next-character prediction) and its one-step-at-a-time view for sampling.
export { LanguageModel } from './model/language_model.js';
export type {
  LanguageModelArtifacts,
  LanguageModelBatch,
  LanguageModelForwardOptions,
  LanguageModelState,
} from './model/language_model.js';
export type { LanguageModelConfig } from './model/language_model_config.js';
export { LanguageModelStepper } from './model/language_model_step.js';
export type { StepperOptions } from './model/language_model_step.js';
export { TutorialGenerator } from './model/tutorial_generator.js';
export type {
  TutorialGeneratorArtifacts,
  TutorialGeneratorConfig,
  TutorialStepperOptions,
} from './model/tutorial_generator.js';
export { TutorialGeneratorStepper } from './model/tutorial_generator_stepper.js';

export { CharClassifier } from './classifier.js';
export type {
  ClassifierArtifacts,
  FromArtifactsOptions,
  IdBatch,
  LogitsOptions,
  ToArtifactsOptions,
} from './classifier.js';
export type { CellType, ClassifierConfig } from './classifier_config.js';
export { dense } from './dense.js';
export { embeddingLookup } from './embedding.js';
export { gru } from './gru.js';
export type { GruOptions } from './gru.js';
export { gruReference } from './gru_reference.js';
export { lstm } from './lstm.js';
export { lstmReference } from './lstm_reference.js';
export { MAX_NGRAM, NgramHead } from './ngram_head.js';
export type { NgramHeadJSON, NgramHeadWeights } from './ngram_head.js';
export { readBackIsCheap } from './read_back.js';
export type { OpPath } from './read_back.js';
export type { RecurrentOptions } from './recurrent_options.js';
export type { SequenceShape } from './sequence_shape.js';
export { AdamKernel } from './wasm/adam_kernel.js';
export type { AdamStep } from './wasm/adam_kernel.js';
export { setSimdKernels, simdKernelVariant } from './wasm/simd_kernels.js';
export { simpleRnn } from './simple_rnn.js';
export { simpleRnnReference } from './simple_rnn_reference.js';
export { softmaxCrossEntropy } from './softmax_cross_entropy.js';
export type { SoftmaxCrossEntropyOptions } from './softmax_cross_entropy.js';
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

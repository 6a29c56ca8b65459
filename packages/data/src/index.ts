export { createCorpus, type Corpus, type LabeledName } from './corpus.js';
export { emptyReport, formatReport, type Issue, type ValidationReport } from './validation_report.js';
export type { ParsedCorpus, ParseOptions } from './parsed_corpus.js';
export { dedupe, mergeCorpora, validateCorpus } from './validate_corpus.js';
export { parseLabelFile } from './parse_label_file.js';
export { parseTsv } from './parse_tsv.js';
export { labelOfFileName, parseLabelFiles, type NamedFile } from './parse_label_files.js';
export { parseLabelZip, type LabelZipOptions } from './parse_label_zip.js';
export { DEFAULT_MAX_BYTES, DEFAULT_MAX_LINE_BYTES } from './limits.js';
export { nameKey } from './name_key.js';
export {
  splitCounts,
  stratifiedSplit,
  type Split,
  type SplitCounts,
  type SplitOptions,
  type SplitRatios,
} from './stratified_split.js';
export { encodeExamples, type EncodeOptions, type Example } from './encode_examples.js';
export { collate, type Batch } from './collate.js';
export type { Sampler } from './sampler.js';
export { tutorialSampler } from './tutorial_sampler.js';
export { shuffleSampler } from './shuffle_sampler.js';
export { balancedSampler } from './balanced_sampler.js';
export { lengthBucketedBatches, type BucketOptions } from './length_bucketed_batches.js';
export { bucketSampler } from './bucket_sampler.js';
export { DEFAULT_CORPUS_INFO, defaultCorpus, type DefaultCorpusInfo } from './default_corpus.js';

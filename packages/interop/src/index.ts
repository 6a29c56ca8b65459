export { importTorchClassifier } from './import_pytorch.js';
export type {
  ImportedClassifier,
  TorchArch,
  TorchImportOptions,
  TorchImportReport,
  TorchModuleMap,
} from './import_pytorch.js';
export { readSafetensors, writeSafetensors } from './safetensors.js';
export type { Float32Tensor, SafetensorsContents } from './safetensors.js';
export { readStateDict } from './read_state_dict.js';
export type { ReadStateDictResult } from './read_state_dict.js';
export { DEFAULT_READ_LIMITS } from './state_dict.js';
export type { ReadLimits, StateDict, StateTensor } from './state_dict.js';
export { DTYPE_BYTES } from './tensor_dtype.js';
export type { TensorDtype } from './tensor_dtype.js';
export { isZip, readTorchStateDict } from './torch_zip.js';
export type { TorchStateDictContents } from './torch_zip.js';
export {
  tokenizerVocabulary,
  tutorialVocabulary,
  unicodeVocabulary,
  vocabularyFromLines,
  vocabularyTokenizer,
} from './torch_vocabulary.js';
export type { TorchVocabulary, VocabularyMapping, VocabularyRow } from './torch_vocabulary.js';
export { parseTorchModuleMap } from './torch_module_map.js';
export { importLayersModel } from './import_layers.js';
export type { ImportedLayersModel, LayersImportOptions } from './import_layers.js';
export { exportTorchClassifier, torchExportImportOptions } from './export_pytorch.js';
export type { TorchExportConfig } from './export_pytorch.js';
export { layersExportFiles } from './layers_export_files.js';
export type { NgramHeadExport } from './layers_export_files.js';
export { exportOnnxClassifier } from './export_onnx.js';

import type { CharClassifier } from '@charrnn/layers';
import type { Tokenizer } from '@charrnn/tokenizer';
import { LAYERS_PREDICT_MJS, layersExportReadme } from './layers_predict_mjs.js';

/** `ngram.json` beside an exported `model.json`: the n-gram head, its weights in `ngram.bin`. */
export interface NgramHeadExport {
  /** Always `'charrnn-ngram-head'`. */
  format: 'charrnn-ngram-head';
  /** Version of this layout; always 1. */
  version: 1;
  /** Shortest n-gram, in tokens (the boundary marker 0 counts). */
  minN: number;
  /** Longest n-gram, in tokens. */
  maxN: number;
  /** Number of labels (kernel columns). */
  numClasses: number;
  /** Factor on the network's logits: `logits = rnnScale · log p_model + scores` (then softmax). */
  rnnScale: number;
  /** The n-grams: token ids joined by `.`, `0` marking a name's start and end; row `i` of the kernel. */
  grams: string[];
  /** File of the weights: little-endian float32, the kernel `[grams, numClasses]` row-major, then the bias `[numClasses]`. */
  weights: 'ngram.bin';
}

/**
 * The files `charrnn export --format layers` writes beside `model.json` so that the model runs
 * outside charrnn with TensorFlow.js alone: `tokenizer.json` (charrnn's tokenizer JSON),
 * `labels.json`, `predict.mjs` (encodes names exactly as charrnn does, mixes in the n-gram head,
 * prints the top labels), `README.md`, and with an n-gram head `ngram.json`
 * ({@link NgramHeadExport}) and `ngram.bin`. Pass `withNgram: false` to leave the head out.
 */
export function layersExportFiles(
  model: CharClassifier,
  tokenizer: Tokenizer,
  labels: readonly string[],
  options: { withNgram?: boolean } = {},
): Record<string, Uint8Array> {
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  const head = options.withNgram === false ? undefined : model.ngramHead;
  const files: Record<string, Uint8Array> = {
    'tokenizer.json': text(`${JSON.stringify(tokenizer.toJSON(), null, 2)}\n`),
    'labels.json': text(`${JSON.stringify(labels)}\n`),
    'predict.mjs': text(LAYERS_PREDICT_MJS),
    'README.md': text(layersExportReadme(model.config.cell, labels.length, head !== undefined)),
  };
  if (head !== undefined) {
    const json: NgramHeadExport = {
      format: 'charrnn-ngram-head',
      version: 1,
      ...head.toJSON(),
      weights: 'ngram.bin',
    };
    files['ngram.json'] = text(`${JSON.stringify(json)}\n`);
    const bin = new Uint8Array((head.kernel.length + head.bias.length) * 4);
    const view = new DataView(bin.buffer);
    head.kernel.forEach((v, i) => view.setFloat32(4 * i, v, true));
    head.bias.forEach((v, i) => view.setFloat32(4 * (head.kernel.length + i), v, true));
    files['ngram.bin'] = bin;
  }
  return files;
}

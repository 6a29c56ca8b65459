import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError } from '@charrnn/core';
import { fileSystemHandler, writeFileAtomic } from '@charrnn/core/node';
import { exportOnnxClassifier, exportTorchClassifier, layersExportFiles } from '@charrnn/interop';
import { loadClassifierFromDir } from '../model_io.js';
import { parseChoice } from '../options.js';

/** Flags of `charrnn export`. */
export interface RawExportOptions {
  model?: string;
  format: string;
  out?: string;
  force?: boolean;
  withoutNgram?: boolean;
}

const FORMATS = ['layers', 'onnx', 'pytorch'] as const;

/** Checks the flags of `charrnn export` before anything is loaded. */
export function checkExportFlags(raw: RawExportOptions): {
  model: string;
  out: string;
  format: (typeof FORMATS)[number];
} {
  if (raw.model === undefined) throw new InvalidArgumentError('is required', { field: '--model' });
  if (raw.out === undefined) throw new InvalidArgumentError('is required', { field: '--out' });
  const format = parseChoice('--format', raw.format, FORMATS);
  if (raw.withoutNgram === true && format !== 'layers')
    throw new InvalidArgumentError('applies to --format layers only', { field: '--without-ngram' });
  return { model: raw.model, out: raw.out, format };
}

/** Writes each file into `dir` atomically. */
async function writeFiles(dir: string, files: Record<string, Uint8Array>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) await writeFileAtomic(path.join(dir, name), bytes);
}

/**
 * `charrnn export`: writes the bundle's model for use outside charrnn.
 * - `--format layers`: a plain TF.js Layers model (`model.json` + weights) that
 *   `tf.loadLayersModel` loads, plus `tokenizer.json`, `labels.json`, a runnable `predict.mjs`
 *   and a README; an n-gram head goes to `ngram.json` + `ngram.bin`, which `predict.mjs` mixes in
 *   (`--without-ngram` leaves it out). A reset-after GRU is refused (tfjs-layers lacks it).
 * - `--format onnx`: `model.onnx` (the n-gram head included), `tokenizer.json`, `labels.json`.
 * - `--format pytorch`: `model.safetensors` (PyTorch names), `model.py`, `config.json`,
 *   `labels.json`.
 */
export async function runExport(raw: RawExportOptions): Promise<void> {
  const { model, out: outFlag, format } = checkExportFlags(raw);
  const out = path.resolve(outFlag);
  const marker = { layers: 'model.json', onnx: 'model.onnx', pytorch: 'model.safetensors' }[format];
  if (existsSync(path.join(out, marker)) && raw.force !== true)
    throw new InvalidArgumentError(`${out} already holds a ${marker}; pass --force to overwrite`, {
      field: '--out',
    });
  // The weights are copied as they are: any backend does, cpu starts fastest.
  const loaded = await loadClassifierFromDir(path.resolve(model), 'cpu');
  try {
    const { config } = loaded.model;
    const head = loaded.model.ngramHead;
    if (format === 'pytorch') {
      await writeFiles(out, exportTorchClassifier(loaded.model, loaded.tokenizer, loaded.labels));
      process.stdout.write(
        `exported ${config.cell} classifier (${loaded.labels.length} labels${head === undefined ? '' : ', n-gram head'}) to ${out}: model.safetensors, model.py, config.json, labels.json\n`,
      );
      return;
    }
    if (format === 'onnx') {
      const text = (value: unknown): Uint8Array =>
        new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
      await writeFiles(out, {
        'model.onnx': exportOnnxClassifier(loaded.model, loaded.tokenizer, loaded.labels),
        'tokenizer.json': text(loaded.tokenizer.toJSON()),
        'labels.json': text(loaded.labels),
      });
      process.stdout.write(
        `exported ${config.cell} classifier (${loaded.labels.length} labels${head === undefined ? '' : ', n-gram head'}) to ${out}/model.onnx (input ids: int64 [batch, length], right-padded with 0; outputs logits, probabilities)\n`,
      );
      return;
    }
    if (config.cell === 'gru' && config.resetAfter === true)
      throw new InvalidArgumentError(
        'a GRU with reset_after=true cannot be exported as a tfjs-layers model (tfjs-layers 4.22 lacks it); use --format onnx or --format pytorch',
        { field: '--format' },
      );
    const withNgram = raw.withoutNgram !== true;
    const artifacts = loaded.model.toArtifacts();
    await fileSystemHandler(out).save({
      modelTopology: artifacts.modelTopology,
      format: 'layers-model',
      generatedBy: 'charrnn export',
      convertedBy: null,
      weightSpecs: artifacts.weightSpecs,
      weightData: artifacts.weightData,
      userDefinedMetadata: {
        charrnnExport: { labels: loaded.labels, tokenizer: loaded.tokenizer.toJSON() },
      },
    });
    await writeFiles(out, layersExportFiles(loaded.model, loaded.tokenizer, loaded.labels, { withNgram }));
    const lines = [
      `exported ${config.cell} classifier (${loaded.labels.length} labels) to ${out}/model.json, with predict.mjs and README.md`,
    ];
    if (head !== undefined)
      lines.push(
        withNgram
          ? `the n-gram head (${head.size} n-grams) is in ngram.json + ngram.bin; predict.mjs mixes it in`
          : 'note: the n-gram head was left out (--without-ngram): the exported model is the recurrent network alone',
      );
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    loaded.model.dispose();
  }
}

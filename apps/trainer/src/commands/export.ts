import { existsSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '@charrnn/core';
import { fileSystemHandler } from '@charrnn/core/node';
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

/** Checks the flags of `charrnn export` before anything is loaded. */
export function checkExportFlags(raw: RawExportOptions): { model: string; out: string } {
  if (raw.model === undefined) throw new InvalidArgumentError('is required', { field: '--model' });
  if (raw.out === undefined) throw new InvalidArgumentError('is required', { field: '--out' });
  parseChoice('--format', raw.format, ['layers'] as const);
  return { model: raw.model, out: raw.out };
}

/**
 * `charrnn export --format layers`: writes the bundle's model as a plain TF.js Layers model
 * (`model.json` + one weights file, atomically) that `tf.loadLayersModel` loads on its own. The
 * label names and tokenizer ride along in `userDefinedMetadata.charrnnExport` for whoever wants
 * them; nothing requires them. A bundle with an n-gram head is refused unless `--without-ngram`
 * asks for the recurrent network alone.
 */
export async function runExport(raw: RawExportOptions): Promise<void> {
  const { model, out: outFlag } = checkExportFlags(raw);
  const out = path.resolve(outFlag);
  if (existsSync(path.join(out, 'model.json')) && raw.force !== true)
    throw new InvalidArgumentError(`${out} already holds a model.json; pass --force to overwrite`, {
      field: '--out',
    });
  // The weights are copied as they are: any backend does, cpu starts fastest.
  const loaded = await loadClassifierFromDir(path.resolve(model), 'cpu');
  try {
    const head = loaded.model.ngramHead;
    if (head !== undefined && raw.withoutNgram !== true)
      throw new InvalidArgumentError(
        `the model mixes a recurrent network with an n-gram head (${head.size} n-grams), which the tfjs-layers format cannot hold; ` +
          "pass --without-ngram to export the recurrent network alone (its predictions differ from the bundle's), " +
          'or train with --ngram none for a model that exports whole',
        { field: '--model' },
      );
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
    const { config } = loaded.model;
    const lines = [
      `exported ${config.cell} classifier (${loaded.labels.length} labels) to ${out}/model.json`,
    ];
    if (head !== undefined)
      lines.push(
        'note: the n-gram head was left out (--without-ngram): the exported model is the recurrent network alone',
      );
    if (config.cell === 'gru' && config.resetAfter === true)
      lines.push('note: GRU reset_after=true loads in Keras 3 but not in tfjs-layers 4.22, which lacks it');
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    loaded.model.dispose();
  }
}

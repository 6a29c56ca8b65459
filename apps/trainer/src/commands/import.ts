import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError } from '@charrnn/core';
import { fileSystemHandler } from '@charrnn/core/node';
import {
  importLayersModel,
  importTorchClassifier,
  parseTorchModuleMap,
  torchExportImportOptions,
  tutorialVocabulary,
  unicodeVocabulary,
  type ImportedClassifier,
  type TorchArch,
  type TorchImportOptions,
  type TorchVocabulary,
} from '@charrnn/interop';
import { readStateDictFile, readTextFile, readVocabularyFile } from '@charrnn/interop/node';
import { saveClassifierBundle } from '@charrnn/trainer';
import { chooseBackend } from '../backend.js';
import { parseChoice } from '../options.js';

/** Flags of `charrnn import`. */
export interface RawImportOptions {
  from?: string;
  out?: string;
  arch?: string;
  labels?: string;
  alphabet?: string;
  map?: string;
  force?: boolean;
}

const FROM = ['pytorch', 'layers'] as const;
const ARCH = ['tutorial', 'rnn', 'lstm', 'gru'] as const;
const STATE_DICT_FILES = /\.(safetensors|pt|pth|bin)$/;

/** Checks the flags of `charrnn import` before anything is read. */
export function checkImportFlags(
  source: string | undefined,
  raw: RawImportOptions,
): { from: (typeof FROM)[number]; source: string; out: string; arch: TorchArch | undefined } {
  if (raw.from === undefined)
    throw new InvalidArgumentError('is required (pytorch or layers)', { field: '--from' });
  const from = parseChoice('--from', raw.from, FROM);
  if (source === undefined)
    throw new InvalidArgumentError('give the model file or directory to import', { field: 'SOURCE' });
  if (raw.out === undefined) throw new InvalidArgumentError('is required', { field: '--out' });
  const arch = raw.arch === undefined ? undefined : parseChoice('--arch', raw.arch, ARCH);
  return { from, source, out: raw.out, arch };
}

/** `--labels labels.txt` (one per line) or `--labels A,B,C`. */
async function readLabels(raw: string): Promise<string[]> {
  if (existsSync(raw) && statSync(raw).isFile()) {
    const lines = (await readTextFile(raw)).split(/\r?\n/).map((l) => l.trim());
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines;
  }
  return raw.split(',').map((l) => l.trim());
}

/** `--alphabet tutorial|unicode|<file>` as a vocabulary (or one sized by the embedding). */
async function readAlphabet(raw: string): Promise<TorchVocabulary | ((rows: number) => TorchVocabulary)> {
  if (raw === 'tutorial') return tutorialVocabulary;
  if (raw === 'unicode') return unicodeVocabulary;
  return readVocabularyFile(raw);
}

/** The state-dict file of a directory: the one `*.safetensors` (preferred) or `*.pt`/`.pth`/`.bin`. */
async function stateDictIn(dir: string): Promise<string> {
  const files = (await readdir(dir)).filter((f) => STATE_DICT_FILES.test(f)).sort();
  const safetensors = files.filter((f) => f.endsWith('.safetensors'));
  const pick = safetensors.length === 1 ? safetensors : files;
  if (pick.length !== 1)
    throw new InvalidArgumentError(
      pick.length === 0
        ? `${dir} holds no .safetensors or .pt file`
        : `${dir} holds several model files (${pick.join(', ')}): name one`,
      { field: 'SOURCE' },
    );
  return path.join(dir, pick[0] as string);
}

/**
 * The import options of a `charrnn export --format pytorch` directory (its `config.json` and
 * `labels.json`); undefined for any other directory.
 */
async function exportedOptions(dir: string): Promise<Partial<TorchImportOptions> | undefined> {
  const file = path.join(dir, 'config.json');
  if (!existsSync(file)) return undefined;
  const config = parseJson(await readTextFile(file), file);
  if (
    typeof config !== 'object' ||
    config === null ||
    (config as Record<string, unknown>)['format'] !== 'charrnn-pytorch'
  )
    return undefined;
  const labelsFile = path.join(dir, 'labels.json');
  return torchExportImportOptions(config, parseJson(await readTextFile(labelsFile), labelsFile), file);
}

/**
 * `charrnn import --from pytorch|layers <file|dir> --out <dir>`: brings a model trained
 * elsewhere into a charrnn bundle that predict, eval, export and the web demo take.
 */
export async function runImport(source: string | undefined, raw: RawImportOptions): Promise<void> {
  const flags = checkImportFlags(source, raw);
  const out = path.resolve(flags.out);
  if (existsSync(path.join(out, 'model.json')) && raw.force !== true)
    throw new InvalidArgumentError(`${out} already holds a model.json; pass --force to overwrite`, {
      field: '--out',
    });
  if (!existsSync(flags.source))
    throw new InvalidArgumentError(`${flags.source} does not exist`, { field: 'SOURCE' });
  await chooseBackend('cpu');
  const isDir = statSync(flags.source).isDirectory();
  const imported =
    flags.from === 'pytorch' ? await importPytorch(flags, raw, isDir) : await importLayers(flags, raw, isDir);
  try {
    const { model, tokenizer, labels, notes } = imported;
    await saveClassifierBundle(model, tokenizer, labels, fileSystemHandler(out), {
      training: { importedFrom: { format: flags.from, file: path.basename(flags.source) } },
    });
    const { config } = model;
    const shape = [
      `${config.layers ?? 1} layer(s)`,
      ...(config.bidirectional === undefined ? [] : [`bidirectional ${config.bidirectional}`]),
      `hidden ${config.hiddenSize}`,
      `${labels.length} labels`,
    ];
    const lines = [
      `imported ${config.cell} classifier (${shape.join(', ')}) to ${out}`,
      ...notes.map((n) => `note: ${n}`),
    ];
    if (labels.every((label, i) => label === String(i)))
      lines.push('note: no labels given: the labels are the output indices 0, 1, ... (pass --labels)');
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    imported.model.dispose();
  }
}

/** What either import gives: a classifier, its tokenizer and labels, and notes for the user. */
interface Imported {
  model: ImportedClassifier['model'];
  tokenizer: ImportedClassifier['tokenizer'];
  labels: string[];
  notes: string[];
}

async function importLayers(
  flags: ReturnType<typeof checkImportFlags>,
  raw: RawImportOptions,
  isDir: boolean,
): Promise<Imported> {
  if (raw.map !== undefined || flags.arch !== undefined)
    throw new InvalidArgumentError('applies to --from pytorch only (a model.json names its layers)', {
      field: raw.map !== undefined ? '--map' : '--arch',
    });
  const dir = isDir ? flags.source : path.dirname(flags.source);
  if (!isDir && path.basename(flags.source) !== 'model.json')
    throw new InvalidArgumentError('give a model.json or the directory holding it', { field: 'SOURCE' });
  const artifacts = await fileSystemHandler(dir).load();
  const labels = raw.labels === undefined ? undefined : await readLabels(raw.labels);
  // The alphabet defaults to the tokenizer a charrnn export recorded, else the tutorial's.
  return importLayersModel(artifacts, {
    file: path.join(dir, 'model.json'),
    ...(raw.alphabet !== undefined || !hasExportTokenizer(artifacts)
      ? { vocabulary: await readAlphabet(raw.alphabet ?? 'tutorial') }
      : {}),
    ...(labels === undefined ? {} : { labels }),
  });
}

function hasExportTokenizer(artifacts: { userDefinedMetadata?: Record<string, unknown> }): boolean {
  const exported = artifacts.userDefinedMetadata?.['charrnnExport'];
  return typeof exported === 'object' && exported !== null && 'tokenizer' in exported;
}

async function importPytorch(
  flags: ReturnType<typeof checkImportFlags>,
  raw: RawImportOptions,
  isDir: boolean,
): Promise<Imported> {
  const file = isDir ? await stateDictIn(flags.source) : flags.source;
  const exported = isDir ? await exportedOptions(flags.source) : undefined;
  const { tensors, ignored } = await readStateDictFile(file);
  const map =
    raw.map === undefined
      ? undefined
      : parseTorchModuleMap(parseJson(await readTextFile(raw.map), raw.map), raw.map);
  const labels = raw.labels === undefined ? exported?.labels : await readLabels(raw.labels);
  const imported = importTorchClassifier(tensors, {
    ...exported,
    vocabulary: exported?.vocabulary ?? (await readAlphabet(raw.alphabet ?? 'tutorial')),
    file: path.basename(file),
    ...(flags.arch === undefined ? {} : { arch: flags.arch }),
    ...(labels === undefined ? {} : { labels }),
    ...(map === undefined ? {} : { map }),
  });
  const { droppedVocabularyRows: dropped, arch, used } = imported.report;
  const notes = [`read ${used.length} tensors of ${path.basename(file)} as the ${arch} architecture`];
  if (ignored.length > 0)
    notes.push(`${ignored.length} non-tensor value(s) ignored (${ignored.slice(0, 5).join(', ')})`);
  if (dropped.length > 0)
    notes.push(
      `${dropped.length} vocabulary row(s) hold symbols the normalization never produces and were left out`,
    );
  return { ...imported, notes };
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidArgumentError('is not valid JSON', { file });
  }
}

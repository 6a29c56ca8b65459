import { existsSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, IoError, NotFoundError } from '@charrnn/core';
import { fileSystemHandler, writeFileAtomic } from '@charrnn/core/node';
import { defaultCorpus, stratifiedSplit, type LabeledName } from '@charrnn/data';
import { loadCorpus } from '@charrnn/data/node';
import {
  BALANCED_GENERATOR_RECIPE,
  BALANCED_LABEL_ALPHA,
  DEFAULT_GENERATOR_RECIPE,
  TEXT_GENERATOR_RECIPE,
  TUTORIAL_GENERATOR_RECIPE,
  checkGeneratorRecipe,
  saveGeneratorBundle,
  trainLanguageModel,
  type GeneratorData,
  type GeneratorRecipe,
  type GeneratorTrainEvent,
} from '@charrnn/trainer';
import { kernelThreads } from '@charrnn/layers';
import { BACKEND_CHOICES, chooseBackend, describeBackend } from '../backend.js';
import { generatorFileStore } from '../generator_checkpoint.js';
import { applyKernelThreads, parseThreads, type ThreadsChoice } from '../kernel_threads.js';
import { parseChoice, parseInteger, parseNumber } from '../options.js';
import { formatReportLine } from '../report.js';

/** Exit code after Ctrl-C (checkpoint saved). */
const EXIT_INTERRUPTED = 130;
/** Largest text corpus read (bytes). */
const MAX_TEXT_BYTES = 256 * 1024 * 1024;

/** The flags `train --task generate` understands (camelCase, as commander gives them). */
const GENERATOR_FLAGS = new Set([
  'task',
  'data',
  'val',
  'out',
  'force',
  'resume',
  'cell',
  'layers',
  'hidden',
  'embed',
  'labelEmbed',
  'seqLen',
  'epochs',
  'iters',
  'recipe',
  'sampler',
  'labelAlpha',
  'batch',
  'optimizer',
  'lr',
  'momentum',
  'clip',
  'dropout',
  'seed',
  'alphabet',
  'restoreBest',
  'backend',
  'threads',
]);

/** Flags that only `--task generate` reads. */
export const GENERATOR_ONLY_FLAGS = ['labelEmbed', 'seqLen', 'recipe', 'labelAlpha'] as const;

/** Flags that set a part of the stacked model, which the tutorial's model does not have. */
const STACKED_ONLY_FLAGS = ['cell', 'layers', 'embed'] as const;

/** What a generator run keeps in `config.json` (and reads back on `--resume`). */
interface GeneratorRunConfig {
  task: 'generate';
  data: string | null;
  val: string | null;
  out: string;
  backend: string;
  /** `--threads` (absent in runs saved before it existed: `auto`). */
  threads?: ThreadsChoice;
  recipe: GeneratorRecipe;
}

const kebab = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** Whether `file` is read as one text (not a directory of `<Label>.txt`, not a TSV/CSV). */
async function isTextCorpus(file: string): Promise<boolean> {
  const info = await stat(file).catch((error: unknown) => {
    throw new NotFoundError(`cannot read ${file}: ${(error as Error).message}`, { field: '--data' });
  });
  return info.isFile() && !/\.(tsv|csv|zip)$/i.test(file);
}

/** The recipe from the defaults of the data kind and the flags. */
function recipeOf(flags: Readonly<Record<string, unknown>>, text: boolean): GeneratorRecipe {
  const named =
    flags['recipe'] === undefined
      ? 'default'
      : parseChoice('--recipe', String(flags['recipe']), ['default', 'tutorial', 'balanced'] as const);
  const tutorial = named === 'tutorial';
  if (named !== 'default' && text)
    throw new InvalidArgumentError(`the ${named} recipe generates names: give it names, not a text`, {
      field: '--recipe',
    });
  for (const key of STACKED_ONLY_FLAGS)
    if (tutorial && flags[key] !== undefined)
      throw new InvalidArgumentError(
        "does not apply to --recipe tutorial (the tutorial's model has no such part)",
        {
          field: kebab(key),
        },
      );
  if (flags['epochs'] !== undefined && flags['iters'] !== undefined)
    throw new InvalidArgumentError('give either --epochs or --iters, not both', { field: '--iters' });
  const base = tutorial
    ? TUTORIAL_GENERATOR_RECIPE
    : named === 'balanced'
      ? BALANCED_GENERATOR_RECIPE
      : text
        ? TEXT_GENERATOR_RECIPE
        : DEFAULT_GENERATOR_RECIPE;
  const str = (key: string): string | undefined =>
    flags[key] === undefined ? undefined : String(flags[key]);
  const int = (key: string, min: number): number | undefined => {
    const v = str(key);
    return v === undefined ? undefined : parseInteger(kebab(key), v, min);
  };
  const num = (key: string, min: number, max: number): number | undefined => {
    const v = str(key);
    return v === undefined ? undefined : parseNumber(kebab(key), v, min, max);
  };
  const pick = <T>(value: T | undefined, fallback: T): T => (value === undefined ? fallback : value);
  const cell = str('cell');
  const optimizer = str('optimizer');
  const alphabet = str('alphabet');
  const recipe: GeneratorRecipe = {
    ...base,
    cell:
      cell === undefined ? base.cell : parseChoice('--cell', cell, ['rnn', 'simple', 'lstm', 'gru'] as const),
    layers: pick(int('layers', 1), base.layers),
    hiddenSize: pick(int('hidden', 1), base.hiddenSize),
    embedDim: pick(int('embed', 1), base.embedDim),
    labelEmbedDim: text ? 0 : pick(int('labelEmbed', 0), base.labelEmbedDim),
    seqLen: pick(int('seqLen', 1), base.seqLen),
    epochs: pick(int('epochs', 1), base.epochs),
    batchSize: pick(int('batch', 1), base.batchSize),
    optimizer:
      optimizer === undefined
        ? base.optimizer
        : parseChoice('--optimizer', optimizer, ['adam', 'sgd'] as const),
    learningRate: pick(num('lr', 0, 10), base.learningRate),
    clipNorm: pick(num('clip', 0, 1e9), base.clipNorm),
    dropout: pick(num('dropout', 0, 0.99), base.dropout),
    seed: pick(int('seed', 0), base.seed),
    restoreBest: flags['restoreBest'] === false ? false : base.restoreBest,
    normalization:
      alphabet === undefined
        ? base.normalization
        : parseChoice('--alphabet', alphabet, ['unicode', 'tutorial'] as const) === 'tutorial'
          ? 'ascii-fold'
          : 'unicode',
  };
  const momentum = num('momentum', 0, 1);
  if (momentum !== undefined) recipe.momentum = momentum;
  const iterations = int('iters', 1);
  if (iterations !== undefined) recipe.iterations = iterations;
  else if (flags['epochs'] !== undefined) delete recipe.iterations;
  const sampler = str('sampler');
  if (sampler !== undefined) {
    if (text) throw new InvalidArgumentError('a text corpus is read in order', { field: '--sampler' });
    recipe.sampler = parseChoice('--sampler', sampler, ['shuffle', 'tutorial', 'balanced'] as const);
    if (recipe.sampler !== 'balanced') delete recipe.labelAlpha;
  }
  const labelAlpha = num('labelAlpha', 0, 1);
  if (labelAlpha !== undefined) {
    if (recipe.sampler !== 'balanced')
      throw new InvalidArgumentError('applies to --sampler balanced (or --recipe balanced) only', {
        field: '--label-alpha',
      });
    recipe.labelAlpha = labelAlpha;
  }
  if (flags['labelEmbed'] !== undefined && text)
    throw new InvalidArgumentError('a text corpus has no labels to embed', { field: '--label-embed' });
  checkGeneratorRecipe(recipe);
  return recipe;
}

async function loadNames(file: string, what: string, log: (line: string) => void): Promise<LabeledName[]> {
  const { corpus, report } = await loadCorpus(file);
  log(`${what}: ${formatReportLine(file, report)}`);
  return corpus.items;
}

/** The training data of a run, and where it came from. */
async function loadData(
  config: GeneratorRunConfig,
  text: boolean,
  log: (line: string) => void,
): Promise<GeneratorData> {
  if (text) {
    const file = config.data as string;
    const info = await stat(file);
    if (info.size > MAX_TEXT_BYTES)
      throw new InvalidArgumentError(
        `is ${info.size} bytes, more than the ${MAX_TEXT_BYTES} a text corpus may have`,
        {
          file,
        },
      );
    const content = await readFile(file, 'utf8');
    log(`data: ${file}: a text of ${content.length} characters (the last 10% for validation)`);
    return { kind: 'text', text: content };
  }
  const seed = config.recipe.seed;
  const items =
    config.data === null
      ? (log('data: embedded default corpus'), defaultCorpus().items)
      : await loadNames(config.data, 'data', log);
  if (config.val !== null)
    return { kind: 'names', train: items, val: await loadNames(config.val, 'val', log) };
  const split = stratifiedSplit(items, { val: 0.1, test: 0, seed });
  log(`val: no --val given, holding out ${split.val.length} names (10%, stratified, seed ${seed})`);
  return { kind: 'names', train: split.train, val: split.val };
}

/** Resolves the run: a new one from the flags, or the one in `--resume <dir>`. */
async function resolveGeneratorRun(
  flags: Readonly<Record<string, unknown>>,
): Promise<{ config: GeneratorRunConfig; text: boolean; resume: boolean }> {
  const unknown = Object.keys(flags).filter((k) => !GENERATOR_FLAGS.has(k));
  if (unknown.length > 0)
    throw new InvalidArgumentError(`${unknown.map(kebab).join(', ')} do(es) not apply to --task generate`, {
      field: kebab(unknown[0] as string),
    });
  if (flags['resume'] !== undefined) {
    const extra = Object.keys(flags).filter((k) => !['resume', 'backend', 'threads', 'task'].includes(k));
    if (extra.length > 0)
      throw new InvalidArgumentError(
        `with --resume only --backend and --threads may be given, not ${extra.map(kebab).join(', ')}`,
        {
          field: '--resume',
        },
      );
    const dir = path.resolve(String(flags['resume']));
    const file = path.join(dir, 'config.json');
    let config: GeneratorRunConfig;
    try {
      config = JSON.parse(await readFile(file, 'utf8')) as GeneratorRunConfig;
    } catch (error) {
      throw new NotFoundError(`no generator run to resume in ${dir}: ${(error as Error).message}`, { file });
    }
    if (config.task !== 'generate')
      throw new InvalidArgumentError('is not a generator run (train it again without --task generate)', {
        file,
      });
    checkGeneratorRecipe(config.recipe);
    if (flags['backend'] !== undefined) config.backend = String(flags['backend']);
    if (flags['threads'] !== undefined) config.threads = parseThreads('--threads', String(flags['threads']));
    return {
      config: { ...config, out: dir },
      text: config.data !== null && (await isTextCorpus(config.data)),
      resume: true,
    };
  }
  if (flags['out'] === undefined) throw new InvalidArgumentError('is required', { field: '--out' });
  const data = flags['data'] === undefined ? null : String(flags['data']);
  const text = data !== null && (await isTextCorpus(data));
  if (text && flags['val'] !== undefined)
    throw new InvalidArgumentError('a text corpus holds out its own last 10% for validation', {
      field: '--val',
    });
  const backend = parseChoice('--backend', String(flags['backend'] ?? 'auto'), BACKEND_CHOICES);
  return {
    config: {
      task: 'generate',
      data: data === null ? null : path.resolve(data),
      val: flags['val'] === undefined ? null : path.resolve(String(flags['val'])),
      out: path.resolve(String(flags['out'])),
      backend,
      threads: flags['threads'] === undefined ? 'auto' : parseThreads('--threads', String(flags['threads'])),
      recipe: recipeOf(flags, text),
    },
    text,
    resume: false,
  };
}

/**
 * `charrnn train --task generate`: trains a character language model (names from a TSV or a
 * directory of `<Label>.txt`, conditioned on the label unless `--label-embed 0`; or one plain-text
 * file) and writes the generator bundle, `config.json`, `metrics.json` and a checkpoint per epoch
 * into `--out`. Ctrl-C saves the checkpoint and exits with 130; `--resume <dir>` continues.
 */
export async function runTrainGenerator(flags: Readonly<Record<string, unknown>>): Promise<number> {
  const { config, text, resume } = await resolveGeneratorRun(flags);
  const out = config.out;
  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  if (!resume && existsSync(path.join(out, 'model.json')) && flags['force'] !== true)
    throw new InvalidArgumentError(`${out} already holds a model; pass --force to overwrite`, {
      field: '--out',
    });
  const store = generatorFileStore(out);
  if (resume && (await store.load()) === null)
    throw new NotFoundError(`no generator checkpoint to resume in ${out}`, { field: '--resume' });
  const backend = await chooseBackend(parseChoice('--backend', config.backend, BACKEND_CHOICES));
  log(describeBackend(backend));
  const threadsLine = applyKernelThreads(config.threads ?? 'auto', backend.name);
  if (threadsLine !== undefined) log(threadsLine);
  const data = await loadData(config, text, log);
  const r = config.recipe;
  log(
    (r.architecture === 'tutorial'
      ? `model: the tutorial's RNN (i2h, i2o, o2o), hidden ${r.hiddenSize}` +
        (r.labelEmbedDim > 0 ? ', category one-hot' : '') +
        `, output dropout ${r.dropout}`
      : `model: ${r.cell} ${r.layers}×${r.hiddenSize}, embedding ${r.embedDim}` +
        (data.kind === 'names' && r.labelEmbedDim > 0 ? ` + label embedding ${r.labelEmbedDim}` : '')) +
      `; ${r.optimizer} lr ${r.learningRate}, clip ${r.clipNorm}, batch ${r.batchSize}, ` +
      (r.iterations === undefined ? `${r.epochs} epochs` : `${r.iterations} steps`) +
      (r.sampler === 'tutorial' ? ' (random category, then random name)' : '') +
      (r.sampler === 'balanced'
        ? ` (label-balanced: labels drawn ∝ names^${r.labelAlpha ?? BALANCED_LABEL_ALPHA}, then a random name)`
        : '') +
      (r.loss === 'sum' ? ', summed loss' : '') +
      (data.kind === 'text' ? `, windows of ${r.seqLen}` : ''),
  );
  try {
    await mkdir(out, { recursive: true });
    await writeFileAtomic(path.join(out, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  } catch (error) {
    throw new IoError(`cannot write the run directory ${out}: ${(error as Error).message}`, {
      field: '--out',
    });
  }
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
    log('interrupted: saving the checkpoint (Ctrl-C again to quit at once)');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const onEvent = (e: GeneratorTrainEvent): void => {
    if (e.type === 'start') {
      log(
        `training: ${e.totalSteps} steps (${e.stepsPerEpoch} per epoch, ${e.charsPerEpoch} characters per epoch)`,
      );
      if (e.skippedVal > 0) log(`val: ${e.skippedVal} names skipped (their label is not a training label)`);
    } else if (e.type === 'epoch')
      log(
        `epoch ${e.epoch}: train ${e.trainBpc.toFixed(4)} bpc` +
          (e.valBpc === undefined ? '' : `, val ${e.valBpc.toFixed(4)} bpc`) +
          `, ${Math.round(e.charsPerSecond)} chars/s`,
      );
  };
  let result;
  try {
    result = await trainLanguageModel(data, r, {
      onEvent,
      signal: controller.signal,
      store,
      resume,
    });
  } finally {
    process.off('SIGINT', onSigint);
  }
  const { bundle, metrics, stopped } = result;
  try {
    if (stopped === 'aborted') {
      log(`stopped: checkpoint saved; continue with: charrnn train --task generate --resume ${out}`);
      return EXIT_INTERRUPTED;
    }
    const record = {
      task: 'generate',
      kind: data.kind,
      backend: backend.name,
      ...(backend.name === 'cpu' || backend.name === 'wasm' ? { kernel_threads: kernelThreads() } : {}),
      ...metrics,
      recipe: r,
    };
    await saveGeneratorBundle(bundle, fileSystemHandler(out), { metrics: { ...metrics } });
    await writeFileAtomic(path.join(out, 'metrics.json'), `${JSON.stringify(record, null, 2)}\n`);
    log(
      `done: val ${metrics.val_bpc === null ? '-' : metrics.val_bpc.toFixed(4)} bpc` +
        (metrics.best_epoch > 0 ? ` (best epoch ${metrics.best_epoch})` : '') +
        `, ${Math.round(metrics.train_chars_per_s)} train chars/s; wrote ${out}`,
    );
    return 0;
  } finally {
    bundle.model.dispose();
  }
}

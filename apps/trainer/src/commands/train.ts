import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, IoError, Rng, type ClassificationReport } from '@charrnn/core';
import { fileSystemHandler, writeFileAtomic } from '@charrnn/core/node';
import { defaultCorpus, encodeExamples, stratifiedSplit, type LabeledName } from '@charrnn/data';
import { loadCorpus } from '@charrnn/data/node';
import { CharClassifier, type CellType, type ClassifierConfig } from '@charrnn/layers';
import { Tokenizer } from '@charrnn/tokenizer';
import { evaluate, saveClassifierBundle, train, type TrainEvent } from '@charrnn/trainer';
import { chooseBackend, describeBackend, BACKEND_CHOICES, type BackendChoice } from '../backend.js';
import { parseChoice, parseInteger, parseNumber } from '../options.js';
import { ProgressReporter } from '../progress.js';
import { formatReportLine } from '../report.js';
import { writeRunReport, type ReportSection } from '../report/index.js';

/** Flags of `charrnn train` as commander hands them over (strings until validated). */
export interface RawTrainOptions {
  data?: string;
  val?: string;
  test?: string;
  out?: string;
  force?: boolean;
  cell: string;
  layers: string;
  bidirectional?: boolean | string;
  dropout: string;
  recurrentDropout: string;
  resetAfter?: boolean;
  hidden: string;
  embed: string;
  epochs?: string;
  iters?: string;
  batch: string;
  optimizer: string;
  lr?: string;
  momentum: string;
  clip: string;
  sampler: string;
  alphabet: string;
  seed: string;
  backend: string;
}

/** Validated configuration of one training run; saved with the model. */
export interface TrainConfig {
  data: string | null;
  val: string | null;
  test: string | null;
  out: string;
  force: boolean;
  cell: CellType;
  layers: number;
  bidirectional: 'concat' | 'sum' | null;
  dropout: number;
  recurrent_dropout: number;
  reset_after: boolean;
  hidden: number;
  embed: number;
  epochs: number | null;
  iters: number | null;
  batch: number;
  optimizer: 'sgd' | 'adam';
  lr: number;
  momentum: number;
  clip: number;
  sampler: 'tutorial' | 'shuffle' | 'balanced';
  alphabet: 'tutorial' | 'unicode';
  seed: number;
  backend: BackendChoice;
}

/** Default learning rate per optimizer when `--lr` is not given. */
const DEFAULT_LR = { sgd: 0.01, adam: 0.003 } as const;

/** Validates the raw flags; every error names its flag. */
export function resolveTrainConfig(raw: RawTrainOptions): TrainConfig {
  if (raw.out === undefined) throw new InvalidArgumentError('is required', { field: '--out' });
  if (raw.epochs !== undefined && raw.iters !== undefined) {
    throw new InvalidArgumentError('give either --epochs or --iters, not both', { field: '--epochs' });
  }
  const optimizer = parseChoice('--optimizer', raw.optimizer, ['sgd', 'adam'] as const);
  const cell = parseChoice('--cell', raw.cell, ['rnn', 'simple', 'lstm', 'gru'] as const);
  const resetAfter = raw.resetAfter === true;
  if (resetAfter && cell !== 'gru')
    throw new InvalidArgumentError('applies to --cell gru only', { field: '--reset-after' });
  return {
    data: raw.data ?? null,
    val: raw.val ?? null,
    test: raw.test ?? null,
    out: raw.out,
    force: raw.force === true,
    cell,
    layers: parseInteger('--layers', raw.layers, 1, 64),
    bidirectional:
      raw.bidirectional === undefined || raw.bidirectional === false
        ? null
        : raw.bidirectional === true
          ? 'concat'
          : parseChoice('--bidirectional', raw.bidirectional, ['concat', 'sum'] as const),
    dropout: parseNumber('--dropout', raw.dropout, 0, 0.95),
    recurrent_dropout: parseNumber('--recurrent-dropout', raw.recurrentDropout, 0, 0.95),
    reset_after: resetAfter,
    hidden: parseInteger('--hidden', raw.hidden, 1, 4096),
    embed: parseInteger('--embed', raw.embed, 1, 4096),
    epochs:
      raw.epochs !== undefined
        ? parseInteger('--epochs', raw.epochs, 1, 100_000)
        : raw.iters === undefined
          ? 10
          : null,
    iters: raw.iters !== undefined ? parseInteger('--iters', raw.iters, 1, 1e9) : null,
    batch: parseInteger('--batch', raw.batch, 1, 65_536),
    optimizer,
    lr:
      raw.lr !== undefined
        ? parseNumber('--lr', raw.lr, 0, 10, { exclusiveMin: true })
        : DEFAULT_LR[optimizer],
    momentum: parseNumber('--momentum', raw.momentum, 0, 0.9999),
    clip: parseNumber('--clip', raw.clip, 0, 1e6),
    sampler: parseChoice('--sampler', raw.sampler, ['tutorial', 'shuffle', 'balanced'] as const),
    alphabet: parseChoice('--alphabet', raw.alphabet, ['tutorial', 'unicode'] as const),
    seed: parseInteger('--seed', raw.seed, 0, 2 ** 32 - 1),
    backend: parseChoice('--backend', raw.backend, BACKEND_CHOICES),
  };
}

interface DataSplits {
  train: LabeledName[];
  val: LabeledName[];
  test: LabeledName[];
  source: string;
}

async function loadItems(file: string, what: string, log: (line: string) => void): Promise<LabeledName[]> {
  const { corpus, report } = await loadCorpus(file);
  log(`${what}: ${formatReportLine(file, report)}`);
  return corpus.items;
}

async function loadSplits(config: TrainConfig, log: (line: string) => void): Promise<DataSplits> {
  if (config.data === null) {
    const corpus = defaultCorpus();
    const split = stratifiedSplit(corpus.items, { val: 0.1, test: 0.1, seed: config.seed });
    log(
      `data: embedded default corpus, ${corpus.items.length} names in ${corpus.labels.length} labels (split 80/10/10, seed ${config.seed})`,
    );
    return {
      train: split.train,
      val: config.val === null ? split.val : await loadItems(config.val, 'val', log),
      test: config.test === null ? split.test : await loadItems(config.test, 'test', log),
      source: 'embedded default corpus',
    };
  }
  const items = await loadItems(config.data, 'data', log);
  let train = items;
  let val: LabeledName[] = [];
  if (config.val !== null) {
    val = await loadItems(config.val, 'val', log);
  } else {
    const split = stratifiedSplit(items, { val: 0.1, test: 0, seed: config.seed });
    train = split.train;
    val = split.val;
    log(`val: no --val given, holding out ${val.length} names (10%, stratified, seed ${config.seed})`);
  }
  const test = config.test !== null ? await loadItems(config.test, 'test', log) : [];
  return { train, val, test, source: config.data };
}

/** Fails before training, not after it, when the run directory cannot be written. */
async function checkWritable(out: string): Promise<void> {
  const probe = path.join(out, `.charrnn-write-test-${process.pid}`);
  try {
    await mkdir(out, { recursive: true });
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (error) {
    throw new IoError(`cannot write the run directory ${out}: ${(error as Error).message}`, {
      field: '--out',
      cause: error,
    });
  }
}

function checkOutputDir(out: string, force: boolean): void {
  if (!existsSync(out)) return;
  const entries = readdirSync(out);
  const holdsRun = entries.some((e) => e === 'model.json' || e === 'metrics.json');
  if (holdsRun && !force) {
    throw new InvalidArgumentError(
      `${out} already holds a run (model.json or metrics.json); pass --force to overwrite`,
      {
        field: '--out',
      },
    );
  }
}

function reportToJson(report: ClassificationReport): ReportSection {
  return {
    accuracy: report.accuracy,
    macro_f1: report.macroF1,
    balanced_accuracy: report.balancedAccuracy,
    count: report.count,
    per_class: report.perClass.map((c) => ({
      label: c.label,
      precision: c.precision,
      recall: c.recall,
      f1: c.f1,
      support: c.support,
    })),
    confusion: report.confusion,
  };
}

/** `charrnn train`: trains a classifier and writes the bundle and metrics.json into `--out`. */
export async function runTrain(raw: RawTrainOptions): Promise<void> {
  const config = resolveTrainConfig(raw);
  const out = path.resolve(config.out);
  checkOutputDir(out, config.force);
  await checkWritable(out);
  const progress = new ProgressReporter();
  const log = (line: string): void => progress.log(line);

  const backend = await chooseBackend(config.backend);
  log(describeBackend(backend));

  const splits = await loadSplits(config, log);
  const labels = [...new Set(splits.train.map((item) => item.label))].sort();
  if (splits.train.length === 0 || labels.length < 2) {
    throw new InvalidArgumentError(
      `the training data needs at least 2 labels with names, found ${labels.length} label(s) and ${splits.train.length} name(s)`,
      { field: '--data' },
    );
  }
  const tokenizer =
    config.alphabet === 'tutorial'
      ? Tokenizer.tutorial()
      : Tokenizer.fromCorpus(
          splits.train.map((item) => item.name),
          { normalization: 'unicode' },
        );
  const trainExamples = encodeExamples(splits.train, tokenizer, labels);
  const valExamples = encodeExamples(splits.val, tokenizer, labels);
  const testExamples = encodeExamples(splits.test, tokenizer, labels);
  const modelConfig = classifierConfig(config, tokenizer.vocabSize, labels.length);
  log(
    `model: ${describeModel(config)}, vocabulary ${tokenizer.vocabSize}, ${labels.length} labels; ` +
      `train ${trainExamples.length}, val ${valExamples.length}, test ${testExamples.length} names`,
  );

  const model = CharClassifier.create(modelConfig, new Rng(config.seed));

  let started = false;
  const onEvent = (event: TrainEvent): void => {
    if (event.type === 'step') {
      if (!started) {
        progress.start(event.totalSteps);
        started = true;
      }
      progress.step(event);
    } else if (event.type === 'epoch') {
      const val = event.val === undefined ? '' : ` · val ${formatMetrics(event.val)}`;
      log(`epoch ${event.epoch}: train loss ${event.trainLoss.toFixed(4)}${val}`);
    }
  };

  const result = await train(model, trainExamples, {
    optimizer: config.optimizer,
    learningRate: config.lr,
    momentum: config.optimizer === 'sgd' ? config.momentum : undefined,
    clipNorm: config.clip > 0 ? config.clip : undefined,
    batchSize: config.batch,
    epochs: config.epochs ?? undefined,
    iterations: config.iters ?? undefined,
    sampler: config.sampler,
    seed: config.seed,
    labels,
    val: valExamples.length > 0 ? valExamples : undefined,
    onEvent,
  });
  progress.stop();

  const valReport = valExamples.length > 0 ? evaluate(model, valExamples, labels) : undefined;
  const testReport = testExamples.length > 0 ? evaluate(model, testExamples, labels) : undefined;

  const metrics = {
    backend: backend.name,
    backend_provider: backend.provider,
    data: splits.source,
    train_names: trainExamples.length,
    val_names: valExamples.length,
    test_names: testExamples.length,
    steps: result.steps,
    names_trained: result.namesTrained,
    train_seconds: result.trainSeconds,
    train_names_per_s: result.namesPerSecond,
    epochs: result.history.map((h) => ({
      epoch: h.epoch,
      step: h.step,
      loss: h.trainLoss,
      ...(h.val === undefined
        ? {}
        : {
            val_accuracy: h.val.accuracy,
            val_macro_f1: h.val.macroF1,
            val_balanced_accuracy: h.val.balancedAccuracy,
          }),
    })),
    ...(valReport === undefined ? {} : { val: reportToJson(valReport) }),
    ...(testReport === undefined ? {} : { test: reportToJson(testReport) }),
    config,
  };

  await mkdir(out, { recursive: true });
  await saveClassifierBundle(model, tokenizer, labels, fileSystemHandler(out), {
    training: { ...config },
    metrics: {
      ...(valReport === undefined
        ? {}
        : { val: { accuracy: valReport.accuracy, macro_f1: valReport.macroF1 } }),
      ...(testReport === undefined
        ? {}
        : { test: { accuracy: testReport.accuracy, macro_f1: testReport.macroF1 } }),
    },
  });
  await writeFileAtomic(path.join(out, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  model.dispose();
  const runReport = await writeRunReport(out, {
    ...metrics,
    config: { ...config },
    title: path.basename(out),
    labels,
  });

  const lines = [
    '',
    `trained ${result.namesTrained.toLocaleString('en-US')} names in ${result.trainSeconds.toFixed(1)} s ` +
      `(${Math.round(result.namesPerSecond).toLocaleString('en-US')} names/s on ${backend.name})`,
  ];
  if (valReport !== undefined) lines.push(`val:  ${formatMetrics(valReport)}`);
  if (testReport !== undefined) lines.push(`test: ${formatMetrics(testReport)}`);
  lines.push(`saved model bundle and metrics.json to ${out}`, `report: ${runReport.html}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The model architecture the flags describe. */
export function classifierConfig(
  config: TrainConfig,
  vocabSize: number,
  numClasses: number,
): ClassifierConfig {
  return {
    cell: config.cell,
    vocabSize,
    embedDim: config.embed,
    hiddenSize: config.hidden,
    numClasses,
    ...(config.layers > 1 ? { layers: config.layers } : {}),
    ...(config.bidirectional === null ? {} : { bidirectional: config.bidirectional }),
    ...(config.reset_after ? { resetAfter: true } : {}),
    ...(config.dropout > 0 ? { dropout: config.dropout } : {}),
    ...(config.recurrent_dropout > 0 ? { recurrentDropout: config.recurrent_dropout } : {}),
  };
}

function describeModel(config: TrainConfig): string {
  const parts = [
    `${config.layers > 1 ? `${config.layers}× ` : ''}${config.bidirectional === null ? '' : `bidirectional (${config.bidirectional}) `}${config.cell}${config.reset_after ? ' (reset after)' : ''}`,
    `embed ${config.embed}`,
    `hidden ${config.hidden}`,
  ];
  if (config.dropout > 0 || config.recurrent_dropout > 0)
    parts.push(`dropout ${config.dropout}/${config.recurrent_dropout}`);
  return parts.join(' ');
}

function formatMetrics(report: ClassificationReport): string {
  return (
    `accuracy ${report.accuracy.toFixed(4)}, macro-F1 ${report.macroF1.toFixed(4)}, ` +
    `balanced accuracy ${report.balancedAccuracy.toFixed(4)} (${report.count} names)`
  );
}

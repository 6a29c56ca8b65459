import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  classificationReport,
  InvalidArgumentError,
  IoError,
  NotFoundError,
  Rng,
  TrainingDivergedError,
  type ClassificationReport,
} from '@charrnn/core';
import { fileSystemHandler, writeFileAtomic } from '@charrnn/core/node';
import {
  defaultCorpus,
  encodeExamples,
  stratifiedSplit,
  type Example,
  type LabeledName,
} from '@charrnn/data';
import { loadCorpus } from '@charrnn/data/node';
import { CharClassifier, type ClassifierConfig, type NgramHead, simdKernelVariant } from '@charrnn/layers';
import { Tokenizer } from '@charrnn/tokenizer';
import {
  applyLogitAdjustment,
  classWeightsFor,
  evaluate,
  fitLogitAdjustment,
  fitNgramHead,
  monitoredValue,
  saveClassifierBundle,
  train,
  type LearningRateSchedule,
  type TrainCheckpoint,
  type TrainEvent,
  type TrainResult,
  type TrainRunOptions,
} from '@charrnn/trainer';
import { chooseBackend, describeBackend } from '../backend.js';
import { GENERATOR_ONLY_FLAGS, runTrainGenerator } from './train_generator.js';

/** How the training log names `simdKernelVariant()`. */
const KERNEL_NAMES = {
  relaxed: 'WebAssembly SIMD with relaxed-SIMD fused multiply-add',
  simd: 'WebAssembly SIMD',
  off: 'off (no WebAssembly SIMD here, or CHARRNN_SIMD=0): tfjs matMul and JS loops',
} as const;
import { ProgressReporter } from '../progress.js';
import { formatReportLine } from '../report.js';
import { writeRunReport, type NgramReport, type ReportSection, type ScoreSummary } from '../report/index.js';
import {
  CHECKPOINT_DIR,
  STATE_FILE,
  fingerprintNames,
  loadRunCheckpoint,
  saveRunCheckpoint,
  type RunCheckpointMeta,
} from '../run_checkpoint.js';
import {
  checkConfigObject,
  flagsRefusedOnResume,
  readConfigFile,
  resolveTrainConfig,
  type TrainConfig,
} from '../train_config.js';

export { resolveTrainConfig, type TrainConfig } from '../train_config.js';

/** Exit code of a run stopped by Ctrl-C (SIGINT) after saving its checkpoint: 128 + 2, as shells expect. */
export const EXIT_INTERRUPTED = 130;

/**
 * Test hook: `CHARRNN_FAULT=nan@<step>` poisons the weights after that training step, so that
 * the next step's gradient is NaN (the divergence path, tested end to end). Ignored otherwise.
 */
function faultStep(): number | null {
  const match = /^nan@(\d+)$/.exec(process.env.CHARRNN_FAULT ?? '');
  return match === null ? null : Number(match[1]);
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

/** Folder of an ensemble run that holds one run directory (checkpoint) per member. */
const MEMBERS_DIR = 'members';
/** Files whose presence means a directory already holds a run. */
const RUN_MARKERS = [
  'model.json',
  'metrics.json',
  path.join(CHECKPOINT_DIR, STATE_FILE),
  path.join(MEMBERS_DIR, '1', CHECKPOINT_DIR, STATE_FILE),
];

/** Refuses a directory that holds a run unless `--force`; with it, drops the old checkpoint. */
async function prepareOutputDir(out: string, force: boolean): Promise<void> {
  if (!existsSync(out)) return;
  const found = RUN_MARKERS.filter((marker) => existsSync(path.join(out, marker)));
  if (found.length === 0) return;
  if (!force) {
    const hint = found.some((f) => f.endsWith(path.join(CHECKPOINT_DIR, STATE_FILE)))
      ? `; continue it with --resume ${out}, or pass --force to start over`
      : '; pass --force to overwrite';
    throw new InvalidArgumentError(`${out} already holds a run (${found.join(', ')})${hint}`, {
      field: '--out',
    });
  }
  await rm(path.join(out, CHECKPOINT_DIR), { recursive: true, force: true });
  await rm(path.join(out, MEMBERS_DIR), { recursive: true, force: true });
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

/** The `train()` options a configuration asks for. */
export function trainOptionsOf(
  config: TrainConfig,
  labels: readonly string[],
  trainExamples: readonly Example[],
  val: readonly Example[],
): TrainRunOptions {
  const hasVal = val.length > 0;
  const schedule: LearningRateSchedule =
    config.schedule === 'step'
      ? { type: 'step', everyEpochs: config.lr_step, gamma: config.lr_gamma }
      : config.schedule === 'cosine'
        ? { type: 'cosine', minLearningRate: config.min_lr, warmupSteps: config.warmup }
        : { type: 'constant' };
  return {
    optimizer: config.optimizer,
    learningRate: config.lr,
    ...(config.optimizer === 'sgd' ? { momentum: config.momentum } : {}),
    ...(config.clip > 0 ? { clipNorm: config.clip } : {}),
    batchSize: config.batch,
    ...(config.epochs !== null ? { epochs: config.epochs } : {}),
    ...(config.iters !== null ? { iterations: config.iters } : {}),
    sampler: config.sampler,
    seed: config.seed,
    labels,
    schedule,
    monitor: config.monitor,
    ...(config.label_smoothing > 0 ? { labelSmoothing: config.label_smoothing } : {}),
    ...(config.class_weight === 'none'
      ? {}
      : {
          classWeights: classWeightsFor(
            trainExamples,
            labels.length,
            config.class_weight === 'auto' ? 'balanced' : 'sqrt',
          ),
        }),
    ...(hasVal ? { val: [...val] } : {}),
    ...(hasVal && config.plateau !== null
      ? { reduceOnPlateau: { patience: config.plateau, factor: config.plateau_factor } }
      : {}),
    ...(hasVal && config.early_stop !== null ? { earlyStopping: { patience: config.early_stop } } : {}),
    ...(hasVal && config.restore_best ? { restoreBest: true } : {}),
  };
}

/** Flags of `charrnn train` as commander hands them over: only those typed on the command line. */
export type TrainFlags = Readonly<Record<string, unknown>>;

/** The configuration of a new run (`--config` and flags) or of a resumed one (its checkpoint). */
async function resolveRun(
  flags: TrainFlags,
): Promise<{ config: TrainConfig; resumed: Awaited<ReturnType<typeof loadRunCheckpoint>> | null }> {
  const resume = flags.resume;
  if (typeof resume !== 'string') {
    const file = typeof flags.config === 'string' ? await readConfigFile(flags.config) : null;
    const config = resolveTrainConfig(flags, file);
    // Absolute paths, so that `--resume` works from any directory.
    const absolute = (p: string | null): string | null => (p === null ? null : path.resolve(p));
    return {
      config: {
        ...config,
        data: absolute(config.data),
        val: absolute(config.val),
        test: absolute(config.test),
        out: path.resolve(config.out),
      },
      resumed: null,
    };
  }
  const refused = flagsRefusedOnResume(flags);
  if (typeof flags.config === 'string') refused.unshift('--config');
  if (refused.length > 0)
    throw new InvalidArgumentError(
      `continues a run with the configuration saved in its checkpoint; drop ${refused.join(', ')} (only --backend may change)`,
      { field: '--resume' },
    );
  // A single run keeps its checkpoint in <dir>/checkpoint; an ensemble, one per member (its
  // first member's holds the run's settings, with the run's seed).
  let stateDir = resume;
  const resumed = await loadRunCheckpoint(resume).catch(async (error: unknown) => {
    if (!(error instanceof NotFoundError)) throw error;
    const first = memberDir(resume, 0);
    if (!existsSync(path.join(first, CHECKPOINT_DIR, STATE_FILE))) throw error;
    stateDir = first;
    return loadRunCheckpoint(first);
  });
  const stateFile = path.join(stateDir, CHECKPOINT_DIR, STATE_FILE);
  const saved = checkConfigObject(resumed.meta.config, stateFile);
  const config = resolveTrainConfig(
    { ...(typeof flags.backend === 'string' ? { backend: flags.backend } : {}) },
    { ...saved, values: { ...saved.values, out: path.resolve(resume) } },
    { saved: true },
  );
  return { config, resumed };
}

/**
 * `charrnn train`: trains a classifier and writes the bundle, `config.json`, `metrics.json`, the
 * report and a checkpoint (every epoch) into `--out`. Returns the exit code: 0, or
 * {@link EXIT_INTERRUPTED} when Ctrl-C stopped it (the checkpoint is saved; `--resume` continues).
 */
export async function runTrain(flags: TrainFlags): Promise<number> {
  if (flags['task'] === 'generate') return runTrainGenerator(flags);
  if (flags['task'] !== undefined && flags['task'] !== 'classify')
    throw new InvalidArgumentError(`expected classify or generate, got '${String(flags['task'])}'`, {
      field: '--task',
    });
  for (const key of GENERATOR_ONLY_FLAGS)
    if (flags[key] !== undefined)
      throw new InvalidArgumentError('applies to --task generate only', {
        field: `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
      });
  const { task: _task, ...classifierFlags } = flags;
  return runClassifierTrain(classifierFlags);
}

async function runClassifierTrain(flags: TrainFlags): Promise<number> {
  const { config, resumed } = await resolveRun(flags);
  const out = path.resolve(config.out);
  if (resumed === null) await prepareOutputDir(out, config.force);
  await checkWritable(out);
  const progress = new ProgressReporter();
  const log = (line: string): void => progress.log(line);

  const backend = await chooseBackend(config.backend);
  log(describeBackend(backend));
  // On cpu and wasm the recurrent layers run on @charrnn/layers' own WebAssembly kernels.
  const kernels = backend.name === 'cpu' || backend.name === 'wasm' ? simdKernelVariant() : undefined;
  if (kernels !== undefined) log(`recurrent kernels: ${KERNEL_NAMES[kernels]}`);

  const splits = await loadSplits(config, log);
  const labels = [...new Set(splits.train.map((item) => item.label))].sort();
  if (splits.train.length === 0 || labels.length < 2) {
    throw new InvalidArgumentError(
      `the training data needs at least 2 labels with names, found ${labels.length} label(s) and ${splits.train.length} name(s)`,
      { field: '--data' },
    );
  }
  const fingerprint = fingerprintNames(splits.train);
  let tokenizer: Tokenizer;
  if (resumed !== null) {
    const { meta } = resumed;
    if (meta.train_data.sha256 !== fingerprint.sha256 || meta.labels.join('\n') !== labels.join('\n'))
      throw new InvalidArgumentError(
        `the training data differs from the run's (${meta.train_data.names} names then, ${fingerprint.names} now): a resumed run must see the same data`,
        { field: '--resume' },
      );
    tokenizer = Tokenizer.fromJSON(meta.tokenizer);
  } else {
    tokenizer =
      config.alphabet === 'tutorial'
        ? Tokenizer.tutorial()
        : Tokenizer.fromCorpus(
            splits.train.map((item) => item.name),
            { normalization: 'unicode' },
          );
  }
  const trainExamples = encodeExamples(splits.train, tokenizer, labels);
  const valExamples = encodeExamples(splits.val, tokenizer, labels);
  const testExamples = encodeExamples(splits.test, tokenizer, labels);
  const modelConfig = classifierConfig(config, tokenizer.vocabSize, labels.length);
  log(
    `model: ${describeModel(config)}, vocabulary ${tokenizer.vocabSize}, ${labels.length} labels; ` +
      `train ${trainExamples.length}, val ${valExamples.length}, test ${testExamples.length} names`,
  );
  log(`training: ${describeTraining(config)}`);

  await writeFileAtomic(path.join(out, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  const models: CharClassifier[] = [];
  const results: TrainResult[] = [];
  try {
    // One member, or an ensemble of `config.ensemble` members (seeds seed, seed + 1, ...), each
    // with its own checkpoint in members/<k>/, averaged into one model at the end.
    for (let m = 0; m < config.ensemble; m++) {
      const memberConfig = { ...config, seed: config.seed + m };
      const dir = config.ensemble === 1 ? out : memberDir(out, m);
      if (config.ensemble > 1)
        log(`ensemble member ${m + 1} of ${config.ensemble} (seed ${memberConfig.seed})`);
      const model = CharClassifier.create(modelConfig, new Rng(memberConfig.seed));
      models.push(model);
      const resumeFrom =
        resumed === null
          ? undefined
          : m === 0
            ? resumed.checkpoint
            : await loadRunCheckpoint(dir).then(
                (c) => c.checkpoint,
                (error: unknown) => {
                  if (error instanceof NotFoundError) return undefined; // this member had not started
                  throw error;
                },
              );
      const meta: RunCheckpointMeta = {
        config: memberConfig,
        labels,
        tokenizer: tokenizer.toJSON(),
        model: modelConfig,
        train_data: fingerprint,
      };
      const result = await trainWithCheckpoints(model, trainExamples, valExamples, memberConfig, meta, {
        out: dir,
        progress,
        resumeFrom,
      });
      if (result.stopped === 'aborted') {
        progress.stop();
        process.stderr.write(
          `\ninterrupted at step ${result.steps}${config.ensemble > 1 ? ` of ensemble member ${m + 1}` : ''}: ` +
            `checkpoint saved in ${path.join(dir, CHECKPOINT_DIR)}\ncontinue with: charrnn train --resume ${out}\n`,
        );
        return EXIT_INTERRUPTED;
      }
      results.push(result);
      progress.stop();
    }
    const model = config.ensemble === 1 ? (models[0] as CharClassifier) : CharClassifier.average(models);
    if (model !== models[0]) models.push(model);
    await finishRun(model, config, labels, tokenizer, results, splits.source, backend, out, {
      train: trainExamples,
      val: valExamples,
      test: testExamples,
    });
    return 0;
  } finally {
    progress.stop();
    for (const model of models) model.dispose();
  }
}

/** Run directory of ensemble member `m` (0-based): `members/<m + 1>`. */
function memberDir(out: string, m: number): string {
  return path.join(out, MEMBERS_DIR, String(m + 1));
}

/** One result for the run: the first member's history; times, names and steps summed. */
function combineResults(results: readonly TrainResult[]): TrainResult {
  const first = results[0] as TrainResult;
  const trainSeconds = results.reduce((s, r) => s + r.trainSeconds, 0);
  const namesTrained = results.reduce((s, r) => s + r.namesTrained, 0);
  return {
    ...first,
    trainSeconds,
    namesTrained,
    namesPerSecond: trainSeconds > 0 ? namesTrained / trainSeconds : 0,
    steps: results.reduce((s, r) => s + r.steps, 0),
  };
}

interface TrainIo {
  out: string;
  progress: ProgressReporter;
  resumeFrom: TrainCheckpoint | undefined;
}

/**
 * Runs `train()` with a checkpoint saved at every epoch end and on Ctrl-C. A first SIGINT asks
 * training to stop after the current step (and save); a second one exits at once.
 */
async function trainWithCheckpoints(
  model: CharClassifier,
  trainExamples: readonly Example[],
  valExamples: readonly Example[],
  config: TrainConfig,
  meta: RunCheckpointMeta,
  io: TrainIo,
): Promise<TrainResult> {
  const { progress, out } = io;
  const log = (line: string): void => progress.log(line);
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts += 1;
    if (interrupts > 1) {
      process.stderr.write('\ninterrupted again: exiting without waiting for the checkpoint\n');
      process.exit(EXIT_INTERRUPTED);
    }
    progress.stop();
    process.stderr.write(
      '\ninterrupt: finishing the current step and saving a checkpoint (Ctrl-C again to quit at once)\n',
    );
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  if (io.resumeFrom !== undefined) {
    const c = io.resumeFrom;
    log(
      `resuming at step ${c.steps} of ${c.totalSteps} (${c.history.length} epoch(s) done${c.finished === null ? '' : `, run already ${c.finished.replace('_', ' ')}`})`,
    );
  }
  const poisonAt = faultStep();
  let started = false;
  let lastGood: TrainCheckpoint | null = null;
  const onEvent = (event: TrainEvent): void => {
    if (event.type === 'step') {
      if (!started) {
        progress.start(event.totalSteps, io.resumeFrom?.steps ?? 0);
        started = true;
      }
      progress.step(event);
      if (poisonAt !== null && event.step === poisonAt) {
        const first = model.trainableWeights[0];
        if (first !== undefined) tf.tidy(() => first.assign(tf.mul(first, Number.NaN)));
      }
    } else if (event.type === 'epoch') {
      const val = event.val === undefined ? '' : ` · val ${formatMetrics(event.val)}`;
      const lr = event.learningRate === undefined ? '' : ` · lr ${event.learningRate.toPrecision(3)}`;
      log(`epoch ${event.epoch}: train loss ${event.trainLoss.toFixed(4)}${val}${lr}`);
    }
  };
  try {
    return await train(model, trainExamples, {
      ...trainOptionsOf(config, meta.labels, trainExamples, valExamples),
      ...(poisonAt !== null ? { logEvery: 1 } : {}),
      ...(io.resumeFrom !== undefined ? { resumeFrom: io.resumeFrom } : {}),
      signal: controller.signal,
      onEvent,
      onCheckpoint: async (checkpoint) => {
        await saveRunCheckpoint(out, meta, checkpoint);
        lastGood = checkpoint;
      },
    });
  } catch (error) {
    if (error instanceof TrainingDivergedError) {
      const kept: TrainCheckpoint | null = lastGood ?? io.resumeFrom ?? null;
      const where =
        kept === null
          ? 'no checkpoint was saved (it diverged in the first epoch)'
          : `the last good checkpoint (step ${kept.steps}, epoch ${kept.history.length}) stays in ${path.join(out, CHECKPOINT_DIR)}`;
      throw new TrainingDivergedError(
        `${error.message}; training stopped, ${where}. Try a lower --lr or a --clip`,
        { field: 'loss', cause: error },
      );
    }
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** Time (training seconds) at which the validation accuracy first reached `threshold`, or null. */
function timeToAccuracy(
  history: TrainResult['history'],
  threshold: number,
): { epoch: number; seconds: number } | null {
  const hit = history.find((h) => h.val !== undefined && h.val.accuracy >= threshold);
  return hit === undefined ? null : { epoch: hit.epoch, seconds: hit.trainSeconds };
}

/** Accuracy, macro-F1 and balanced accuracy of a report, for metrics.json. */
function summaryOf(report: ClassificationReport): ScoreSummary {
  return { accuracy: report.accuracy, macro_f1: report.macroF1, balanced_accuracy: report.balancedAccuracy };
}

/** The n-gram head's own report on `examples` (argmax of its scores). */
function headReport(
  head: NgramHead,
  examples: readonly Example[],
  labels: readonly string[],
): ClassificationReport {
  const predicted = Int32Array.from(examples, ({ ids }) => {
    const scores = head.scores(ids, Int32Array.of(ids.length), 1, ids.length);
    let best = 0;
    for (let c = 1; c < scores.length; c++) if ((scores[c] as number) > (scores[best] as number)) best = c;
    return best;
  });
  return classificationReport(
    Int32Array.from(examples, (e) => e.label),
    predicted,
    labels,
  );
}

/**
 * Fits the n-gram head on the training names and attaches it to `model`; returns what
 * metrics.json records: its size and time, and the val/test figures of the recurrent model alone
 * and of the head alone (before any logit adjustment), beside the mixture's.
 */
function attachNgramHead(
  model: CharClassifier,
  config: TrainConfig,
  labels: string[],
  examples: { train: readonly Example[]; val: readonly Example[]; test: readonly Example[] },
  log: (line: string) => void,
): NgramReport & { train_loss: number } {
  const sets = { val: examples.val, test: examples.test };
  const recurrentOnly: NgramReport['recurrent_only'] = {};
  for (const name of ['val', 'test'] as const)
    if (sets[name].length > 0) recurrentOnly[name] = summaryOf(evaluate(model, sets[name], labels));
  const started = performance.now();
  let trainLoss = Number.NaN;
  const head = fitNgramHead(examples.train, labels.length, {
    maxN: config.ngram,
    weight: config.ngram_weight,
    rng: new Rng(config.seed),
    onEpoch: (_, loss) => {
      trainLoss = loss;
    },
  });
  const fitSeconds = (performance.now() - started) / 1000;
  const ngramOnly: NgramReport['ngram_only'] = {};
  for (const name of ['val', 'test'] as const)
    if (sets[name].length > 0) ngramOnly[name] = summaryOf(headReport(head, sets[name], labels));
  model.setNgramHead(head);
  log(
    `n-gram head: ${head.size.toLocaleString('en-US')} n-grams of 1–${config.ngram} characters fitted in ${fitSeconds.toFixed(1)} s ` +
      `(train loss ${trainLoss.toFixed(4)}), mixed in with weight ${config.ngram_weight}`,
  );
  return {
    max_n: config.ngram,
    weight: config.ngram_weight,
    grams: head.size,
    fit_seconds: fitSeconds,
    train_loss: trainLoss,
    recurrent_only: recurrentOnly,
    ngram_only: ngramOnly,
  };
}

/** Evaluates, adjusts the output bias if asked, and writes the bundle, metrics and report. */
async function finishRun(
  model: CharClassifier,
  config: TrainConfig,
  labels: string[],
  tokenizer: Tokenizer,
  memberResults: readonly TrainResult[],
  source: string,
  backend: { name: string; provider: string },
  out: string,
  examples: { train: readonly Example[]; val: readonly Example[]; test: readonly Example[] },
): Promise<void> {
  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  const { train: trainExamples, val: valExamples, test: testExamples } = examples;
  const result = combineResults(memberResults);
  const ngram = config.ngram > 0 ? attachNgramHead(model, config, labels, examples, log) : null;
  let adjustment: { tau: number; chosen: boolean; before: ClassificationReport | null } | null = null;
  if (config.logit_adjust === 'auto') {
    if (valExamples.length > 0) {
      const fit = fitLogitAdjustment(model, trainExamples, valExamples, labels, { metric: config.monitor });
      adjustment = { tau: fit.tau, chosen: true, before: fit.before };
      log(
        `logit adjustment: tau ${fit.tau.toFixed(2)} chosen on val (${config.monitor} ${monitoredValue(fit.before, config.monitor).toFixed(4)} → ${monitoredValue(fit.after, config.monitor).toFixed(4)})`,
      );
    }
  } else if (config.logit_adjust > 0) {
    const before = valExamples.length > 0 ? evaluate(model, valExamples, labels) : null;
    applyLogitAdjustment(model, trainExamples, config.logit_adjust);
    adjustment = { tau: config.logit_adjust, chosen: false, before };
    log(
      `logit adjustment: tau ${config.logit_adjust} folded into the ${ngram === null ? 'output' : "n-gram head's"} bias`,
    );
  }
  const valReport = valExamples.length > 0 ? evaluate(model, valExamples, labels) : undefined;
  const testReport = testExamples.length > 0 ? evaluate(model, testExamples, labels) : undefined;
  const first80 = timeToAccuracy(result.history, 0.8);

  const metrics = {
    backend: backend.name,
    backend_provider: backend.provider,
    ...(backend.name === 'cpu' || backend.name === 'wasm' ? { recurrent_kernels: simdKernelVariant() } : {}),
    data: source,
    train_names: trainExamples.length,
    val_names: valExamples.length,
    test_names: testExamples.length,
    steps: result.steps,
    stopped: result.stopped,
    best_epoch: result.bestEpoch,
    restored_best: result.restoredBest,
    names_trained: result.namesTrained,
    train_seconds: result.trainSeconds,
    train_names_per_s: result.namesPerSecond,
    time_to_val_accuracy_0_80_s: first80?.seconds ?? null,
    epoch_to_val_accuracy_0_80: first80?.epoch ?? null,
    ...(memberResults.length > 1
      ? {
          ensemble: memberResults.map((r, m) => {
            const best = r.history.find((h) => h.epoch === r.bestEpoch)?.val;
            return {
              member: m + 1,
              seed: config.seed + m,
              best_epoch: r.bestEpoch,
              train_seconds: r.trainSeconds,
              ...(best === undefined ? {} : { val_accuracy: best.accuracy, val_macro_f1: best.macroF1 }),
            };
          }),
        }
      : {}),
    ngram,
    logit_adjustment:
      adjustment === null
        ? null
        : {
            tau: adjustment.tau,
            chosen_on_val: adjustment.chosen,
            ...(adjustment.before === null
              ? {}
              : {
                  val_before: {
                    accuracy: adjustment.before.accuracy,
                    macro_f1: adjustment.before.macroF1,
                    balanced_accuracy: adjustment.before.balancedAccuracy,
                  },
                }),
          },
    epochs: result.history.map((h) => ({
      epoch: h.epoch,
      step: h.step,
      loss: h.trainLoss,
      train_seconds: h.trainSeconds,
      ...(h.learningRate === undefined ? {} : { learning_rate: h.learningRate }),
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
  const runReport = await writeRunReport(out, {
    ...metrics,
    config: { ...config },
    title: path.basename(out),
    labels,
  });

  const lines = [
    '',
    `trained ${result.namesTrained.toLocaleString('en-US')} names in ${result.trainSeconds.toFixed(1)} s ` +
      `(${Math.round(result.namesPerSecond).toLocaleString('en-US')} names/s on ${backend.name})` +
      (result.stopped === 'early_stopped' ? ', stopped early' : '') +
      (memberResults.length > 1
        ? `; ${memberResults.length} members (best epochs ${memberResults.map((r) => r.bestEpoch).join(', ')}) averaged into one model`
        : result.restoredBest
          ? `; kept the weights of epoch ${result.bestEpoch} (best val ${config.monitor})`
          : ''),
  ];
  if (first80 !== null)
    lines.push(
      `val accuracy reached 0.80 at epoch ${first80.epoch}, after ${first80.seconds.toFixed(1)} s of training` +
        (memberResults.length > 1 ? ' (first member)' : ''),
    );
  if (valReport !== undefined) lines.push(`val:  ${formatMetrics(valReport)}`);
  if (testReport !== undefined) lines.push(`test: ${formatMetrics(testReport)}`);
  lines.push(`saved model bundle, config.json and metrics.json to ${out}`, `report: ${runReport.html}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

function describeTraining(config: TrainConfig): string {
  const parts = [
    `${config.optimizer} lr ${config.lr}`,
    config.schedule === 'cosine'
      ? `cosine to ${config.min_lr}${config.warmup > 0 ? ` after ${config.warmup} warm-up steps` : ''}`
      : config.schedule === 'step'
        ? `×${config.lr_gamma} every ${config.lr_step} epochs`
        : 'constant rate',
    config.epochs !== null ? `${config.epochs} epochs` : `${config.iters} steps`,
    `batch ${config.batch} (${config.sampler})`,
  ];
  if (config.ensemble > 1) parts.push(`ensemble of ${config.ensemble} seeds`);
  if (config.clip > 0) parts.push(`clip ${config.clip}`);
  if (config.plateau !== null) parts.push(`×${config.plateau_factor} after ${config.plateau} flat epochs`);
  if (config.early_stop !== null) parts.push(`early stop after ${config.early_stop}`);
  if (config.restore_best) parts.push(`keep best val ${config.monitor}`);
  if (config.class_weight !== 'none') parts.push(`class weights ${config.class_weight}`);
  if (config.label_smoothing > 0) parts.push(`label smoothing ${config.label_smoothing}`);
  if (config.ngram > 0) parts.push(`n-gram head (1–${config.ngram}, weight ${config.ngram_weight})`);
  if (config.logit_adjust === 'auto') parts.push('logit adjustment (tau chosen on val)');
  else if (config.logit_adjust > 0) parts.push(`logit adjustment tau ${config.logit_adjust}`);
  return parts.join(', ');
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

import { existsSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, NotFoundError, TrainingDivergedError } from '@charrnn/core';
import { fileSystemHandler, writeFileAtomic } from '@charrnn/core/node';
import { kernelThreads, simdKernelVariant, type CharClassifier } from '@charrnn/layers';
import {
  RunDivergedError,
  saveClassifierBundle,
  trainClassifier,
  TrainingAbortedError,
  type ClassifierRunEvent,
  type TrainedClassifier,
} from '@charrnn/trainer';
import { fingerprintNames } from '@charrnn/trainer/internal';
import { CHECKPOINT_DIR, fileCheckpointStore, MEMBERS_DIR, STATE_FILE } from '@charrnn/trainer/node';
import { chooseBackend, describeBackend } from '../backend.js';
import { applyKernelThreads } from '../kernel_threads.js';
import { GENERATOR_ONLY_FLAGS, runTrainGenerator } from './train_generator.js';
import { ProgressReporter } from '../progress.js';
import { writeRunReport } from '../report/index.js';
import { checkTrainBudget } from '../budget.js';
import { checkWritable, prepareOutputDir } from '../run_dir.js';
import { lockRunDirectory } from '../run_lock.js';
import { recordRunStart } from '../run_manifest.js';
import { exitCodeOf, lastStopSignal, onStopSignals, type StopSignal } from '../stop_signals.js';
import { loadRunCheckpoint } from '../run_checkpoint.js';
import { loadSplits } from '../train_data.js';
import { formatMetrics, KERNEL_NAMES, presentEvent } from '../train_log.js';
import {
  checkConfigObject,
  flagsRefusedOnResume,
  readConfigFile,
  recipeOf,
  resolveTrainConfig,
  type TrainConfig,
} from '../train_config.js';

export { resolveTrainConfig, type TrainConfig } from '../train_config.js';

/** Exit code of a run stopped by Ctrl-C (SIGINT) after saving its checkpoint: 128 + 2, as shells expect (SIGTERM 143, SIGHUP 129). */
export const EXIT_INTERRUPTED = 130;

/**
 * Test hook: `CHARRNN_FAULT=nan@<step>` poisons the weights after that training step, so that
 * the next step's gradient is NaN (the divergence path, tested end to end). Ignored otherwise.
 */
function faultStep(): number | null {
  const match = /^nan@(\d+)$/.exec(process.env.CHARRNN_FAULT ?? '');
  return match === null ? null : Number(match[1]);
}

/** Flags of `charrnn train` as commander hands them over: only those typed on the command line. */
export type TrainFlags = Readonly<Record<string, unknown>>;

type Resumed = Awaited<ReturnType<typeof loadRunCheckpoint>>;

/** Run directory of ensemble member `m` (0-based) of a run of `members`: the run's, or `members/<m + 1>`. */
function memberDir(out: string, m: number, members: number): string {
  return members === 1 ? out : path.join(out, MEMBERS_DIR, String(m + 1));
}

/** The configuration of a new run (`--config` and flags) or of a resumed one (its checkpoint). */
async function resolveRun(flags: TrainFlags): Promise<{ config: TrainConfig; resumed: Resumed | null }> {
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
    const first = path.join(resume, MEMBERS_DIR, '1');
    if (!existsSync(path.join(first, CHECKPOINT_DIR, STATE_FILE))) throw error;
    stateDir = first;
    return loadRunCheckpoint(first);
  });
  const stateFile = path.join(stateDir, CHECKPOINT_DIR, STATE_FILE);
  const saved = checkConfigObject(resumed.meta.config, stateFile);
  const config = resolveTrainConfig(
    {
      ...(typeof flags.backend === 'string' ? { backend: flags.backend } : {}),
      ...(typeof flags.threads === 'string' ? { threads: flags.threads } : {}),
    },
    { ...saved, values: { ...saved.values, out: path.resolve(resume) } },
    { saved: true },
  );
  return { config, resumed };
}

/**
 * `charrnn train`: trains a classifier (`trainClassifier` of `@charrnn/trainer` with the recipe
 * the flags describe) and writes the bundle, `config.json`, `metrics.json`, the report and a
 * checkpoint (every epoch) into `--out`. Returns the exit code: 0, or {@link EXIT_INTERRUPTED}
 * when Ctrl-C stopped it (the checkpoint is saved; `--resume` continues).
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
  // One writer per run directory: a second train or a --resume of a live run is refused (a
  // resume before its checkpoint is even read: the live run may be rewriting it).
  const resumeDir = typeof flags.resume === 'string' ? path.resolve(flags.resume) : undefined;
  const early = resumeDir === undefined ? undefined : await lockRunDirectory(resumeDir);
  try {
    const { config, resumed } = await resolveRun(flags);
    const lock = early ?? (await lockRunDirectory(path.resolve(config.out)));
    try {
      return await trainLocked(config, resumed);
    } finally {
      lock.release();
    }
  } finally {
    early?.release();
  }
}

/** {@link runTrain} once the run directory is locked. */
async function trainLocked(config: TrainConfig, resumed: Resumed | null): Promise<number> {
  const out = path.resolve(config.out);
  if (resumed === null) await prepareOutputDir(out, config.force);
  await checkWritable(out);
  if (resumed === null) await recordRunStart(out);
  const progress = new ProgressReporter();
  const log = (line: string): void => progress.log(line);

  const backend = await chooseBackend(config.backend);
  log(describeBackend(backend));
  // On cpu and wasm the recurrent layers run on @charrnn/layers' own WebAssembly kernels.
  const kernels = backend.name === 'cpu' || backend.name === 'wasm' ? simdKernelVariant() : undefined;
  if (kernels !== undefined) log(`recurrent kernels: ${KERNEL_NAMES[kernels]}`);
  const threadsLine = applyKernelThreads(config.threads, backend.name);
  if (threadsLine !== undefined) log(threadsLine);

  const splits = await loadSplits(config, log);
  const labels = [...new Set(splits.train.map((item) => item.label))].sort();
  if (splits.train.length === 0 || labels.length < 2) {
    throw new InvalidArgumentError(
      `the training data needs at least 2 labels with names, found ${labels.length} label(s) and ${splits.train.length} name(s)`,
      { field: '--data' },
    );
  }
  const size = checkTrainBudget(config, splits.train, labels.length);
  log(`size: ${size.cost}`);
  if (size.slowInit !== undefined) log(size.slowInit);
  if (resumed !== null) {
    const { meta } = resumed;
    const fingerprint = await fingerprintNames(splits.train);
    if (meta.train_data.sha256 !== fingerprint.sha256 || meta.labels.join('\n') !== labels.join('\n'))
      throw new InvalidArgumentError(
        `the training data differs from the run's (${meta.train_data.names} names then, ${fingerprint.names} now): a resumed run must see the same data`,
        { field: '--resume' },
      );
  }
  await writeFileAtomic(path.join(out, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);

  const result = await trainWithSigint(config, splits, resumed !== null, progress);
  if (typeof result === 'number') return result;
  try {
    await writeRun(result, config, splits.source, backend, out);
  } finally {
    result.bundle.model.dispose();
  }
  return 0;
}

/**
 * Runs `trainClassifier` with a checkpoint store in the run directory and Ctrl-C wired to its
 * signal: a first SIGINT, SIGTERM or SIGHUP (while training) stops after the current step and
 * saves, a second one exits at once. Returns the result, or the exit code (128 + the signal's
 * number, e.g. {@link EXIT_INTERRUPTED}) once the stop is reported.
 */
async function trainWithSigint(
  config: TrainConfig,
  splits: Awaited<ReturnType<typeof loadSplits>>,
  resume: boolean,
  progress: ProgressReporter,
): Promise<TrainedClassifier | number> {
  const out = config.out;
  const controller = new AbortController();
  let interrupts = 0;
  // SIGTERM (docker stop, timeout) and SIGHUP (a closed terminal) stop the run like Ctrl-C.
  const onStop = (signal: StopSignal): void => {
    interrupts += 1;
    if (interrupts > 1) {
      process.stderr.write(`\n${signal} again: exiting without waiting for the checkpoint\n`);
      process.exit(exitCodeOf(signal));
    }
    progress.stop();
    process.stderr.write(
      `\n${signal === 'SIGINT' ? 'interrupt' : signal}: finishing the current step and saving a checkpoint (Ctrl-C again to quit at once)\n`,
    );
    controller.abort();
  };
  // Only while training: the phases after it (n-gram head, evaluation) run to the end.
  const detach = onStopSignals(onStop);
  const poisonAt = faultStep();
  let model: CharClassifier | null = null;
  let startStep = 0;
  let started = false;
  const onEvent = (event: ClassifierRunEvent): void => {
    if (event.type === 'member-start') {
      model = event.model;
      startStep = event.resumed?.steps ?? 0;
      started = false;
    } else if (event.type === 'step') {
      if (!started) {
        progress.start(event.totalSteps, startStep);
        started = true;
      }
    } else if (event.type === 'phase') {
      detach();
      progress.stop();
    }
    presentEvent(event, config, progress);
    if (event.type === 'step' && poisonAt !== null && event.step === poisonAt) {
      const first = (model as CharClassifier | null)?.trainableWeights[0];
      if (first !== undefined) tf.tidy(() => first.assign(tf.mul(first, Number.NaN)));
    }
  };
  try {
    return await trainClassifier(
      { train: splits.train, val: splits.val, test: splits.test },
      recipeOf(config),
      {
        store: fileCheckpointStore(out),
        resume,
        checkpointConfig: { ...config },
        signal: controller.signal,
        onEvent,
        ...(poisonAt !== null ? { logEvery: 1 } : {}),
      },
    );
  } catch (error) {
    if (error instanceof TrainingAbortedError) {
      progress.stop();
      const dir = memberDir(out, error.member, config.ensemble);
      process.stderr.write(
        `\ninterrupted at step ${error.steps}${config.ensemble > 1 ? ` of ensemble member ${error.member + 1}` : ''}: ` +
          `checkpoint saved in ${path.join(dir, CHECKPOINT_DIR)}\ncontinue with: charrnn train --resume ${out}\n`,
      );
      return exitCodeOf(lastStopSignal() ?? 'SIGINT');
    }
    if (error instanceof RunDivergedError) {
      const kept = error.lastCheckpoint;
      const where =
        kept === null
          ? 'no checkpoint was saved (it diverged in the first epoch)'
          : `the last good checkpoint (step ${kept.steps}, epoch ${kept.epochs}) stays in ${path.join(memberDir(out, error.member, config.ensemble), CHECKPOINT_DIR)}`;
      throw new TrainingDivergedError(
        `${(error.cause as Error).message}; training stopped, ${where}. Try a lower --lr or a --clip`,
        { field: 'loss', cause: error },
      );
    }
    throw error;
  } finally {
    detach();
    progress.stop();
  }
}

/** Writes the bundle, `metrics.json` and the report of a finished run, and prints its summary. */
async function writeRun(
  run: TrainedClassifier,
  config: TrainConfig,
  source: string,
  backend: { name: string; provider: string },
  out: string,
): Promise<void> {
  const m = run.metrics;
  const metrics = {
    backend: backend.name,
    backend_provider: backend.provider,
    ...(backend.name === 'cpu' || backend.name === 'wasm'
      ? { recurrent_kernels: simdKernelVariant(), kernel_threads: kernelThreads() }
      : {}),
    data: source,
    ...m,
    config,
  };
  await saveClassifierBundle(run.bundle, fileSystemHandler(out), { training: { ...config } });
  await writeFileAtomic(path.join(out, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  const runReport = await writeRunReport(out, {
    ...metrics,
    config: { ...config },
    title: path.basename(out),
    labels: run.bundle.labels,
  });

  const members = m.ensemble;
  const lines = [
    '',
    `trained ${m.names_trained.toLocaleString('en-US')} names in ${m.train_seconds.toFixed(1)} s ` +
      `(${Math.round(m.train_names_per_s).toLocaleString('en-US')} names/s on ${backend.name})` +
      (m.stopped === 'early_stopped' ? ', stopped early' : '') +
      (members !== undefined
        ? `; ${members.length} members (best epochs ${members.map((r) => r.best_epoch).join(', ')}) averaged into one model`
        : m.restored_best
          ? `; kept the weights of epoch ${m.best_epoch} (best val ${config.monitor})`
          : ''),
  ];
  if (m.epoch_to_val_accuracy_0_80 !== null && m.time_to_val_accuracy_0_80_s !== null)
    lines.push(
      `val accuracy reached 0.80 at epoch ${m.epoch_to_val_accuracy_0_80}, after ${m.time_to_val_accuracy_0_80_s.toFixed(1)} s of training` +
        (members !== undefined ? ' (first member)' : ''),
    );
  if (run.val !== undefined) lines.push(`val:  ${formatMetrics(run.val)}`);
  if (run.test !== undefined) lines.push(`test: ${formatMetrics(run.test)}`);
  lines.push(`saved model bundle, config.json and metrics.json to ${out}`, `report: ${runReport.html}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

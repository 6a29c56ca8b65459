import * as tf from '@tensorflow/tfjs-core';
import { InvalidConfigError, Rng, TrainingDivergedError } from '@charrnn/core';
import { collate } from '@charrnn/data';
import type { Batch, Example } from '@charrnn/data';
import { softmaxCrossEntropy } from '@charrnn/layers';
import type { CharClassifier } from '@charrnn/layers';
import { rnnClassifierGradients } from '@charrnn/layers/internal';
import type { TrainCheckpoint } from './checkpoint.js';
import { evaluate } from './evaluate.js';
import { Optimizer } from './optimizer.js';
import { initialMonitorState, scheduledLearningRate, updateMonitors } from './schedule.js';
import type { EpochRecord, TrainEvent, TrainResult } from './train_events.js';
import { createSampler, planTraining } from './train_options.js';
import type { TrainOptions } from './train_options.js';

/** What {@link train} needs besides the {@link TrainOptions}. */
export interface TrainRunOptions extends TrainOptions {
  /** Class names, index = class id (for the validation reports). */
  labels: readonly string[];
  /** Validation examples, evaluated at the end of every epoch (or evaluation period). */
  val?: readonly Example[];
  /** Receives progress events; keep it quick, it runs between training steps. */
  onEvent?: (event: TrainEvent) => void;
  /** Steps between `'step'` events, which is also how often the loss is read back (default 100). */
  logEvery?: number;
  /** Stops training after the current step; `train` then resolves with `stopped: 'aborted'`. */
  signal?: AbortSignal;
  /** Batch size of the validation passes (default 256). */
  evalBatchSize?: number;
  /** Continue the run this checkpoint was taken from (same examples, options and model config). */
  resumeFrom?: TrainCheckpoint;
  /**
   * Receives a checkpoint at the end of every epoch (evaluation period), and when the run is
   * aborted through `signal`. Training waits for the returned promise (write it to disk there).
   */
  onCheckpoint?: (checkpoint: TrainCheckpoint) => void | Promise<void>;
}

/** The loop yields to the event loop this often, so aborts, timers and UIs get a turn. */
const YIELD_EVERY_MS = 50;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Trains `model` in place: sample a batch, forward, loss, backward (hand-written gradients, see
 * `@charrnn/layers`), clip, update; evaluate on `val` at the end of every epoch.
 *
 * The loss is summed on the device and read back only every `logEvery` steps, so a step costs
 * no synchronisation unless gradient clipping is on and the backend is `cpu`/`wasm` (where a
 * read-back is a memory copy). A non-finite loss or gradient norm stops training with a
 * `TrainingDivergedError`; a non-finite gradient norm is caught before the update is applied.
 *
 * @param model the classifier to train (its weights change)
 * @param examples training examples (`encodeExamples` of `@charrnn/data`)
 * @throws InvalidConfigError on invalid options, TrainingDivergedError when the loss diverges
 *
 * @example
 * ```ts
 * const model = CharClassifier.create({ cell: 'rnn', vocabSize: tokenizer.vocabSize, embedDim: 128, hiddenSize: 128, numClasses: labels.length }, new Rng(1));
 * const result = await train(model, trainExamples, {
 *   optimizer: 'sgd', learningRate: 0.01, momentum: 0.9, clipNorm: 1, batchSize: 1,
 *   iterations: 105_000, evalEvery: 5_000, sampler: 'tutorial', seed: 1,
 *   labels, val: valExamples, onEvent: (e) => e.type === 'step' && console.log(e.step, e.loss),
 * });
 * console.log(result.history.at(-1)?.val?.accuracy, result.namesPerSecond);
 * ```
 */
export async function train(
  model: CharClassifier,
  examples: readonly Example[],
  options: TrainRunOptions,
): Promise<TrainResult> {
  const plan = planTraining(examples.length, options);
  const { labels, val, onEvent, signal, batchSize, clipNorm, logEvery = 100, evalBatchSize = 256 } = options;
  if (!(Number.isSafeInteger(logEvery) && logEvery > 0))
    throw new InvalidConfigError(`logEvery must be a positive integer, got ${logEvery}`, {
      field: 'logEvery',
    });
  if (labels.length !== model.config.numClasses)
    throw new InvalidConfigError(
      `${labels.length} labels given, the model has ${model.config.numClasses} classes`,
      { field: 'labels' },
    );
  const sampler = createSampler(options.sampler, examples, new Rng(options.seed));
  const weights = model.trainableWeights;
  const optimizer = new Optimizer(weights, {
    kind: options.optimizer,
    learningRate: options.learningRate,
    ...(options.momentum === undefined ? {} : { momentum: options.momentum }),
  });
  const lossOptions = {
    labelSmoothing: options.labelSmoothing ?? 0,
    ...(options.classWeights === undefined ? {} : { classWeights: options.classWeights }),
  };
  const monitor = options.monitor ?? 'accuracy';
  const hasVal = val !== undefined && val.length > 0;
  const restoreBest = options.restoreBest === true && hasVal;

  const history: EpochRecord[] = [];
  let trainMs = 0;
  let namesTrained = 0;
  let steps = 0;
  let stopped: TrainResult['stopped'] = 'completed';
  let periodLoss = 0;
  let periodSteps = 0;
  let monitorState = initialMonitorState();
  let bestWeights: Float32Array[] | null = null;
  // Dropout masks (when the model has dropout) come from their own stream of the same seed.
  let dropoutRng = new Rng((options.seed + 0x9e3779b9) >>> 0);
  let finished: TrainCheckpoint['finished'] = null;

  const setWeights = (values: readonly Float32Array[]): void =>
    weights.forEach((w, i) => {
      const value = tf.tensor(values[i] as Float32Array, w.shape);
      w.assign(value);
      value.dispose();
    });

  const resume = options.resumeFrom;
  if (resume !== undefined) {
    if (resume.totalSteps !== plan.totalSteps)
      throw new InvalidConfigError(
        `the checkpoint is of a run of ${resume.totalSteps} steps, these options make ${plan.totalSteps}`,
        { field: 'resumeFrom' },
      );
    if (
      resume.weights.length !== weights.length ||
      resume.weights.some((w, i) => w.length !== (weights[i] as tf.Variable).size)
    )
      throw new InvalidConfigError("the checkpoint's weights do not match the model's", {
        field: 'resumeFrom',
      });
    setWeights(resume.weights);
    optimizer.setState(resume.optimizer);
    dropoutRng = Rng.fromState(resume.dropoutRng);
    history.push(...resume.history.map((h) => ({ ...h })));
    trainMs = resume.trainMs;
    namesTrained = resume.namesTrained;
    steps = resume.steps;
    periodLoss = resume.periodLoss;
    periodSteps = resume.periodSteps;
    monitorState = { ...resume.monitor };
    bestWeights = resume.bestWeights?.map((w) => Float32Array.from(w)) ?? null;
    finished = resume.finished;
    // Replay the sampler: same seed, same draws, no tensors.
    for (let i = 0; i < steps; i++) sampler.nextBatch(batchSize);
  }

  /** One optimisation step; returns the batch loss (a scalar tensor, not read back). */
  function step(batch: Batch, stepNumber: number): tf.Scalar {
    // The tutorial's model on cpu/wasm: the same loss and gradients without tfjs (bit-identical).
    const fused = rnnClassifierGradients(model, batch, batch.labels, lossOptions);
    if (fused !== undefined) {
      try {
        optimizer.applyValues(fused.grads, clipNorm);
      } catch (error) {
        if (error instanceof TrainingDivergedError)
          throw new TrainingDivergedError(`${error.message} at step ${stepNumber}`, { cause: error });
        throw error;
      }
      return tf.scalar(fused.loss);
    }
    const { value, grads } = tf.variableGrads(
      () =>
        softmaxCrossEntropy(
          model.logits(batch.ids, batch.lengths, batch.batchSize, batch.maxLen, {
            training: true,
            rng: dropoutRng,
          }),
          batch.labels,
          lossOptions,
        ),
      weights,
    );
    const raw = weights.map((w) => grads[w.name] as tf.Tensor);
    try {
      optimizer.apply(raw, clipNorm);
    } catch (error) {
      value.dispose();
      if (error instanceof TrainingDivergedError)
        throw new TrainingDivergedError(`${error.message} at step ${stepNumber}`, { cause: error });
      throw error;
    } finally {
      tf.dispose(raw);
    }
    return value;
  }

  // Loss summed on the device since the last read-back, and in JS per event window.
  let pendingLoss: tf.Scalar = tf.scalar(0);
  let windowLoss = 0;
  let windowSteps = 0;
  const namesPerSecond = (): number => (trainMs > 0 ? namesTrained / (trainMs / 1000) : 0);
  const readLoss = (): void => {
    const sum = pendingLoss.dataSync()[0] as number;
    if (!Number.isFinite(sum)) throw new TrainingDivergedError(`loss is ${sum} at step ${steps}`);
    pendingLoss.dispose();
    pendingLoss = tf.scalar(0);
    windowLoss += sum;
    periodLoss += sum;
  };
  const snapshot = (): TrainCheckpoint => ({
    steps,
    totalSteps: plan.totalSteps,
    history: history.map((h) => ({ ...h })),
    trainMs,
    namesTrained,
    periodLoss,
    periodSteps,
    weights: weights.map((w) => Float32Array.from(w.dataSync() as Float32Array)),
    bestWeights: bestWeights?.map((w) => Float32Array.from(w)) ?? null,
    optimizer: optimizer.getState(),
    dropoutRng: dropoutRng.getState(),
    monitor: { ...monitorState },
    finished,
  });

  onEvent?.({
    type: 'start',
    totalSteps: plan.totalSteps,
    stepsPerEpoch: plan.stepsPerEpoch,
    batchSize,
    backend: tf.getBackend(),
  });
  let lastYield = performance.now();
  try {
    while (finished === null && steps < plan.totalSteps) {
      if (signal?.aborted === true) {
        stopped = 'aborted';
        break;
      }
      const start = performance.now();
      optimizer.learningRate =
        scheduledLearningRate(
          options.schedule,
          options.learningRate,
          steps,
          plan.totalSteps,
          Math.floor(steps / plan.stepsPerPeriod),
        ) * monitorState.plateauFactor;
      const batch = collate(examples, sampler.nextBatch(batchSize));
      const loss = step(batch, steps + 1);
      const summed = tf.add<tf.Scalar>(pendingLoss, loss);
      tf.dispose([pendingLoss, loss]);
      pendingLoss = summed;
      const end = performance.now();
      trainMs += end - start;
      namesTrained += batch.batchSize;
      steps++;
      windowSteps++;
      periodSteps++;

      const periodEnds = steps % plan.stepsPerPeriod === 0 || steps === plan.totalSteps;
      if (steps % logEvery === 0 || periodEnds) readLoss();
      if (steps % logEvery === 0 || steps === plan.totalSteps) {
        onEvent?.({
          type: 'step',
          step: steps,
          totalSteps: plan.totalSteps,
          loss: windowLoss / windowSteps,
          namesPerSecond: namesPerSecond(),
        });
        windowLoss = 0;
        windowSteps = 0;
      }
      if (periodEnds) {
        const record: EpochRecord = {
          epoch: history.length + 1,
          step: steps,
          trainLoss: periodLoss / periodSteps,
          trainSeconds: trainMs / 1000,
          learningRate: optimizer.learningRate,
        };
        let stopNow = false;
        if (hasVal) {
          record.val = evaluate(model, val, labels, evalBatchSize);
          const decision = updateMonitors(
            monitorState,
            record.val,
            record.epoch,
            monitor,
            options.reduceOnPlateau,
            options.earlyStopping,
            options.learningRate,
          );
          if (decision.improved && restoreBest)
            bestWeights = weights.map((w) => Float32Array.from(w.dataSync() as Float32Array));
          stopNow = decision.stop;
        }
        history.push(record);
        periodLoss = 0;
        periodSteps = 0;
        if (stopNow) {
          finished = 'early_stopped';
          stopped = 'early_stopped';
        } else if (steps === plan.totalSteps) finished = 'completed';
        onEvent?.({
          type: 'epoch',
          ...record,
          totalSteps: plan.totalSteps,
          namesPerSecond: namesPerSecond(),
        });
        if (options.onCheckpoint !== undefined) await options.onCheckpoint(snapshot());
      }
      if (performance.now() - lastYield >= YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
    if (resume?.finished === 'early_stopped') stopped = 'early_stopped';
    if (stopped === 'aborted' && options.onCheckpoint !== undefined) {
      readLoss();
      await options.onCheckpoint(snapshot());
    }
  } finally {
    pendingLoss.dispose();
    optimizer.dispose();
  }

  let restoredBest = false;
  if (restoreBest && bestWeights !== null && stopped !== 'aborted') {
    setWeights(bestWeights);
    restoredBest = true;
  }
  const result: TrainResult = {
    history,
    trainSeconds: trainMs / 1000,
    namesTrained,
    namesPerSecond: namesPerSecond(),
    steps,
    stopped,
    bestEpoch: monitorState.bestEpoch,
    restoredBest,
  };
  onEvent?.({ type: 'end', result });
  return result;
}

import * as tf from '@tensorflow/tfjs-core';
import { InvalidConfigError, Rng, TrainingDivergedError } from '@charrnn/core';
import { collate } from '@charrnn/data';
import type { Batch, Example } from '@charrnn/data';
import { softmaxCrossEntropy } from '@charrnn/layers';
import type { CharClassifier } from '@charrnn/layers';
import { clipByGlobalNormLazily } from './clip_by_global_norm.js';
import { evaluate } from './evaluate.js';
import type { EpochRecord, TrainEvent, TrainResult } from './train_events.js';
import { createOptimizer, createSampler, disposeOptimizer, planTraining } from './train_options.js';
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
  // Dropout masks (when the model has dropout) come from their own stream of the same seed.
  const dropoutRng = new Rng((options.seed + 0x9e3779b9) >>> 0);
  const optimizer = createOptimizer(options);
  const weights = model.trainableWeights;
  const lossOptions = {
    labelSmoothing: options.labelSmoothing ?? 0,
    ...(options.classWeights === undefined ? {} : { classWeights: options.classWeights }),
  };

  /** One optimisation step; returns the batch loss (a scalar tensor, not read back). */
  function step(batch: Batch, stepNumber: number): tf.Scalar {
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
    const clipped =
      clipNorm === undefined ? { grads: raw, norm: undefined } : clipByGlobalNormLazily(raw, clipNorm);
    if (clipped.norm !== undefined && !Number.isFinite(clipped.norm)) {
      tf.dispose([value, ...raw, ...clipped.grads]);
      throw new TrainingDivergedError(`gradient norm is ${clipped.norm} at step ${stepNumber}`);
    }
    optimizer.applyGradients(
      weights.map((w, i) => ({ name: w.name, tensor: clipped.grads[i] as tf.Tensor })),
    );
    tf.dispose([...raw, ...clipped.grads]);
    return value;
  }

  const history: EpochRecord[] = [];
  let trainMs = 0;
  let namesTrained = 0;
  let steps = 0;
  let stopped: TrainResult['stopped'] = 'completed';
  // Loss summed on the device since the last read-back, and in JS per event window and period.
  let pendingLoss: tf.Scalar = tf.scalar(0);
  let windowLoss = 0;
  let windowSteps = 0;
  let periodLoss = 0;
  let periodSteps = 0;
  const namesPerSecond = (): number => (trainMs > 0 ? namesTrained / (trainMs / 1000) : 0);
  const readLoss = (): void => {
    const sum = pendingLoss.dataSync()[0] as number;
    if (!Number.isFinite(sum)) throw new TrainingDivergedError(`loss is ${sum} at step ${steps}`);
    pendingLoss.dispose();
    pendingLoss = tf.scalar(0);
    windowLoss += sum;
    periodLoss += sum;
  };

  onEvent?.({
    type: 'start',
    totalSteps: plan.totalSteps,
    stepsPerEpoch: plan.stepsPerEpoch,
    batchSize,
    backend: tf.getBackend(),
  });
  let lastYield = performance.now();
  try {
    while (steps < plan.totalSteps) {
      if (signal?.aborted === true) {
        stopped = 'aborted';
        break;
      }
      const start = performance.now();
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
        };
        if (val !== undefined && val.length > 0) record.val = evaluate(model, val, labels, evalBatchSize);
        history.push(record);
        onEvent?.({
          type: 'epoch',
          ...record,
          totalSteps: plan.totalSteps,
          namesPerSecond: namesPerSecond(),
        });
        periodLoss = 0;
        periodSteps = 0;
      }
      if (performance.now() - lastYield >= YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
  } finally {
    pendingLoss.dispose();
    disposeOptimizer(optimizer);
  }

  const result: TrainResult = {
    history,
    trainSeconds: trainMs / 1000,
    namesTrained,
    namesPerSecond: namesPerSecond(),
    steps,
    stopped,
  };
  onEvent?.({ type: 'end', result });
  return result;
}

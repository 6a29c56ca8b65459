import { InvalidConfigError } from '@charrnn/core';
import type { Rng } from '@charrnn/core';
import { balancedSampler, bucketSampler, shuffleSampler, tutorialSampler } from '@charrnn/data';
import type { Example, Sampler } from '@charrnn/data';
import { checkSchedule } from './schedule.js';
import type { EarlyStopping, LearningRateSchedule, MonitorMetric, ReduceOnPlateau } from './schedule.js';

/** How to train: optimizer, batches, length of the run. */
export interface TrainOptions {
  /** `'sgd'` (with `momentum`: SGD with momentum, PyTorch's formula) or `'adam'` (tfjs defaults: β1 0.9, β2 0.999, ε 1e-7). */
  optimizer: 'sgd' | 'adam';
  /** Step size, > 0. */
  learningRate: number;
  /** Momentum of `'sgd'` in [0, 1); 0 or absent for plain SGD. */
  momentum?: number;
  /** Clip gradients to this global L2 norm (see {@link clipByGlobalNorm}); absent: no clipping. */
  clipNorm?: number;
  /** Examples per step. */
  batchSize: number;
  /** Number of epochs of `ceil(examples / batchSize)` steps. Default 1 when `iterations` is absent. */
  epochs?: number;
  /** Total steps instead of epochs (the tutorial's `n_iters`); evaluation every `evalEvery` steps. */
  iterations?: number;
  /**
   * `'tutorial'`: random label then random name of it; `'shuffle'`: shuffled epochs; `'bucket'`:
   * shuffled epochs of length-bucketed batches (less padding, faster); `'balanced'`: class-balanced.
   */
  sampler: 'tutorial' | 'shuffle' | 'bucket' | 'balanced';
  /** Seeds the sampler: same seed, data, model and backend ⇒ same weights. */
  seed: number;
  /** With `iterations`: steps between evaluations (default: once, at the end). Ignored with epochs. */
  evalEvery?: number;
  /** Label smoothing ε of the loss (see `softmaxCrossEntropy`). */
  labelSmoothing?: number;
  /** Per-class loss weights (see `softmaxCrossEntropy`). */
  classWeights?: Float32Array;
  /** Learning-rate schedule (default constant). */
  schedule?: LearningRateSchedule;
  /** Reduce the learning rate when the monitored validation metric plateaus (needs `val`). */
  reduceOnPlateau?: ReduceOnPlateau;
  /** Stop when the monitored validation metric stops improving (needs `val`). */
  earlyStopping?: EarlyStopping;
  /** Validation metric that decides the best epoch, and the default of plateau and early stopping (default `'accuracy'`). */
  monitor?: MonitorMetric;
  /** At the end, put back the weights of the best validation epoch by `monitor` (needs `val`; default false). */
  restoreBest?: boolean;
}

/** Steps of a run and where its evaluation periods end. @internal */
export interface TrainingPlan {
  totalSteps: number;
  stepsPerEpoch: number;
  /** Steps per evaluation period (an epoch, or `evalEvery` steps). */
  stepsPerPeriod: number;
}

function positiveInteger(value: number | undefined, field: string): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && value > 0))
    throw new InvalidConfigError(`${field} must be a positive integer, got ${value}`, { field });
}

/** Checks `options` and works out the number of steps. @internal */
export function planTraining(exampleCount: number, options: TrainOptions): TrainingPlan {
  const { learningRate, momentum = 0, clipNorm, batchSize, epochs, iterations, evalEvery } = options;
  if (options.optimizer !== 'sgd' && options.optimizer !== 'adam')
    throw new InvalidConfigError(`unknown optimizer ${JSON.stringify(options.optimizer)} (sgd, adam)`, {
      field: 'optimizer',
    });
  if (!(learningRate > 0 && Number.isFinite(learningRate)))
    throw new InvalidConfigError(`learningRate must be a positive number, got ${learningRate}`, {
      field: 'learningRate',
    });
  if (!(momentum >= 0 && momentum < 1))
    throw new InvalidConfigError(`momentum must be in [0, 1), got ${momentum}`, { field: 'momentum' });
  if (momentum > 0 && options.optimizer !== 'sgd')
    throw new InvalidConfigError('momentum applies to the sgd optimizer only', { field: 'momentum' });
  if (clipNorm !== undefined && !(clipNorm > 0 && Number.isFinite(clipNorm)))
    throw new InvalidConfigError(`clipNorm must be a positive number, got ${clipNorm}`, {
      field: 'clipNorm',
    });
  positiveInteger(batchSize, 'batchSize');
  positiveInteger(epochs, 'epochs');
  positiveInteger(iterations, 'iterations');
  positiveInteger(evalEvery, 'evalEvery');
  if (epochs !== undefined && iterations !== undefined)
    throw new InvalidConfigError('give epochs or iterations, not both', { field: 'iterations' });
  checkSchedule(options.schedule, options.reduceOnPlateau, options.earlyStopping, options.monitor);
  if (exampleCount === 0) throw new InvalidConfigError('there are no training examples', { field: 'train' });
  const stepsPerEpoch = Math.ceil(exampleCount / batchSize);
  if (iterations !== undefined)
    return {
      totalSteps: iterations,
      stepsPerEpoch,
      stepsPerPeriod: Math.min(evalEvery ?? iterations, iterations),
    };
  return { totalSteps: (epochs ?? 1) * stepsPerEpoch, stepsPerEpoch, stepsPerPeriod: stepsPerEpoch };
}

/** The sampler named in the options. @internal */
export function createSampler(
  name: TrainOptions['sampler'],
  examples: readonly Example[],
  rng: Rng,
): Sampler {
  switch (name) {
    case 'tutorial':
      return tutorialSampler(examples, rng);
    case 'shuffle':
      return shuffleSampler(examples, rng);
    case 'bucket':
      return bucketSampler(examples, rng);
    case 'balanced':
      return balancedSampler(examples, rng);
    default:
      throw new InvalidConfigError(
        `unknown sampler ${JSON.stringify(name)} (tutorial, shuffle, bucket, balanced)`,
        {
          field: 'sampler',
        },
      );
  }
}

import type { ClassificationReport } from '@charrnn/core';
import type { ClassifierRunEvent } from '@charrnn/trainer';
import { monitoredValue } from '@charrnn/trainer/internal';
import type { ProgressReporter } from './progress.js';
import type { TrainConfig } from './train_config.js';

/** How the training log names `simdKernelVariant()`. */
export const KERNEL_NAMES = {
  relaxed: 'WebAssembly SIMD with relaxed-SIMD fused multiply-add',
  simd: 'WebAssembly SIMD',
  off: 'off (no WebAssembly SIMD here, or CHARRNN_SIMD=0): tfjs matMul and JS loops',
} as const;

/** One line of a report: accuracy, macro-F1, balanced accuracy and the count. */
export function formatMetrics(report: ClassificationReport): string {
  return (
    `accuracy ${report.accuracy.toFixed(4)}, macro-F1 ${report.macroF1.toFixed(4)}, ` +
    `balanced accuracy ${report.balancedAccuracy.toFixed(4)} (${report.count} names)`
  );
}

/** The architecture, as the log's `model:` line shows it. */
export function describeModel(config: TrainConfig): string {
  const parts = [
    `${config.layers > 1 ? `${config.layers}× ` : ''}${config.bidirectional === null ? '' : `bidirectional (${config.bidirectional}) `}${config.cell}${config.reset_after ? ' (reset after)' : ''}`,
    `embed ${config.embed}`,
    `hidden ${config.hidden}`,
  ];
  if (config.dropout > 0 || config.recurrent_dropout > 0)
    parts.push(`dropout ${config.dropout}/${config.recurrent_dropout}`);
  return parts.join(' ');
}

/** The training settings, as the log's `training:` line shows them. */
export function describeTraining(config: TrainConfig): string {
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

/**
 * Shows the events of `trainClassifier` as `charrnn train` prints them: the model line, one
 * progress bar per member, a line per epoch, the n-gram head and logit adjustment lines.
 */
export function presentEvent(
  event: ClassifierRunEvent,
  config: TrainConfig,
  progress: ProgressReporter,
): void {
  const log = (line: string): void => progress.log(line);
  switch (event.type) {
    case 'start':
      log(
        `model: ${describeModel(config)}, vocabulary ${event.vocabSize}, ${event.labels.length} labels; ` +
          `train ${event.counts.train}, val ${event.counts.val}, test ${event.counts.test} names`,
      );
      log(`training: ${describeTraining(config)}`);
      break;
    case 'member-start': {
      if (event.members > 1)
        log(`ensemble member ${event.member + 1} of ${event.members} (seed ${event.seed})`);
      const c = event.resumed;
      if (c !== null)
        log(
          `resuming at step ${c.steps} of ${c.totalSteps} (${c.epochs} epoch(s) done${c.finished === null ? '' : `, run already ${c.finished.replace('_', ' ')}`})`,
        );
      break;
    }
    case 'step':
      progress.step(event);
      break;
    case 'epoch': {
      const val = event.val === undefined ? '' : ` · val ${formatMetrics(event.val)}`;
      const lr = event.learningRate === undefined ? '' : ` · lr ${event.learningRate.toPrecision(3)}`;
      log(`epoch ${event.epoch}: train loss ${event.trainLoss.toFixed(4)}${val}${lr}`);
      break;
    }
    case 'member-end':
      progress.stop();
      break;
    case 'phase':
      // Said before it starts: fitting the n-gram head takes seconds on a real corpus.
      if (event.phase === 'ngram-fit') log(`fitting the n-gram head (1–${config.ngram} characters)…`);
      break;
    case 'ngram-fit': {
      const r = event.report;
      log(
        `n-gram head: ${r.grams.toLocaleString('en-US')} n-grams of 1–${r.max_n} characters fitted in ${r.fit_seconds.toFixed(1)} s ` +
          `(train loss ${r.train_loss.toFixed(4)}), mixed in with weight ${r.weight}`,
      );
      break;
    }
    case 'logit-adjustment': {
      const { report, fit } = event;
      if (fit !== undefined)
        log(
          `logit adjustment: tau ${report.tau.toFixed(2)} chosen on val (${config.monitor} ${monitoredValue(fit.before, config.monitor).toFixed(4)} → ${monitoredValue(fit.after, config.monitor).toFixed(4)})`,
        );
      else
        log(
          `logit adjustment: tau ${report.tau} folded into the ${event.foldedInto === 'output' ? 'output' : "n-gram head's"} bias`,
        );
      break;
    }
    default:
      break;
  }
}

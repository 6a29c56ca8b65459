import { InvalidArgumentError, classificationReport } from '@charrnn/core';
import type { ClassificationReport } from '@charrnn/core';
import type { Example } from '@charrnn/data';
import type { CharClassifier } from '@charrnn/layers';
import { predict } from './predict.js';

/**
 * Accuracy, macro-F1, balanced accuracy, per-class precision/recall and the confusion matrix of
 * `model` on `examples` (see `classificationReport` of `@charrnn/core`).
 *
 * @param labels class names, index = class id; as many as the model has outputs
 * @param batchSize examples per forward pass (default 256); batches are formed by length
 * @throws InvalidArgumentError when `labels` does not match the model
 *
 * @example
 * ```ts
 * const report = evaluate(model, valExamples, corpus.labels);
 * console.log(report.accuracy, report.macroF1);
 * ```
 */
export function evaluate(
  model: CharClassifier,
  examples: readonly Example[],
  labels: readonly string[],
  batchSize = 256,
): ClassificationReport {
  if (labels.length !== model.config.numClasses) {
    throw new InvalidArgumentError(
      `${labels.length} labels given, the model has ${model.config.numClasses} classes`,
      { field: 'labels' },
    );
  }
  const { predicted } = predict(model, examples, batchSize);
  return classificationReport(
    Int32Array.from(examples, (e) => e.label),
    predicted,
    labels,
  );
}

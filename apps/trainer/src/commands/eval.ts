import path from 'node:path';
import { InvalidArgumentError } from '@charrnn/core';
import { encodeExamples } from '@charrnn/data';
import { loadCorpus } from '@charrnn/data/node';
import { evaluate, ModelKindError } from '@charrnn/trainer';
import { runEvalGenerator } from './eval_generator.js';
import { BACKEND_CHOICES } from '../backend.js';
import { loadClassifierFromDir } from '../model_io.js';
import { parseChoice } from '../options.js';
import { formatClassificationReport, formatReportLine } from '../report.js';

/** Flags of `charrnn eval`. */
export interface RawEvalOptions {
  model?: string;
  data?: string;
  json?: boolean;
  backend: string;
}

/** Checks the flags of `charrnn eval` before anything is loaded. */
export function checkEvalFlags(raw: RawEvalOptions): { model: string; data: string } {
  if (raw.model === undefined) throw new InvalidArgumentError('is required', { field: '--model' });
  if (raw.data === undefined) throw new InvalidArgumentError('is required', { field: '--data' });
  parseChoice('--backend', raw.backend, BACKEND_CHOICES);
  return { model: raw.model, data: raw.data };
}

/** `charrnn eval`: accuracy, macro-F1, balanced accuracy, per-class table and confusion matrix. */
export async function runEval(raw: RawEvalOptions): Promise<void> {
  const { model, data } = checkEvalFlags(raw);
  let loaded;
  try {
    loaded = await loadClassifierFromDir(path.resolve(model), raw.backend);
  } catch (error) {
    if (error instanceof ModelKindError)
      return runEvalGenerator(path.resolve(model), data, raw.json === true);
    throw error;
  }
  try {
    const { corpus, report: dataReport } = await loadCorpus(data);
    const unknown = [...new Set(corpus.items.map((i) => i.label))].filter((l) => !loaded.labels.includes(l));
    if (unknown.length > 0) {
      throw new InvalidArgumentError(`labels the model does not know: ${unknown.join(', ')}`, {
        file: data,
      });
    }
    const examples = encodeExamples(corpus.items, loaded.tokenizer, loaded.labels);
    const report = evaluate(loaded.model, examples, loaded.labels);
    if (raw.json === true) {
      process.stdout.write(
        `${JSON.stringify(
          {
            data: data,
            count: report.count,
            accuracy: report.accuracy,
            macro_f1: report.macroF1,
            balanced_accuracy: report.balancedAccuracy,
            per_class: report.perClass,
            labels: report.labels,
            confusion: report.confusion,
          },
          null,
          2,
        )}\n`,
      );
      return;
    }
    process.stdout.write(`data: ${formatReportLine(data, dataReport)}\n\n`);
    process.stdout.write(`${formatClassificationReport(report)}\n`);
  } finally {
    loaded.model.dispose();
  }
}

import { classificationReport, Rng, type ClassificationReport } from '@charrnn/core';
import type { Example } from '@charrnn/data';
import type { CharClassifier, NgramHead } from '@charrnn/layers';
import { evaluate } from './evaluate.js';
import { fitNgramHead } from './ngram_fit.js';
import type { NgramRecipe } from './recipe.js';
import { scoreSummary, type NgramReport } from './run_metrics.js';

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
 * Fits an n-gram head on the training names and mixes it into `model`; returns its size and
 * time, and the val/test figures of the recurrent model alone and of the head alone (before any
 * logit adjustment). @internal
 */
export function attachNgramHead(
  model: CharClassifier,
  recipe: NgramRecipe,
  seed: number,
  labels: readonly string[],
  examples: { train: readonly Example[]; val: readonly Example[]; test: readonly Example[] },
): NgramReport {
  const sets = { val: examples.val, test: examples.test };
  const recurrentOnly: NgramReport['recurrent_only'] = {};
  for (const name of ['val', 'test'] as const)
    if (sets[name].length > 0) recurrentOnly[name] = scoreSummary(evaluate(model, sets[name], labels));
  const started = performance.now();
  let trainLoss = Number.NaN;
  const head = fitNgramHead(examples.train, labels.length, {
    maxN: recipe.order,
    weight: recipe.weight,
    rng: new Rng(seed),
    onEpoch: (_, loss) => {
      trainLoss = loss;
    },
  });
  const fitSeconds = (performance.now() - started) / 1000;
  const ngramOnly: NgramReport['ngram_only'] = {};
  for (const name of ['val', 'test'] as const)
    if (sets[name].length > 0) ngramOnly[name] = scoreSummary(headReport(head, sets[name], labels));
  model.setNgramHead(head);
  return {
    max_n: recipe.order,
    weight: recipe.weight,
    grams: head.size,
    fit_seconds: fitSeconds,
    train_loss: trainLoss,
    recurrent_only: recurrentOnly,
    ngram_only: ngramOnly,
  };
}

// Train a name classifier on your own data: a folder of <Label>.txt files, one name per line.
//   node train-classifier.mjs path/to/names my-model
import '@tensorflow/tfjs-backend-wasm';
import { Rng, selectBackend } from '@charrnn/core';
import { fileSystemHandler } from '@charrnn/core/node';
import { encodeExamples, formatReport, stratifiedSplit } from '@charrnn/data';
import { loadCorpus } from '@charrnn/data/node';
import { CharClassifier } from '@charrnn/layers';
import { Tokenizer } from '@charrnn/tokenizer';
import { evaluate, saveClassifierBundle, train } from '@charrnn/trainer';

const [dataDir = 'names', outDir = 'my-model', iterations = '2000'] = process.argv.slice(2);
console.log('backend:', (await selectBackend(['wasm', 'cpu'])).name);
const { corpus, report } = await loadCorpus(dataDir);
console.log(formatReport(report));
const split = stratifiedSplit(corpus.items, { val: 0.1, test: 0, seed: 1 });
const tokenizer = Tokenizer.tutorial();
const { labels } = corpus;
// `cell`: 'lstm' here; also 'gru', 'simple' or the tutorial's 'rnn' (ClassifierConfig of @charrnn/layers).
const model = CharClassifier.create(
  { cell: 'lstm', vocabSize: tokenizer.vocabSize, embedDim: 32, hiddenSize: 64, numClasses: labels.length },
  new Rng(1),
);
await train(model, encodeExamples(split.train, tokenizer, labels), {
  optimizer: 'adam',
  learningRate: 0.005,
  batchSize: 32,
  iterations: Number(iterations),
  sampler: 'balanced',
  seed: 1,
  labels,
  logEvery: 500,
  onEvent: (e) => e.type === 'step' && console.log(`step ${e.step}: loss ${e.loss.toFixed(3)}`),
});
const val = evaluate(model, encodeExamples(split.val, tokenizer, labels), labels);
console.log(`validation accuracy ${val.accuracy.toFixed(3)}, macro-F1 ${val.macroF1.toFixed(3)}`);
await saveClassifierBundle(model, tokenizer, labels, fileSystemHandler(outDir), { metrics: { val } });
console.log(`saved ${outDir}/model.json`);

// Train a name classifier on your own data: a folder of <Label>.txt files, one name per line.
//   node train-classifier.mjs path/to/names my-model [epochs]
// It is charrnn's best recipe (DEFAULT_RECIPE: bidirectional GRU, cosine schedule, best-epoch
// restore, n-gram head, logit adjustment), the one `charrnn train` runs, in one call.
import '@tensorflow/tfjs-backend-wasm';
import { selectBackend } from '@charrnn/core';
import { fileSystemHandler } from '@charrnn/core/node';
import { formatReport, stratifiedSplit } from '@charrnn/data';
import { loadCorpus } from '@charrnn/data/node';
import { DEFAULT_RECIPE, saveClassifierBundle, trainClassifier } from '@charrnn/trainer';

const [dataDir = 'names', outDir = 'my-model', epochs = String(DEFAULT_RECIPE.epochs)] =
  process.argv.slice(2);
console.log('backend:', (await selectBackend(['wasm', 'cpu'])).name);
const { corpus, report } = await loadCorpus(dataDir);
console.log(formatReport(report));
const { train, val } = stratifiedSplit(corpus.items, { val: 0.1, test: 0, seed: 1 });
// Any field of the recipe can be changed the same way: model, optimizer, schedule, ngram, ensemble...
const recipe = { ...DEFAULT_RECIPE, epochs: Number(epochs), seed: 1 };
const result = await trainClassifier({ train, val }, recipe, {
  onEvent: (e) => {
    if (e.type === 'epoch') console.log(`epoch ${e.epoch}: loss ${e.trainLoss.toFixed(3)}`);
    else if (e.type === 'phase') console.log(`${e.phase}…`);
  },
});
if (result.val === undefined) throw new Error('no validation names');
console.log(
  `validation accuracy ${result.val.accuracy.toFixed(3)}, macro-F1 ${result.val.macroF1.toFixed(3)}`,
);
await saveClassifierBundle(result.bundle, fileSystemHandler(outDir));
console.log(`saved ${outDir}/model.json`);

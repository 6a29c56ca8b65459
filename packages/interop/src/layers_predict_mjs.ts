/**
 * 'predict.mjs', written beside an exported 'model.json': classifies names with TensorFlow.js
 * alone, encoding them exactly as charrnn does and mixing in the n-gram head.
 * @internal
 */
export const LAYERS_PREDICT_MJS = `#!/usr/bin/env node
// Classifies names with the charrnn model exported in this directory, with TensorFlow.js alone:
//
//   npm i @tensorflow/tfjs-core @tensorflow/tfjs-layers @tensorflow/tfjs-backend-cpu
//   node predict.mjs Nguyen Schmidt          top 3 labels of each name
//   node predict.mjs --json --top 5 Nguyen   JSON
//
// It encodes names exactly as charrnn does (see README.md), runs model.json with
// tf.loadLayersModel, and mixes in the n-gram head (ngram.json + ngram.bin) when there is one.
// import { classify } from './predict.mjs' gives the same from code.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';

const here = (name) => new URL(name, import.meta.url);
const readJson = (name) => JSON.parse(readFileSync(here(name), 'utf8'));

/**
 * charrnn's tokenizer: 'ascii-fold' = Unicode NFD, combining marks removed, characters outside
 * the vocabulary removed; 'unicode' = NFC, unknown characters -> UNK (1). Symbol k has id k + 2;
 * 0 is PAD. At most maxLength ids (the first ones) when the tokenizer has one.
 */
export function encode(tokenizer, name) {
  const ids = new Map(tokenizer.symbols.map((symbol, k) => [symbol, k + 2]));
  const text =
    tokenizer.normalization === 'unicode'
      ? name.normalize('NFC')
      : [...name.normalize('NFD').replace(/\\p{M}/gu, '')].filter((c) => ids.has(c)).join('');
  const out = [...text].map((c) => ids.get(c) ?? 1);
  return tokenizer.maxLength === undefined ? out : out.slice(0, tokenizer.maxLength);
}

/** The n-gram head's class scores of one name's ids: bias + the rows of its distinct n-grams. */
function ngramScores(head, ids) {
  const padded = [0, ...ids, 0];
  const seen = new Set();
  for (let n = head.minN; n <= head.maxN; n++)
    for (let i = 0; i + n <= padded.length; i++) seen.add(padded.slice(i, i + n).join('.'));
  const C = head.numClasses;
  const row = Float64Array.from(head.bias);
  for (const gram of seen) {
    const r = head.index.get(gram);
    if (r === undefined) continue;
    for (let c = 0; c < C; c++) row[c] += head.kernel[r * C + c];
  }
  return row;
}

async function loadModel() {
  const json = readJson('model.json');
  const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
  const parts = json.weightsManifest.flatMap((group) => group.paths.map((p) => readFileSync(here(p))));
  const weightData = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    weightData.set(p, at);
    at += p.length;
  }
  const model = await tfl.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData: weightData.buffer }),
  );
  let head;
  if (existsSync(here('ngram.json'))) {
    head = readJson('ngram.json');
    const bin = readFileSync(here('ngram.bin'));
    const values = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length));
    head.kernel = values.subarray(0, head.grams.length * head.numClasses);
    head.bias = values.subarray(head.grams.length * head.numClasses);
    head.index = new Map(head.grams.map((g, i) => [g, i]));
  }
  return { model, head, tokenizer: readJson('tokenizer.json'), labels: readJson('labels.json') };
}

/** Probabilities of each label for each name: an array of Float64Array rows, in label order. */
export async function classify(names) {
  await tf.setBackend('cpu');
  const { model, head, tokenizer, labels } = await loadModel();
  const encoded = names.map((name) => encode(tokenizer, name));
  const width = Math.max(1, ...encoded.map((ids) => ids.length));
  const ids = new Int32Array(names.length * width); // right-padded with PAD (0), masked by the model
  encoded.forEach((row, b) => ids.set(row, b * width));
  const output = model.predict(tf.tensor2d(ids, [names.length, width], 'int32'));
  const probs = output.dataSync();
  output.dispose();
  model.dispose();
  const C = labels.length;
  const rows = encoded.map((row, b) => {
    const p = Float64Array.from(probs.subarray(b * C, (b + 1) * C));
    if (head === undefined) return p;
    // softmax(rnnScale · logits + scores): log p equals the logits up to a constant per name.
    const scores = ngramScores(head, row);
    const logits = p.map((v, c) => head.rnnScale * Math.log(v) + scores[c]);
    const max = Math.max(...logits);
    const e = logits.map((v) => Math.exp(v - max));
    const sum = e.reduce((s, v) => s + v, 0);
    return e.map((v) => v / sum);
  });
  return { labels, rows };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args[topAt + 1]) : 3;
  const names = args.filter((a, i) => a !== '--json' && i !== topAt && i !== topAt + 1);
  if (names.length === 0) {
    console.error('usage: node predict.mjs [--json] [--top K] NAME...');
    process.exit(2);
  }
  const { labels, rows } = await classify(names);
  const results = names.map((name, b) => ({
    name,
    top: [...rows[b].keys()]
      .sort((x, y) => rows[b][y] - rows[b][x])
      .slice(0, top)
      .map((c) => ({ label: labels[c], probability: rows[b][c] })),
  }));
  if (json) console.log(JSON.stringify(results, null, 2));
  else
    for (const { name, top: best } of results) {
      console.log(name);
      for (const { label, probability } of best) console.log(\`  \${(100 * probability).toFixed(1).padStart(5)}%  \${label}\`);
    }
}
`;

const FILES_NGRAM = `- \`ngram.json\` + \`ngram.bin\`: the n-gram head charrnn mixes into the network's predictions
  (below). \`ngram.bin\` holds little-endian float32: the kernel \`[grams.length, numClasses]\`
  row-major, then the bias \`[numClasses]\`.
`;

const MIX = `
## The n-gram head

charrnn's prediction is \`softmax(rnnScale · logits + scores)\`, where \`logits\` are the network's
pre-softmax outputs (\`log p\` of \`model.json\`'s probabilities, up to a constant per name, which the
softmax cancels) and \`scores\` = bias + the sum of the kernel rows of the name's distinct n-grams:
the sequences of \`minN\` to \`maxN\` ids of \`[0, ...ids, 0]\`, written as ids joined by \`.\` (\`"0.28.3"\`
is the start of a name beginning with the ids 28, 3); n-grams not in \`grams\` add nothing.
`;

/** The README written beside an exported 'model.json'. @internal */
export function layersExportReadme(cell: string, labels: number, ngram: boolean): string {
  return `# charrnn model (tfjs-layers format)

A character-level name classifier exported by \`charrnn export --format layers\`: a ${cell}
network over ${labels} labels${ngram ? ' with an n-gram head' : ''}. It runs with TensorFlow.js alone:

\`\`\`sh
npm i @tensorflow/tfjs-core @tensorflow/tfjs-layers @tensorflow/tfjs-backend-cpu
node predict.mjs Nguyen Schmidt
node predict.mjs --json --top 5 Nguyen
\`\`\`

## Files

- \`model.json\` + weights: a tfjs-layers \`Sequential\` model, Embedding(mask_zero) → recurrent
  layer(s) → Dense(softmax); \`tf.loadLayersModel\` loads it. Input: right-padded int32 token ids
  \`[names, length]\`; output: the probability of each label, in \`labels.json\` order.
- \`tokenizer.json\`: how a name becomes token ids (below). \`labels.json\`: label of each output.
- \`predict.mjs\`: the whole recipe in code; \`import { classify, encode } from './predict.mjs'\`.
${ngram ? FILES_NGRAM : ''}
## Encoding a name exactly as charrnn does

1. Normalize by \`tokenizer.json\`'s \`normalization\`: \`"ascii-fold"\`: Unicode NFD, remove combining
   marks (\`\\p{M}\`), then remove every character that is not one of \`symbols\` (the PyTorch names
   tutorial's \`unicodeToAscii\`); \`"unicode"\`: Unicode NFC.
2. Split into code points; symbol \`symbols[k]\` has id \`k + 2\`; any other character is UNK (id 1).
   Id 0 is PAD.
3. When \`maxLength\` is set, keep the first \`maxLength\` ids.
4. Batch: pad each row on the right with 0 to the longest row (the Embedding masks id 0, so padding
   never changes a prediction). An empty name is one PAD.
${ngram ? MIX : ''}`;
}

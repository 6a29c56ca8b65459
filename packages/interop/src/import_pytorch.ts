import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, InvalidBundleError, Rng } from '@charrnn/core';
import { CharClassifier, NgramHead } from '@charrnn/layers';
import type { CellType, ClassifierConfig } from '@charrnn/layers';
import type { Tokenizer } from '@charrnn/tokenizer';
import type { StateDict, StateTensor } from './state_dict.js';
import { reorderBlocks, torchGates, torchToKeras } from './torch_layout.js';
import { vocabularyTokenizer } from './torch_vocabulary.js';
import type { TorchVocabulary } from './torch_vocabulary.js';

/**
 * Architecture of a PyTorch classifier: `'tutorial'` is the names tutorial's module
 * (`embedding`, `i2h` on `cat(embedding, hidden)`, tanh, `h2o` on the last hidden state);
 * `'rnn'`, `'lstm'`, `'gru'` are `nn.Embedding → nn.RNN | nn.LSTM | nn.GRU → nn.Linear` on the
 * last layer's final state `h_n[-1]` (both directions concatenated when bidirectional).
 */
export type TorchArch = 'tutorial' | 'rnn' | 'lstm' | 'gru';

/**
 * Module paths (parameter-name prefixes, as in `state_dict()` keys without `.weight`) of the
 * parts of a PyTorch classifier, for models whose parts the importer cannot find by shape alone.
 * Standard models use `embedding`, `rnn`, `linear`; the tutorial's `embedding`, `i2h`, `h2o`.
 */
export interface TorchModuleMap {
  /** The `nn.Embedding` (its `<path>.weight` is read). */
  embedding?: string;
  /** The `nn.RNN` / `nn.LSTM` / `nn.GRU` (its `<path>.weight_ih_l0`... are read). */
  rnn?: string;
  /** The output `nn.Linear`. */
  linear?: string;
  /** Tutorial: the `nn.Linear` from `cat(embedding, hidden)` to the next hidden state. */
  i2h?: string;
  /** Tutorial: the `nn.Linear` from the last hidden state to the class scores. */
  h2o?: string;
}

/** Options of {@link importTorchClassifier}. */
export interface TorchImportOptions {
  /** How the model's token ids map to text: a vocabulary, or one made from the embedding's row count. */
  vocabulary: TorchVocabulary | ((rows: number) => TorchVocabulary);
  /** The architecture; found from the parameter names when absent (`weight_ih_l0` → standard). */
  arch?: TorchArch;
  /** Label of each output; default `'0'`, `'1'`... */
  labels?: readonly string[];
  /** Where the parts are, when their names or shapes are ambiguous. */
  map?: TorchModuleMap;
  /** The file the state dict came from, for error messages. */
  file?: string;
  /**
   * How a bidirectional model merges its directions (into the next layer and the linear layer):
   * `'concat'` (default: what `nn.RNN`/`nn.LSTM`/`nn.GRU` do between layers) or `'sum'`.
   */
  merge?: 'concat' | 'sum';
  /**
   * GRU only: the reset gate applies after the recurrent product (`nn.GRU`, default true).
   * `false` reads a GRU in the Keras 2 form that `charrnn export --format pytorch` writes for
   * such models (`n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)`).
   */
  gruResetAfter?: boolean;
  /**
   * LSTM / GRU gate activation, `'sigmoid'` (default: nn.LSTM, nn.GRU) or `'hard_sigmoid'` (as a
   * `charrnn export --format pytorch` of a tfjs-layers-default model records it).
   */
  recurrentActivation?: 'sigmoid' | 'hard_sigmoid';
  /**
   * The JSON part of an n-gram head (`NgramHead.toJSON()`) whose weights are `ngram.weight`
   * `[grams, classes]` and `ngram.bias`: the head is rebuilt and attached, as in a
   * `charrnn export --format pytorch` directory.
   */
  ngramHead?: unknown;
}

/** What {@link importTorchClassifier} read, for a report to the user. */
export interface TorchImportReport {
  /** The architecture mapped. */
  arch: TorchArch;
  /** The parameter names read, in the order they were mapped. */
  used: string[];
  /** Embedding rows of symbols the tokenizer's normalization can never produce (left out). */
  droppedVocabularyRows: number[];
}

/** A model brought into charrnn, with everything a bundle needs. */
export interface ImportedClassifier {
  /** The classifier, computing what the foreign model computes. */
  model: CharClassifier;
  /** The tokenizer whose ids the model reads. */
  tokenizer: Tokenizer;
  /** Label of each output. */
  labels: string[];
  /** What was read. */
  report: TorchImportReport;
}

/**
 * Maps a PyTorch classifier's state dict (from `readStateDict`) onto a charrnn
 * `CharClassifier` that computes the same probabilities, and the tokenizer that feeds it
 * the same token ids:
 *
 * - tutorial: `E` = `embedding.weight`; `i2h.weight` `[H, E + H]` splits into the input kernel
 *   (its first E columns) and the recurrent kernel; cell `'rnn'` (`h = tanh(x·Wx + h·Wh + b)`);
 *   `h2o` is the dense layer.
 * - standard: per layer `k` and direction, `weight_ih_l{k}[_reverse]`ᵀ, `weight_hh_l{k}`ᵀ and
 *   the biases; LSTM gates i, f, g, o are Keras' i, f, c, o (biases summed); GRU gates r, z, n
 *   are reordered to z, r, h with `resetAfter` and both biases kept (`[2, 3H]`); RNN biases
 *   summed. `batch_first` changes no weight. `nn.RNN(nonlinearity='relu')` and LSTM `proj_size`
 *   cannot be told from (or are not) tanh cells: the first is assumed absent, the second refused.
 *
 * Every parameter must be used: a state dict with other parameters (a module charrnn's classifier
 * has no counterpart for) is refused rather than imported as a different model.
 *
 * @throws InvalidBundleError naming the file and parameter when a shape does not fit;
 *   InvalidArgumentError when the parts cannot be found or the options disagree with the weights
 */
export function importTorchClassifier(state: StateDict, options: TorchImportOptions): ImportedClassifier {
  const file = options.file ?? 'state_dict';
  const map = options.map ?? {};
  const used: string[] = [];
  const bad = (field: string, message: string): never => {
    throw new InvalidBundleError(message, { file, field });
  };
  const get = (name: string, shape?: number[]): StateTensor => {
    const tensor = state.get(name);
    if (tensor === undefined) return bad(name, 'is missing');
    if (
      shape !== undefined &&
      (tensor.shape.length !== shape.length || tensor.shape.some((d, i) => d !== shape[i]))
    )
      bad(name, `has shape [${tensor.shape.join(', ')}], expected [${shape.join(', ')}]`);
    if (!used.includes(name)) used.push(name);
    return tensor;
  };
  const names = [...state.keys()];
  const rnnPrefixes = new Set(
    names.map((n) => /^(.*?)weight_ih_l0$/.exec(n)?.[1]).filter((p): p is string => p !== undefined),
  );
  const arch: TorchArch =
    options.arch ?? (rnnPrefixes.size > 0 || map.rnn !== undefined ? guessCell() : 'tutorial');

  function guessCell(): TorchArch {
    const prefix = rnnPrefix();
    const ih = state.get(`${prefix}weight_ih_l0`);
    const hh = state.get(`${prefix}weight_hh_l0`);
    if (ih === undefined || hh === undefined || ih.shape.length !== 2 || hh.shape.length !== 2)
      return bad(`${prefix}weight_hh_l0`, 'weight_ih_l0 and weight_hh_l0 must be matrices');
    const gates = (ih.shape[0] as number) / (hh.shape[1] as number);
    const cell = gates === 1 ? 'rnn' : gates === 4 ? 'lstm' : gates === 3 ? 'gru' : undefined;
    if (cell === undefined)
      return bad(
        `${prefix}weight_ih_l0`,
        `has ${ih.shape[0]} rows for hidden size ${hh.shape[1]}: not an RNN, LSTM or GRU`,
      );
    return cell;
  }
  function rnnPrefix(): string {
    if (map.rnn !== undefined) return map.rnn === '' ? '' : `${map.rnn}.`;
    if (rnnPrefixes.size !== 1)
      throw new InvalidArgumentError(
        rnnPrefixes.size === 0
          ? 'no recurrent module (no weight_ih_l0 parameter)'
          : `several recurrent modules (${[...rnnPrefixes].map((p) => p.slice(0, -1)).join(', ')}): name one with "rnn" in --map`,
        { file, field: '--map' },
      );
    return [...rnnPrefixes][0] as string;
  }
  /** The one parameter `<path>.weight` that `test` accepts (or the mapped one). */
  const findWeight = (
    role: keyof TorchModuleMap,
    test: (name: string, t: StateTensor) => boolean,
  ): string => {
    const mapped = map[role];
    if (mapped !== undefined) return mapped === '' ? 'weight' : `${mapped}.weight`;
    const found = names.filter(
      (n) =>
        (n === 'weight' || n.endsWith('.weight')) &&
        !used.includes(n) &&
        test(n, state.get(n) as StateTensor),
    );
    if (found.length !== 1)
      throw new InvalidArgumentError(
        found.length === 0
          ? `no parameter fits the ${role} (see the shapes in the file); name its module with "${role}" in --map`
          : `several parameters fit the ${role} (${found.join(', ')}); name its module with "${role}" in --map`,
        { file, field: '--map' },
      );
    return found[0] as string;
  };
  const biasOf = (weight: string): string => `${weight.slice(0, -'weight'.length)}bias`;

  const values: Float32Array[] = [];
  let config: ClassifierConfig;
  let embedding: StateTensor;
  let vocabRows: number;
  let mapping: ReturnType<typeof vocabularyTokenizer>;
  const vocabularyFor = (rows: number): TorchVocabulary =>
    typeof options.vocabulary === 'function' ? options.vocabulary(rows) : options.vocabulary;

  if (arch === 'tutorial') {
    // i2h: [H, E + H]; h2o: [C, H]; embedding: [V, E].
    // i2h is the Linear [H, E + H] (with a bias [H]) beside an embedding [V, E] (no bias).
    const isEmbedding = (n: string, width: number): boolean =>
      state.get(n)?.shape.length === 2 && state.get(n)?.shape[1] === width && !state.has(biasOf(n));
    const i2hName = findWeight('i2h', (n, t) => {
      const [H, In] = t.shape as [number, number];
      return (
        t.shape.length === 2 &&
        In > H &&
        state.get(biasOf(n))?.shape[0] === H &&
        names.some((e) => e !== n && isEmbedding(e, In - H))
      );
    });
    const i2h = get(i2hName);
    if (i2h.shape.length !== 2) bad(i2hName, 'must be a matrix');
    const H = i2h.shape[0] as number;
    const E = (i2h.shape[1] as number) - H;
    if (E < 1) bad(i2hName, `has ${i2h.shape[1]} columns: not cat(embedding, hidden) for hidden size ${H}`);
    const embeddingName = findWeight('embedding', (n) => isEmbedding(n, E));
    embedding = get(embeddingName);
    if (embedding.shape.length !== 2 || embedding.shape[1] !== E) bad(embeddingName, `must be [rows, ${E}]`);
    const i2hBias = get(biasOf(i2hName), [H]);
    const h2oName = findWeight(
      'h2o',
      (n, t) => t.shape.length === 2 && t.shape[1] === H && state.has(biasOf(n)),
    );
    const h2o = get(h2oName);
    if (h2o.shape.length !== 2 || h2o.shape[1] !== H) bad(h2oName, `must be [classes, ${H}]`);
    const C = h2o.shape[0] as number;
    const h2oBias = get(biasOf(h2oName), [C]);
    vocabRows = embedding.shape[0] as number;
    mapping = vocabularyTokenizer(vocabularyFor(vocabRows));
    config = {
      cell: 'rnn',
      vocabSize: mapping.tokenizer.vocabSize,
      embedDim: E,
      hiddenSize: H,
      numClasses: C,
    };
    // i2h.weight = [Wxᵀ | Whᵀ]: transposed, its first E rows are Wx, the next H rows Wh.
    const both = torchToKeras(i2h.values, H, E + H, [0]);
    values.push(embeddingTable(), both.slice(0, E * H), both.slice(E * H), i2hBias.values.slice());
    values.push(torchToKeras(h2o.values, C, H, [0]), h2oBias.values.slice());
  } else {
    const prefix = rnnPrefix();
    const gates = torchGates(arch);
    const ih0Name = `${prefix}weight_ih_l0`;
    const ih0 = get(ih0Name);
    const hh0 = state.get(`${prefix}weight_hh_l0`);
    if (ih0.shape.length !== 2 || hh0 === undefined || hh0.shape.length !== 2)
      return bad(`${prefix}weight_hh_l0`, 'weight_ih_l0 and weight_hh_l0 must be matrices');
    const H = hh0.shape[1] as number;
    if (ih0.shape[0] !== gates.count * H)
      bad(
        ih0Name,
        `has ${ih0.shape[0]} rows: a ${arch.toUpperCase()} of hidden size ${H} has ${gates.count * H} (is --arch right?)`,
      );
    if (names.some((n) => n.startsWith(`${prefix}weight_hr_l`)))
      bad(`${prefix}weight_hr_l0`, 'LSTM proj_size is not supported');
    const E = ih0.shape[1] as number;
    let layers = 0;
    while (state.has(`${prefix}weight_ih_l${layers}`)) layers++;
    const bidirectional = state.has(`${prefix}weight_ih_l0_reverse`);
    const merge = options.merge ?? 'concat';
    const resetAfter = arch === 'gru' && options.gruResetAfter !== false;
    const out = bidirectional && merge === 'concat' ? 2 * H : H;
    const linearName = findWeight(
      'linear',
      (n, t) => t.shape.length === 2 && t.shape[1] === out && state.has(biasOf(n)) && !n.startsWith(prefix),
    );
    const linear = get(linearName);
    if (linear.shape.length !== 2 || linear.shape[1] !== out) bad(linearName, `must be [classes, ${out}]`);
    const C = linear.shape[0] as number;
    const linearBias = get(biasOf(linearName), [C]);
    const embeddingName = findWeight(
      'embedding',
      (n, t) => t.shape.length === 2 && t.shape[1] === E && !state.has(biasOf(n)) && !n.startsWith(prefix),
    );
    embedding = get(embeddingName);
    if (embedding.shape.length !== 2 || embedding.shape[1] !== E) bad(embeddingName, `must be [rows, ${E}]`);
    vocabRows = embedding.shape[0] as number;
    mapping = vocabularyTokenizer(vocabularyFor(vocabRows));
    config = {
      cell: arch satisfies CellType,
      vocabSize: mapping.tokenizer.vocabSize,
      embedDim: E,
      hiddenSize: H,
      numClasses: C,
      ...(layers > 1 ? { layers } : {}),
      ...(bidirectional ? { bidirectional: merge } : {}),
      ...(resetAfter ? { resetAfter: true } : {}),
      ...(options.recurrentActivation === 'hard_sigmoid' && arch !== 'rnn'
        ? { recurrentActivation: 'hard_sigmoid' as const }
        : {}),
    };
    values.push(embeddingTable());
    const G = gates.count * H;
    for (let k = 0; k < layers; k++) {
      for (const suffix of bidirectional ? ['', '_reverse'] : ['']) {
        const input = k === 0 ? E : out;
        const ih = get(`${prefix}weight_ih_l${k}${suffix}`, [G, input]);
        const hh = get(`${prefix}weight_hh_l${k}${suffix}`, [G, H]);
        const biasIh = state.has(`${prefix}bias_ih_l${k}${suffix}`)
          ? get(`${prefix}bias_ih_l${k}${suffix}`, [G]).values
          : new Float32Array(G);
        const biasHh = state.has(`${prefix}bias_hh_l${k}${suffix}`)
          ? get(`${prefix}bias_hh_l${k}${suffix}`, [G]).values
          : new Float32Array(G);
        values.push(
          torchToKeras(ih.values, G, input, gates.order),
          torchToKeras(hh.values, G, H, gates.order),
        );
        if (resetAfter) {
          const bias = new Float32Array(2 * G);
          bias.set(reorderBlocks(biasIh, gates.order));
          bias.set(reorderBlocks(biasHh, gates.order), G);
          values.push(bias);
        } else {
          const ri = reorderBlocks(biasIh, gates.order);
          const rh = reorderBlocks(biasHh, gates.order);
          values.push(ri.map((v, i) => v + (rh[i] as number)));
        }
      }
    }
    values.push(torchToKeras(linear.values, C, out, [0]), linearBias.values.slice());
  }

  let head: NgramHead | undefined;
  if (options.ngramHead !== undefined) {
    const C = config.numClasses;
    const bias = get('ngram.bias', [C]);
    const kernel = get('ngram.weight');
    if (kernel.shape.length !== 2 || kernel.shape[1] !== C) bad('ngram.weight', `must be [grams, ${C}]`);
    head = NgramHead.fromJSON(options.ngramHead, { kernel: kernel.values, bias: bias.values }, 'ngram');
  }
  const unused = names.filter((n) => !used.includes(n));
  if (unused.length > 0)
    throw new InvalidArgumentError(
      `the state dict has parameters a ${arch} classifier does not use: ${unused.slice(0, 10).join(', ')}${unused.length > 10 ? ` and ${unused.length - 10} more` : ''} (another architecture? see --arch and --map)`,
      { file, field: '--arch' },
    );
  const labels =
    options.labels === undefined
      ? Array.from({ length: config.numClasses }, (_, i) => String(i))
      : [...options.labels];
  if (labels.length !== config.numClasses)
    throw new InvalidArgumentError(
      `${labels.length} labels given, the model has ${config.numClasses} outputs`,
      { field: '--labels' },
    );
  const model = CharClassifier.create(config, new Rng(0));
  model.setNgramHead(head);
  model.trainableWeights.forEach((variable, i) => {
    const value = values[i] as Float32Array;
    tf.tidy(() => variable.assign(tf.tensor(value, variable.shape)));
  });
  return {
    model,
    tokenizer: mapping.tokenizer,
    labels,
    report: { arch, used, droppedVocabularyRows: mapping.droppedRows },
  };

  /** charrnn's embedding table: each charrnn id's row copied from the foreign row behind it. */
  function embeddingTable(): Float32Array {
    const E = embedding.shape[1] as number;
    const table = new Float32Array(mapping.sourceRows.length * E);
    mapping.sourceRows.forEach((row, id) => {
      if (row >= vocabRows)
        bad('--alphabet', `the vocabulary has more rows than the embedding's ${vocabRows}`);
      if (row >= 0) table.set(embedding.values.subarray(row * E, (row + 1) * E), id * E);
    });
    return table;
  }
}

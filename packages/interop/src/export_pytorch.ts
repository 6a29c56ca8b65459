import { InvalidArgumentError } from '@charrnn/core';
import type { CharClassifier } from '@charrnn/layers';
import { Tokenizer } from '@charrnn/tokenizer';
import type { TorchImportOptions } from './import_pytorch.js';
import { tokenizerVocabulary } from './torch_vocabulary.js';
import { writeSafetensors } from './safetensors.js';
import type { Float32Tensor } from './safetensors.js';
import { kerasToTorch, reorderBlocks, torchGates } from './torch_layout.js';
import { TORCH_MODEL_PY } from './torch_model_py.js';

/** `config.json` of a PyTorch export (what `model.py` builds its module from). */
export interface TorchExportConfig {
  /** Always `'charrnn-pytorch'`. */
  format: 'charrnn-pytorch';
  /** Version of this layout; always 1. */
  version: 1;
  /** The architecture, in `model.py`'s terms. */
  model: {
    /** `'rnn'` (charrnn's rnn and simple cells), `'lstm'` or `'gru'`. */
    cell: 'rnn' | 'lstm' | 'gru';
    /** Embedding rows: charrnn's token ids (PAD 0, UNK 1, symbols). */
    vocab_size: number;
    /** Embedding width. */
    embed_dim: number;
    /** Recurrent state width per direction. */
    hidden_size: number;
    /** Outputs (labels). */
    num_classes: number;
    /** Stacked recurrent layers. */
    num_layers: number;
    /** How the two directions merge; null for one direction. */
    merge: 'concat' | 'sum' | null;
    /** GRU: reset gate after the recurrent product (nn.GRU's form). */
    reset_after: boolean;
    /** LSTM / GRU gate activation: `'sigmoid'` (nn.LSTM / nn.GRU) or `'hard_sigmoid'` (clip(0.2·a + 0.5, 0, 1)). */
    recurrent_activation: 'sigmoid' | 'hard_sigmoid';
  };
  /** charrnn's tokenizer JSON (`Tokenizer.toJSON()`). */
  tokenizer: object;
  /** The n-gram head's JSON (`NgramHead.toJSON()`; weights `ngram.weight`, `ngram.bias`), or null. */
  ngram: object | null;
}

/**
 * A charrnn classifier as a PyTorch model directory, file name → bytes:
 * - `model.safetensors`: `embedding.weight` `[V, E]`; `rnn.weight_ih_l{k}[_reverse]`,
 *   `rnn.weight_hh_l{k}…`, `rnn.bias_ih_l{k}…`, `rnn.bias_hh_l{k}…` named, shaped and gate-ordered
 *   as `nn.RNN` / `nn.LSTM` / `nn.GRU` (i, f, g, o; r, z, n); `fc.weight` `[C, out]`, `fc.bias`;
 *   with an n-gram head `ngram.weight` `[grams, C]` and `ngram.bias`. charrnn's single biases go
 *   to `bias_ih` (`bias_hh` zero); a reset-after GRU keeps both.
 * - `model.py`: a plain `nn.Module` with `load(dir)` and `predict(names)` that folds and encodes
 *   names as charrnn does and mixes the n-gram head in.
 * - `config.json` ({@link TorchExportConfig}) and `labels.json`.
 *
 * `import --from pytorch <dir>` reads such a directory back.
 * @throws InvalidArgumentError when the labels do not match the model's outputs
 */
export function exportTorchClassifier(
  model: CharClassifier,
  tokenizer: Tokenizer,
  labels: readonly string[],
): Record<string, Uint8Array> {
  const { config } = model;
  if (labels.length !== config.numClasses)
    throw new InvalidArgumentError(`${labels.length} labels for ${config.numClasses} outputs`, {
      field: 'labels',
    });
  const cell = config.cell === 'lstm' || config.cell === 'gru' ? config.cell : 'rnn';
  const gates = torchGates(config.cell);
  const H = config.hiddenSize;
  const G = gates.count * H;
  const directions = config.bidirectional === undefined ? 1 : 2;
  const out = config.bidirectional === 'concat' ? 2 * H : H;
  const resetAfter = config.cell === 'gru' && config.resetAfter === true;
  const values = model.trainableWeights.map((w) => w.dataSync() as Float32Array);
  const tensors = new Map<string, Float32Tensor>();
  let w = 0;
  const next = (): Float32Array => values[w++] as Float32Array;
  tensors.set('embedding.weight', { shape: [config.vocabSize, config.embedDim], values: next() });
  for (let k = 0; k < (config.layers ?? 1); k++) {
    for (let d = 0; d < directions; d++) {
      const suffix = `_l${k}${d === 1 ? '_reverse' : ''}`;
      const input = k === 0 ? config.embedDim : out;
      const [W, U, b] = [next(), next(), next()];
      tensors.set(`rnn.weight_ih${suffix}`, {
        shape: [G, input],
        values: kerasToTorch(W, input, G, gates.order),
      });
      tensors.set(`rnn.weight_hh${suffix}`, { shape: [G, H], values: kerasToTorch(U, H, G, gates.order) });
      tensors.set(`rnn.bias_ih${suffix}`, {
        shape: [G],
        values: reorderBlocks(b.subarray(0, G), gates.order),
      });
      tensors.set(`rnn.bias_hh${suffix}`, {
        shape: [G],
        values: resetAfter ? reorderBlocks(b.subarray(G, 2 * G), gates.order) : new Float32Array(G),
      });
    }
  }
  const C = config.numClasses;
  tensors.set('fc.weight', { shape: [C, out], values: kerasToTorch(next(), out, C, [0]) });
  tensors.set('fc.bias', { shape: [C], values: next() });
  const head = model.ngramHead;
  if (head !== undefined) {
    tensors.set('ngram.weight', { shape: [head.size, C], values: head.kernel });
    tensors.set('ngram.bias', { shape: [C], values: head.bias });
  }
  const exportConfig: TorchExportConfig = {
    format: 'charrnn-pytorch',
    version: 1,
    model: {
      cell,
      vocab_size: config.vocabSize,
      embed_dim: config.embedDim,
      hidden_size: H,
      num_classes: C,
      num_layers: config.layers ?? 1,
      merge: config.bidirectional ?? null,
      reset_after: resetAfter,
      recurrent_activation: config.recurrentActivation ?? 'sigmoid',
    },
    tokenizer: tokenizer.toJSON(),
    ngram: head === undefined ? null : head.toJSON(),
  };
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  return {
    'model.safetensors': writeSafetensors(tensors, { format: 'pt', producer: 'charrnn' }),
    'model.py': text(TORCH_MODEL_PY),
    'config.json': text(`${JSON.stringify(exportConfig, null, 2)}\n`),
    'labels.json': text(`${JSON.stringify(labels)}\n`),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The import options that read a {@link exportTorchClassifier} directory back: its
 * `config.json` (parsed) and `labels.json` (parsed).
 * @throws InvalidArgumentError naming `file` and the field
 */
export function torchExportImportOptions(
  config: unknown,
  labels: unknown,
  file = 'config.json',
): Omit<TorchImportOptions, 'file'> {
  const fail = (field: string, message: string): never => {
    throw new InvalidArgumentError(message, { file, field });
  };
  if (!isRecord(config) || config['format'] !== 'charrnn-pytorch')
    return fail('format', 'must be "charrnn-pytorch"');
  if (config['version'] !== 1) fail('version', `unsupported version ${JSON.stringify(config['version'])}`);
  const m = config['model'];
  if (!isRecord(m)) return fail('model', 'must be an object');
  const cell = m['cell'];
  if (cell !== 'rnn' && cell !== 'lstm' && cell !== 'gru')
    return fail('model.cell', 'must be rnn, lstm or gru');
  const merge = m['merge'];
  if (merge !== null && merge !== 'concat' && merge !== 'sum')
    fail('model.merge', 'must be null, "concat" or "sum"');
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string'))
    fail('labels.json', 'must be an array of strings');
  let tokenizer: Tokenizer;
  try {
    tokenizer = Tokenizer.fromJSON(config['tokenizer']);
  } catch (error) {
    return fail('tokenizer', (error as Error).message);
  }
  return {
    arch: cell,
    vocabulary: tokenizerVocabulary(tokenizer),
    labels: labels as string[],
    merge: merge === 'sum' ? 'sum' : 'concat',
    gruResetAfter: m['reset_after'] !== false,
    ...(m['recurrent_activation'] === 'hard_sigmoid' ? { recurrentActivation: 'hard_sigmoid' as const } : {}),
    ...(config['ngram'] === null || config['ngram'] === undefined ? {} : { ngramHead: config['ngram'] }),
  };
}

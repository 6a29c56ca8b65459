import type { CharClassifier, NgramHead } from '@charrnn/layers';
import type { Tokenizer } from '@charrnn/tokenizer';
import { encodeOnnxModel, ONNX_FLOAT, ONNX_INT64 } from './onnx_proto.js';
import type { OnnxAttribute, OnnxNode, OnnxTensor } from './onnx_proto.js';
import { kerasToTorch, reorderBlocks } from './torch_layout.js';

/** ONNX gate order per cell, as blocks of charrnn's (Keras) layout: LSTM i, o, f, c; GRU z, r, h. */
function onnxGates(cell: string): number[] {
  if (cell === 'lstm') return [0, 3, 1, 2];
  if (cell === 'gru') return [0, 1, 2];
  return [0];
}

const ONNX_OP: Record<string, string> = { rnn: 'RNN', simple: 'RNN', lstm: 'LSTM', gru: 'GRU' };

/** Builds the node list, naming intermediate values. */
class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private count = 0;

  op(
    op: string,
    inputs: readonly string[],
    attributes: Record<string, OnnxAttribute> = {},
    outputs = 1,
    domain?: string,
  ): string[] {
    const names = Array.from({ length: outputs }, () => `t${this.count++}`);
    this.nodes.push({ op, inputs, outputs: names, attributes, ...(domain === undefined ? {} : { domain }) });
    return names;
  }

  one(
    op: string,
    inputs: readonly string[],
    attributes: Record<string, OnnxAttribute> = {},
    domain?: string,
  ): string {
    return this.op(op, inputs, attributes, 1, domain)[0] as string;
  }

  /** Names the node's single output `name` (a graph output). */
  named(
    name: string,
    op: string,
    inputs: readonly string[],
    attributes: Record<string, OnnxAttribute> = {},
  ): string {
    this.nodes.push({ op, inputs, outputs: [name], attributes });
    return name;
  }

  float(name: string, dims: number[], values: Float32Array): string {
    this.initializers.push({ name, dims, values });
    return name;
  }

  int64(name: string, values: readonly (number | bigint)[]): string {
    this.initializers.push({
      name,
      dims: [values.length],
      values: BigInt64Array.from(values.map((v) => BigInt(v))),
    });
    return name;
  }

  scalarInt64(name: string, value: number): string {
    this.initializers.push({ name, dims: [], values: BigInt64Array.of(BigInt(value)) });
    return name;
  }
}

/**
 * The n-gram head as ONNX ops: the name's ids with a 0 before and after, every n-gram of minN to
 * maxN ids looked up by walking a trie of the head's n-grams with `ai.onnx.ml.LabelEncoder`
 * (key `node · V + id` → child node), each found n-gram's row set once in a multi-hot vector
 * (ScatterElements with reduction `max`: distinct n-grams, as charrnn counts them), and the
 * scores = multi-hot · kernel + bias.
 */
function ngramScores(
  g: GraphBuilder,
  head: NgramHead,
  grams: readonly string[],
  vocab: number,
  ids: string,
  lengths64: string,
): string {
  const G = head.size;
  const C = head.numClasses;
  // The trie of all n-grams (their prefixes included): node 0 is the root.
  const child = new Map<string, number>();
  const rowOfNode = new Map<number, number>();
  let nodes = 1;
  grams.forEach((gram, row) => {
    let node = 0;
    for (const token of gram.split('.').map(Number)) {
      const key = `${node}.${token}`;
      let next = child.get(key);
      if (next === undefined) {
        next = nodes++;
        child.set(key, next);
      }
      node = next;
    }
    rowOfNode.set(node, row);
  });
  const keys: bigint[] = [];
  const values: bigint[] = [];
  for (const [key, node] of child) {
    const [parent, token] = key.split('.').map(Number) as [number, number];
    keys.push(BigInt(parent) * BigInt(vocab) + BigInt(token));
    values.push(BigInt(node));
  }
  // ext = [0, ids..., 0 × maxN]: positions 0..P−1 (P = T + 2) start the n-grams.
  const ext = g.one('Pad', [ids, g.int64('ngram_pads', [0, 1, 0, head.maxN])]);
  const T = g.one('Gather', [g.one('Shape', [ids]), g.scalarInt64('one_index', 1)], {
    axis: { type: 'int', value: 0 },
  });
  const P = g.one('Add', [T, g.scalarInt64('two', 2)]);
  const positions = g.one('Range', [g.scalarInt64('zero', 0), P, g.scalarInt64('step', 1)]); // [P]
  const limit = g.one('Unsqueeze', [
    g.one('Add', [lengths64, g.scalarInt64('two_b', 2)]),
    g.int64('axis1', [1]),
  ]); // [B, 1]
  const V = g.scalarInt64('ngram_vocab', vocab);
  const missing = g.scalarInt64('ngram_missing', G);
  let node = g.one('Mul', [
    g.one('Slice', [
      ext,
      g.int64('s0', [0]),
      g.one('Unsqueeze', [P, g.int64('axis0', [0])]),
      g.int64('ax1', [1]),
    ]),
    g.scalarInt64('zero_mul', 0),
  ]);
  const rows: string[] = [];
  for (let n = 1; n <= head.maxN; n++) {
    const start = g.int64(`ngram_start_${n}`, [n - 1]);
    const end = g.one('Unsqueeze', [
      g.one('Add', [P, g.scalarInt64(`ngram_shift_${n}`, n - 1)]),
      g.int64(`ngram_axis_${n}`, [0]),
    ]);
    const token = g.one('Slice', [ext, start, end, g.int64(`ngram_slice_axis_${n}`, [1])]); // ext[i + n − 1]
    node = g.one(
      'LabelEncoder',
      [g.one('Add', [g.one('Mul', [node, V]), token])],
      {
        keys_int64s: { type: 'ints', value: keys },
        values_int64s: { type: 'ints', value: values },
        default_int64: { type: 'int', value: -1 },
      },
      'ai.onnx.ml',
    );
    if (n < head.minN) continue;
    const nodeKeys = [...rowOfNode.keys()].map(BigInt);
    const row = g.one(
      'LabelEncoder',
      [node],
      {
        keys_int64s: { type: 'ints', value: nodeKeys },
        values_int64s: { type: 'ints', value: [...rowOfNode.values()].map(BigInt) },
        default_int64: { type: 'int', value: G },
      },
      'ai.onnx.ml',
    );
    // Only n-grams inside [0, name, 0]: i + n ≤ length + 2.
    const inside = g.one('LessOrEqual', [g.one('Add', [positions, g.scalarInt64(`ngram_n_${n}`, n)]), limit]);
    rows.push(g.one('Where', [inside, row, missing]));
  }
  const indices =
    rows.length === 1 ? (rows[0] as string) : g.one('Concat', rows, { axis: { type: 'int', value: 1 } });
  const batch = g.one('Slice', [g.one('Shape', [ids]), g.int64('b0', [0]), g.int64('b1', [1])]);
  const hotShape = g.one('Concat', [batch, g.int64('ngram_width', [G + 1])], {
    axis: { type: 'int', value: 0 },
  });
  const zeros = g.one('ConstantOfShape', [hotShape], {
    value: { type: 'tensor', value: { name: 'zero_f', dims: [1], values: Float32Array.of(0) } },
  });
  const ones = g.one('ConstantOfShape', [g.one('Shape', [indices])], {
    value: { type: 'tensor', value: { name: 'one_f', dims: [1], values: Float32Array.of(1) } },
  });
  const hot = g.one('ScatterElements', [zeros, indices, ones], {
    axis: { type: 'int', value: 1 },
    reduction: { type: 'string', value: 'max' },
  });
  const used = g.one('Slice', [hot, g.int64('h0', [0]), g.int64('h1', [G]), g.int64('h2', [1])]);
  const kernel = g.float('ngram_kernel', [G, C], head.kernel);
  return g.one('Add', [g.one('MatMul', [used, kernel]), g.float('ngram_bias', [C], head.bias)]);
}

/**
 * A charrnn classifier as an ONNX model (opset 18, with `ai.onnx.ml` 3 for the n-gram head's
 * lookups), runnable with ONNX Runtime:
 *
 * - input `ids`: int64 `[batch, length]`, token ids right-padded with 0 (PAD), as charrnn's
 *   tokenizer encodes names (the lengths are the counts of non-zero ids);
 * - outputs `logits` `[batch, classes]` (with the n-gram head mixed in:
 *   `rnnScale · network + scores`) and `probabilities` (their softmax).
 *
 * Embedding = Gather; each recurrent layer is one ONNX `RNN` / `LSTM` / `GRU` node (forward or
 * bidirectional, `sequence_lens` from the ids, so the backward direction starts at each name's last
 * character; `linear_before_reset` for a reset-after GRU); directions merged by concat or sum;
 * MatMul + Add for the dense layer. An empty name gives the dense layer's bias, as in charrnn.
 */
export function exportOnnxClassifier(
  model: CharClassifier,
  tokenizer: Tokenizer,
  labels: readonly string[],
): Uint8Array {
  const { config } = model;
  const g = new GraphBuilder();
  const values = model.trainableWeights.map((w) => w.dataSync() as Float32Array);
  let w = 0;
  const next = (): Float32Array => values[w++] as Float32Array;
  const H = config.hiddenSize;
  const gates = onnxGates(config.cell);
  const G = gates.length * H;
  const directions = config.bidirectional === undefined ? 1 : 2;
  const out = config.bidirectional === 'concat' ? 2 * H : H;
  const resetAfter = config.cell === 'gru' && config.resetAfter === true;

  const ids = 'ids';
  const nonPad = g.one('Cast', [g.one('Not', [g.one('Equal', [ids, g.scalarInt64('pad', 0)])])], {
    to: { type: 'int', value: 7 },
  });
  const lengths64 = g.one('ReduceSum', [nonPad, g.int64('len_axes', [1])], {
    keepdims: { type: 'int', value: 0 },
  });
  // ONNX recurrent ops want lengths ≥ 1: an empty name runs one PAD step, its result is zeroed below.
  const seqLens = g.one('Cast', [g.one('Max', [lengths64, g.scalarInt64('min_len', 1)])], {
    to: { type: 'int', value: 6 },
  });
  const embedded = g.one('Gather', [g.float('embedding', [config.vocabSize, config.embedDim], next()), ids]);
  let x = g.one('Transpose', [embedded], { perm: { type: 'ints', value: [1, 0, 2] } }); // [T, B, E]
  let last = '';
  for (let k = 0; k < (config.layers ?? 1); k++) {
    const input = k === 0 ? config.embedDim : out;
    const W = new Float32Array(directions * G * input);
    const R = new Float32Array(directions * G * H);
    const B = new Float32Array(directions * 2 * G);
    for (let d = 0; d < directions; d++) {
      W.set(kerasToTorch(next(), input, G, gates), d * G * input);
      R.set(kerasToTorch(next(), H, G, gates), d * G * H);
      const b = next();
      B.set(reorderBlocks(b.subarray(0, G), gates), d * 2 * G);
      if (resetAfter) B.set(reorderBlocks(b.subarray(G, 2 * G), gates), d * 2 * G + G);
    }
    const attributes: Record<string, OnnxAttribute> = {
      hidden_size: { type: 'int', value: H },
      direction: { type: 'string', value: directions === 2 ? 'bidirectional' : 'forward' },
    };
    if (config.cell === 'gru') attributes['linear_before_reset'] = { type: 'int', value: resetAfter ? 1 : 0 };
    if (config.recurrentActivation === 'hard_sigmoid') {
      // ONNX HardSigmoid(alpha 0.2, beta 0.5) is clip(0.2·a + 0.5, 0, 1): Keras 2's hard_sigmoid.
      const perDirection = config.cell === 'lstm' ? ['HardSigmoid', 'Tanh', 'Tanh'] : ['HardSigmoid', 'Tanh'];
      const all = Array.from({ length: directions }, () => perDirection).flat();
      attributes['activations'] = { type: 'strings', value: all };
      // ONNX Runtime gives each function that takes parameters the next alpha / beta in turn.
      const hard = all.filter((a) => a === 'HardSigmoid');
      attributes['activation_alpha'] = { type: 'floats', value: hard.map(() => 0.2) };
      attributes['activation_beta'] = { type: 'floats', value: hard.map(() => 0.5) };
    }
    const [Y, Yh] = g.op(
      ONNX_OP[config.cell] as string,
      [
        x,
        g.float(`W_${k}`, [directions, G, input], W),
        g.float(`R_${k}`, [directions, G, H], R),
        g.float(`B_${k}`, [directions, 2 * G], B),
        seqLens,
      ],
      attributes,
      2,
    ) as [string, string];
    // Y [T, dirs, B, H] → the next layer's input [T, B, out]; Y_h [dirs, B, H] → [B, out].
    if (directions === 1) {
      x = g.one('Squeeze', [Y, g.int64(`sq_${k}`, [1])]);
      last = g.one('Squeeze', [Yh, g.int64(`sqh_${k}`, [0])]);
    } else if (config.bidirectional === 'sum') {
      x = g.one('ReduceSum', [Y, g.int64(`rs_${k}`, [1])], { keepdims: { type: 'int', value: 0 } });
      last = g.one('ReduceSum', [Yh, g.int64(`rsh_${k}`, [0])], { keepdims: { type: 'int', value: 0 } });
    } else {
      x = g.one('Reshape', [
        g.one('Transpose', [Y], { perm: { type: 'ints', value: [0, 2, 1, 3] } }),
        g.int64(`shape_${k}`, [0, 0, -1]),
      ]);
      last = g.one('Reshape', [
        g.one('Transpose', [Yh], { perm: { type: 'ints', value: [1, 0, 2] } }),
        g.int64(`shapeh_${k}`, [0, -1]),
      ]);
    }
  }
  const nonEmpty = g.one(
    'Cast',
    [
      g.one('Unsqueeze', [
        g.one('Greater', [lengths64, g.scalarInt64('zero_len', 0)]),
        g.int64('ne_axis', [1]),
      ]),
    ],
    {
      to: { type: 'int', value: 1 },
    },
  );
  const h = g.one('Mul', [last, nonEmpty]);
  const C = config.numClasses;
  const Wd = next();
  const network = g.one('Add', [
    g.one('MatMul', [h, g.float('dense_kernel', [out, C], Wd)]),
    g.float('dense_bias', [C], next()),
  ]);
  const head = model.ngramHead;
  let logits: string;
  if (head === undefined) logits = g.named('logits', 'Identity', [network]);
  else {
    const scores = ngramScores(g, head, head.toJSON().grams, config.vocabSize, ids, lengths64);
    const scaled = g.one('Mul', [network, g.float('rnn_scale', [], Float32Array.of(head.rnnScale))]);
    logits = g.named('logits', 'Add', [scaled, scores]);
  }
  g.named('probabilities', 'Softmax', [logits], { axis: { type: 'int', value: -1 } });
  return encodeOnnxModel({
    nodes: g.nodes,
    initializers: g.initializers,
    inputs: [{ name: 'ids', elemType: ONNX_INT64, dims: ['batch', 'length'] }],
    outputs: [
      { name: 'logits', elemType: ONNX_FLOAT, dims: ['batch', C] },
      { name: 'probabilities', elemType: ONNX_FLOAT, dims: ['batch', C] },
    ],
    opsets: head === undefined ? { '': 18 } : { '': 18, 'ai.onnx.ml': 3 },
    irVersion: 8,
    producer: 'charrnn',
    docString: 'charrnn character-level classifier; input ids: int64 [batch, length], right-padded with 0',
    metadata: { labels: JSON.stringify(labels), tokenizer: JSON.stringify(tokenizer.toJSON()) },
  });
}

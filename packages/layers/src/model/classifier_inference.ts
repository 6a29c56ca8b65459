import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@charrnn/core';
import { checkIds } from '../ops/embedding.js';
import { checkSequenceShape } from '../cells/sequence_shape.js';
import { gateCount, recurrentOutputSize } from './classifier_config.js';
import type { ClassifierConfig } from './classifier_config.js';
import { inferenceSimdKernels, PANEL_WIDTH } from '../kernels/simd_kernels.js';
import { matMulInto } from '../kernels/mat_mul_js.js';
import type { SimdKernels } from '../kernels/simd_kernels.js';
import type { NgramHead } from './ngram_head.js';
import { prefixTree, tokenOrder } from './prefix_tree.js';
import type { PrefixTree } from './prefix_tree.js';

/** Arena offsets (floats) of one direction of one recurrent layer's weights. */
interface PlacedDirection {
  /** Layer 0: the embedding projected through the input kernel, `table·W` `[V, G]`; else W `[Win, G]`. */
  input: number;
  /** The recurrent kernel U `[H, G]`. */
  U: number;
  /** The bias `[G]` (`[2G]` for a reset-after GRU). */
  bias: number;
  /** U packed in panels for `gemmPacked` (G a whole number of panels), else −1. */
  packedU: number;
}

/** A model's weights as placed in the inference kernels' arena, and what they were made from. */
interface Placement {
  simd: SimdKernels;
  /** The hold that keeps the weights in the arena between calls. */
  token: number;
  /** The weight variables' data ids when placed: `Variable.assign` gives a variable a new one. */
  dataIds: readonly object[];
  /** `[layer][direction]`. */
  layers: PlacedDirection[][];
  /** The dense kernel `[width, C]`. */
  denseKernel: Float32Array;
  /** The same in the arena (the prefix-tree path's dense product runs in the gemm kernel). */
  placedDenseKernel: number;
  /** The dense bias, in JS (added while the logits are read out). */
  denseBias: Float32Array;
}

/** Arena offsets of one batch's work space (see {@link ClassifierInference.logits}). */
interface Scratch {
  /** `[T·B]` ints: step t's token ids of the running rows, row i at `t·B + i` (rows longest first). */
  tokens: number;
  /** The same for the reversed sequences (step s of row i is its token `length − 1 − s`). */
  tokensReversed: number;
  /** `[B]` ints: 0, 1, …, B − 1. */
  identity: number;
  /** `[T·B]` ints: row `(length − 1 − s)·B + i` of a time-major input, read at reversed step s. */
  reversedInput: number;
  /** `[T·B]` ints: row `(length − t)·B + i` of a reversed run's states, its output at step t. */
  reversedOutput: number;
  /** One step's pre-activations `[B, G]`, the gates `[B, G]`, the recurrent product `[B, G]`. */
  pre: number;
  acts: number;
  rec: number;
  /** `[B, H]` each: tanh(c), the GRU's r ⊙ h, an LSTM's cell state. */
  tanhC: number;
  aux: number;
  c: number;
  /** A gathered input step `[B, Win]`. */
  gathered: number;
}

/**
 * Forward-only prediction of a {@link CharClassifier} through our WebAssembly SIMD kernels (the
 * `'js'` path's cpu/wasm backends): the same function as `CharClassifier.logits` at inference,
 * without tensors, tapes or backward bookkeeping.
 *
 * - The weights stay in the kernels' arena between calls (a sticky hold in the inference
 *   instance, see `inferenceSimdKernels`), with layer 0's input kernel folded into the embedding
 *   (`table·W`, one row per token, as `lstmEmbeddedJs` computes it); they are placed again when
 *   any weight variable has been assigned since (every optimizer step, `setWeights`, resume,
 *   logit adjustment: `Variable.assign` gives the variable a new data id), when the kernels were
 *   switched, or when the arena evicted them.
 * - Rows run longest first, so the rows still running at step t are a prefix and each step is one
 *   gemm over them (two for a GRU without reset-after), then one gate kernel; states are updated
 *   in place, and only layers feeding another one keep their steps.
 * - The dense layer runs in JS as `dense` runs it for small batches; its bias, the n-gram head's
 *   scores and the original row order are applied while the logits are read out.
 *
 * Every element is computed by the same kernels, in the same order, as the training path's
 * forward pass, so the logits are bit-identical to it where `dense` computes in JS (small
 * batches); larger dense products (`tf.matMul` there) and the softmax (tfjs' there) may differ in
 * the last float32 bits. A name's logits are the same whatever batch it is in.
 * @internal
 */
export class ClassifierInference {
  private placement: Placement | undefined;

  constructor(private readonly config: ClassifierConfig) {}

  /**
   * Logits `[batchSize * numClasses]` in input row order, mixed with `head`'s scores when given;
   * undefined where the SIMD kernels are unavailable or the gates are not the logistic sigmoid
   * (then the caller's tensor path applies).
   * @throws InvalidArgumentError as `CharClassifier.logits` does for sizes, ids and lengths
   */
  logits(
    ids: Int32Array,
    lengths: Int32Array,
    batchSize: number,
    maxLen: number,
    weights: readonly tf.Variable[],
    head: NgramHead | undefined,
  ): Float32Array | undefined {
    const simd = inferenceSimdKernels();
    // The gate kernels compute the logistic sigmoid; hard_sigmoid models take the tensor path.
    if (simd === undefined || (this.config.recurrentActivation ?? 'sigmoid') !== 'sigmoid') return undefined;
    if (ids.length !== batchSize * maxLen)
      throw new InvalidArgumentError(
        `ids has ${ids.length} entries, expected batchSize * maxLen = ${batchSize * maxLen}`,
        { field: 'ids' },
      );
    checkIds(ids, this.config.vocabSize);
    checkSequenceShape({ lengths, batchSize, maxLen });
    const scores = head?.scores(ids, lengths, batchSize, maxLen);
    let placement = this.place(simd, weights);
    // begin() evicts every hold once there are too many: then this model's weights go in again,
    // alone, and stay (a model too big to be held at all takes the tensor path).
    simd.begin();
    if (!simd.holds(placement.token)) {
      placement = this.place(simd, weights);
      simd.begin();
      if (!simd.holds(placement.token)) return undefined;
    }
    return this.forward(placement, ids, lengths, batchSize, maxLen, head?.rnnScale ?? 1, scores);
  }

  /** Gives up the weights' place in the arena. */
  dispose(): void {
    if (this.placement !== undefined) this.placement.simd.release(this.placement.token);
    this.placement = undefined;
  }

  /** The current placement of `weights`, placing them first if they changed. */
  private place(simd: SimdKernels, weights: readonly tf.Variable[]): Placement {
    const current = this.placement;
    if (
      current !== undefined &&
      current.simd === simd &&
      simd.holds(current.token) &&
      current.dataIds.every((id, i) => (weights[i] as tf.Variable).dataId === id)
    )
      return current;
    if (current !== undefined) current.simd.release(current.token);
    this.placement = undefined;

    const { config } = this;
    const H = config.hiddenSize;
    const G = gateCount(config.cell) * H;
    const directions = config.bidirectional === undefined ? 1 : 2;
    const values = weights.map((w) => w.dataSync() as Float32Array);
    simd.begin();
    const table = simd.put(values[0] as Float32Array);
    const layers: PlacedDirection[][] = [];
    let w = 1;
    for (let layer = 0; layer < (config.layers ?? 1); layer++) {
      const placed: PlacedDirection[] = [];
      for (let d = 0; d < directions; d++) {
        const W = simd.put(values[w] as Float32Array);
        let input = W;
        if (layer === 0) {
          input = simd.alloc(config.vocabSize * G);
          simd.gemm(table, W, input, config.vocabSize, config.embedDim, G, config.embedDim, 1, G, G);
        }
        const U = simd.put(values[w + 1] as Float32Array);
        placed.push({
          input,
          U,
          bias: simd.put(values[w + 2] as Float32Array),
          packedU: G % PANEL_WIDTH === 0 ? simd.putPanels(U, H, G, G, 1) : -1,
        });
        w += 3;
      }
      layers.push(placed);
    }
    const placedDenseKernel = simd.put(values[w] as Float32Array);
    const token = simd.hold(() => undefined, true);
    const placement: Placement = {
      simd,
      token,
      dataIds: weights.map((v) => v.dataId),
      layers,
      denseKernel: Float32Array.from(values[w] as Float32Array),
      placedDenseKernel,
      denseBias: Float32Array.from(values[w + 1] as Float32Array),
    };
    this.placement = placement;
    return placement;
  }

  /**
   * The logits of the batch, `[B × C]` in input order: rows sorted longest first, then run in
   * tiles of {@link TILE_ROWS} consecutive rows (similar lengths, so few idle steps; a tile's
   * states and gates stay in the core's caches, where one batch of thousands of rows would not).
   */
  private forward(
    placement: Placement,
    ids: Int32Array,
    lengths: Int32Array,
    B: number,
    T: number,
    rnnScale: number,
    scores: Float32Array | undefined,
  ): Float32Array {
    const C = this.config.numClasses;
    const oneDirection = this.config.bidirectional === undefined;
    // One direction: rows in token order, so that a tile's rows share their prefixes; both: longest first.
    const order = oneDirection ? tokenOrder(ids, lengths, B, T) : longestFirst(lengths, B, T).order;
    const tileRows = oneDirection ? TREE_TILE_ROWS : TILE_ROWS;
    const out = new Float32Array(B * C);
    for (let start = 0; start < B; start += tileRows) {
      const rows = order.subarray(start, Math.min(B, start + tileRows));
      const tileB = rows.length;
      let tileT = 1;
      for (let i = 0; i < tileB; i++) tileT = Math.max(tileT, lengths[rows[i] as number] as number);
      const tileIds = new Int32Array(tileB * tileT);
      const tileLengths = new Int32Array(tileB);
      for (let i = 0; i < tileB; i++) {
        const r = rows[i] as number;
        const length = lengths[r] as number;
        tileLengths[i] = length;
        tileIds.set(ids.subarray(r * T, r * T + length), i * tileT);
      }
      const logits = oneDirection
        ? this.forwardTree(placement, prefixTree(tileIds, tileLengths, tileB, tileT), tileB)
        : this.forwardTile(placement, tileIds, tileLengths, tileB, tileT);
      for (let i = 0; i < tileB; i++) out.set(logits.subarray(i * C, (i + 1) * C), (rows[i] as number) * C);
    }
    if (scores !== undefined)
      for (let k = 0; k < out.length; k++) out[k] = rnnScale * (out[k] as number) + (scores[k] as number);
    return out;
  }

  /** The logits `[B × C]` of one tile, in its row order (dense bias included, no head). */
  private forwardTile(
    placement: Placement,
    ids: Int32Array,
    lengths: Int32Array,
    B: number,
    T: number,
  ): Float32Array {
    const { config } = this;
    const { simd } = placement;
    const H = config.hiddenSize;
    const G = gateCount(config.cell) * H;
    const C = config.numClasses;
    const layers = config.layers ?? 1;
    const bidirectional = config.bidirectional !== undefined;
    const width = recurrentOutputSize(config);
    const S = B * H;
    const { order, running } = longestFirst(lengths, B, T);
    simd.begin();
    const scratch: Scratch = {
      tokens: simd.alloc(T * B),
      tokensReversed: bidirectional ? simd.alloc(T * B) : -1,
      identity: bidirectional ? simd.alloc(B) : -1,
      reversedInput: bidirectional && layers > 1 ? simd.alloc(T * B) : -1,
      reversedOutput: bidirectional && layers > 1 ? simd.alloc(T * B) : -1,
      pre: simd.alloc(B * G),
      acts: simd.alloc(B * G),
      rec: simd.alloc(B * G),
      tanhC: simd.alloc(S),
      aux: simd.alloc(S),
      c: simd.alloc(S),
      gathered: bidirectional && layers > 1 ? simd.alloc(B * width) : -1,
    };
    // States: a sequence [(T + 1)·B·H] per direction of the layers feeding another; the last
    // layer's final states [B·H] per direction; the merged input of the next layer. Stacked
    // one-directional layers share one sequence: step t of a layer reads its input h[t + 1] of
    // the layer below before it writes its own h[t + 1] there.
    const sequences =
      layers > 1 ? [simd.alloc((T + 1) * S), bidirectional ? simd.alloc((T + 1) * S) : -1] : [];
    const finals: [number, number] = [simd.alloc(S), bidirectional ? simd.alloc(S) : -1];
    const merged = bidirectional && layers > 1 ? simd.alloc(T * B * width) : -1;
    const features = bidirectional ? simd.alloc(B * width) : finals[0];

    fillIndices(simd, scratch, ids, lengths, order, running, B, T, bidirectional, layers > 1);

    for (let layer = 0; layer < layers; layer++) {
      const last = layer === layers - 1;
      const placed = placement.layers[layer] as PlacedDirection[];
      for (let d = 0; d < placed.length; d++) {
        const states = last ? finals[d as 0 | 1] : (sequences[d] as number);
        simd.view(states, S).fill(0);
        this.runDirection(simd, placed[d] as PlacedDirection, scratch, running, B, T, {
          layer,
          reversed: d === 1,
          states,
          sequence: !last,
          // The previous layer's outputs, time-major: its own steps h[1..T], or the merged ones.
          input: layer === 0 ? -1 : bidirectional ? merged : (sequences[0] as number) + S,
          inputWidth: layer === 0 ? config.embedDim : width,
        });
      }
      if (!last && bidirectional) mergeSequences(simd, scratch, sequences, merged, running, B, T, H, config);
    }
    if (bidirectional) {
      // The final states side by side (concat) or summed.
      const concat = config.bidirectional === 'concat';
      simd.gatherRows(finals[0], scratch.identity, features, B, H, width);
      if (concat) simd.gatherRows(finals[1], scratch.identity, features + H, B, H, width);
      else simd.add(features, finals[1], B * H);
    }
    // The dense layer as the tensor path computes it for small batches (`dense`'s JS product,
    // float64 sums): the logits stay bit-identical to `CharClassifier.logits` there, and a name's
    // logits do not depend on the batch it is in (a gemm above some size would change the last
    // bits). It is ≈ 2% of the arithmetic.
    const values = new Float32Array(B * C);
    matMulInto(simd.view(features, B * width), placement.denseKernel, values, B, width, C);
    const out = new Float32Array(B * C);
    const bias = placement.denseBias;
    for (let i = 0; i < B; i++) {
      const row = (order[i] as number) * C;
      for (let c = 0; c < C; c++) out[row + c] = (values[i * C + c] as number) + (bias[c] as number);
    }
    return out;
  }

  /**
   * The logits `[B × C]` of one tile of a one-directional model, in its row order (dense bias
   * included, no head), computed over the rows' prefix tree: level by level, every layer's state
   * at each distinct prefix once. A node's pre-activations are its token's row of `table·W` (layer
   * 0) or its input from the layer below times W, plus its parent's `h·U`, computed once per parent
   * (the nodes with children lead their level, so that is one gemm over a prefix of it); an LSTM's
   * cell state and a GRU's state are gathered from the parent. The states of every node stay, so
   * each row's final state is read at its leaf.
   */
  private forwardTree(placement: Placement, tree: PrefixTree, B: number): Float32Array {
    const { config } = this;
    const { simd } = placement;
    const { cell } = config;
    const H = config.hiddenSize;
    const G = gateCount(cell) * H;
    const C = config.numClasses;
    const layers = config.layers ?? 1;
    const resetAfter = config.resetAfter === true;
    let widest = 1;
    for (let d = 0; d < tree.depth; d++)
      widest = Math.max(widest, (tree.start[d + 1] as number) - (tree.start[d] as number));
    simd.begin();
    const tokens = simd.alloc(tree.size);
    const parents = simd.alloc(tree.size);
    const leaves = simd.alloc(B);
    simd.intView(tokens, tree.size).set(tree.token);
    simd.intView(parents, tree.size).set(tree.parent);
    simd.intView(leaves, B).set(tree.leaf);
    const pre = simd.alloc(widest * G);
    const acts = simd.alloc(widest * G);
    // The parents' h·U (one row per parent), then gathered per child.
    const products = simd.alloc(widest * G);
    const gathered = simd.alloc(widest * G);
    const tanhC = simd.alloc(widest * H);
    const aux = simd.alloc(widest * H);
    // Each child's entering state: an LSTM's c, a GRU's h (zero at level 0).
    const entering = simd.alloc(widest * H);
    // Every node's h per layer (one more zero row: the state of an empty row) and an LSTM's c.
    const h = Array.from({ length: layers }, () => simd.alloc((tree.size + 1) * H));
    const c = cell === 'lstm' ? Array.from({ length: layers }, () => simd.alloc(tree.size * H)) : [];
    simd.view((h[layers - 1] as number) + tree.size * H, H).fill(0);

    for (let d = 0; d < tree.depth; d++) {
      const first = tree.start[d] as number;
      const rows = (tree.start[d + 1] as number) - first;
      const parentsAbove = d === 0 ? 0 : (tree.internal[d - 1] as number);
      const above = d === 0 ? 0 : (tree.start[d - 1] as number);
      for (let layer = 0; layer < layers; layer++) {
        const placed = (placement.layers[layer] as PlacedDirection[])[0] as PlacedDirection;
        const hLayer = h[layer] as number;
        const hNext = hLayer + first * H;
        const hAbove = hLayer + above * H;
        const sumsParents = d > 0 && (cell === 'lstm' || cell === 'rnn' || cell === 'simple');
        if (sumsParents) recurrentProduct(simd, placed, hAbove, products, parentsAbove, H, G);
        // The input side, x·W for the level's nodes, plus (LSTM, RNN) the parent's h·U.
        if (layer === 0 && sumsParents)
          simd.gatherSumRows(placed.input, tokens + first, products, parents + first, pre, rows, G);
        else if (layer === 0) simd.gatherRows(placed.input, tokens + first, pre, rows, G);
        else {
          simd.gemm((h[layer - 1] as number) + first * H, placed.input, pre, rows, H, G, H, 1, G, G);
          if (sumsParents) {
            simd.gatherRows(products, parents + first, gathered, rows, G);
            simd.add(pre, gathered, rows * G);
          }
        }
        if (cell === 'lstm' || cell === 'rnn' || cell === 'simple') {
          if (cell !== 'lstm') {
            simd.rnnForward(pre, placed.bias, hNext, rows, H);
            continue;
          }
          const cLayer = c[layer] as number;
          if (d > 0) simd.gatherRows(cLayer + above * H, parents + first, entering, rows, H);
          else simd.view(entering, rows * H).fill(0);
          simd.lstmForward(pre, placed.bias, entering, cLayer + first * H, hNext, acts, tanhC, rows, H);
          continue;
        }
        // GRU: the parent's h enters the update (and, without reset-after, r ⊙ h the product).
        if (d > 0) simd.gatherRows(hAbove, parents + first, entering, rows, H);
        else simd.view(entering, rows * H).fill(0);
        if (resetAfter) {
          if (d > 0) {
            recurrentProduct(simd, placed, hAbove, products, parentsAbove, H, G);
            simd.gatherRows(products, parents + first, gathered, rows, G);
          } else simd.view(gathered, rows * G).fill(0);
          simd.gru.resetAfter(pre, gathered, placed.bias, entering, acts, aux, hNext, rows, H);
        } else {
          simd.gemm(entering, placed.U, pre, rows, H, 2 * H, H, 1, G, G, true);
          simd.gru.zr(pre, placed.bias, entering, acts, aux, rows, H);
          simd.gemm(aux, placed.U + 2 * H, pre + 2 * H, rows, H, H, H, 1, G, G, true);
          simd.gru.h(pre, placed.bias, entering, acts, hNext, rows, H);
        }
      }
    }
    // Each row's final state, read at its leaf, through the dense layer (in float32 sums: ≤ 1e-6
    // from `dense`'s float64 ones, which the tensor path uses for small batches).
    const features = simd.alloc(B * H);
    const logits = simd.alloc(B * C);
    simd.gatherRows(h[layers - 1] as number, leaves, features, B, H);
    simd.gemm(features, placement.placedDenseKernel, logits, B, H, C, H, 1, C, C);
    const values = Float32Array.from(simd.view(logits, B * C));
    const bias = placement.denseBias;
    for (let i = 0; i < B; i++)
      for (let k = 0; k < C; k++) values[i * C + k] = (values[i * C + k] as number) + (bias[k] as number);
    return values;
  }

  /** One direction of one layer over all steps, its states written at `run.states`. */
  private runDirection(
    simd: SimdKernels,
    placed: PlacedDirection,
    scratch: Scratch,
    running: Int32Array,
    B: number,
    T: number,
    run: {
      layer: number;
      reversed: boolean;
      states: number;
      sequence: boolean;
      input: number;
      inputWidth: number;
    },
  ): void {
    const { cell } = this.config;
    const H = this.config.hiddenSize;
    const G = gateCount(cell) * H;
    const S = B * H;
    const { pre, acts, rec, tanhC, aux, c } = scratch;
    const resetAfter = this.config.resetAfter === true;
    const Win = run.inputWidth;
    if (cell === 'lstm') simd.view(c, S).fill(0);
    for (let t = 0; t < T; t++) {
      const rows = running[t] as number;
      if (rows === 0) break;
      // x_t·W for the running rows, into pre.
      if (run.layer === 0)
        simd.gatherRows(
          placed.input,
          (run.reversed ? scratch.tokensReversed : scratch.tokens) + t * B,
          pre,
          rows,
          G,
        );
      else {
        let x = run.input + t * B * Win;
        if (run.reversed) {
          simd.gatherRows(run.input, scratch.reversedInput + t * B, scratch.gathered, rows, Win);
          x = scratch.gathered;
        }
        simd.gemm(x, placed.input, pre, rows, Win, G, Win, 1, G, G);
      }
      const hPrev = run.sequence ? run.states + t * S : run.states;
      const hNext = run.sequence ? hPrev + S : hPrev;
      switch (cell) {
        case 'lstm':
          simd.gemm(hPrev, placed.U, pre, rows, H, G, H, 1, G, G, true);
          simd.lstmForward(pre, placed.bias, c, c, hNext, acts, tanhC, rows, H);
          break;
        case 'gru':
          if (resetAfter) {
            simd.gemm(hPrev, placed.U, rec, rows, H, G, H, 1, G, G);
            simd.gru.resetAfter(pre, rec, placed.bias, hPrev, acts, aux, hNext, rows, H);
          } else {
            simd.gemm(hPrev, placed.U, pre, rows, H, 2 * H, H, 1, G, G, true);
            simd.gru.zr(pre, placed.bias, hPrev, acts, aux, rows, H);
            simd.gemm(aux, placed.U + 2 * H, pre + 2 * H, rows, H, H, H, 1, G, G, true);
            simd.gru.h(pre, placed.bias, hPrev, acts, hNext, rows, H);
          }
          break;
        default:
          simd.gemm(hPrev, placed.U, pre, rows, H, H, H, 1, H, H, true);
          simd.rnnForward(pre, placed.bias, hNext, rows, H);
      }
    }
  }
}

/** `products = h·U` for `rows` rows of h, through the packed U where there is one (same bits). */
function recurrentProduct(
  simd: SimdKernels,
  placed: PlacedDirection,
  h: number,
  products: number,
  rows: number,
  H: number,
  G: number,
): void {
  if (placed.packedU >= 0) simd.gemmPacked(h, placed.packedU, products, rows, H, G, H, G);
  else simd.gemm(h, placed.U, products, rows, H, G, H, 1, G, G);
}

/** Rows per tile of {@link ClassifierInference.logits}' forward pass (both directions). */
const TILE_ROWS = 64;

/** Rows per tile of a one-directional model's forward pass over the prefix tree. */
const TREE_TILE_ROWS = 256;

/** Row order (longest first, stable) and how many rows run at each step. */
function longestFirst(lengths: Int32Array, B: number, T: number): { order: Int32Array; running: Int32Array } {
  const order = new Int32Array(B);
  for (let r = 0; r < B; r++) order[r] = r;
  if (B > 1) order.sort((p, q) => (lengths[q] as number) - (lengths[p] as number) || p - q);
  const running = new Int32Array(T);
  // running[t] = number of rows longer than t: count lengths, then suffix sums.
  for (let r = 0; r < B; r++) {
    const length = lengths[r] as number;
    if (length > 0) running[length - 1] = (running[length - 1] as number) + 1;
  }
  for (let t = T - 2; t >= 0; t--) running[t] = (running[t] as number) + (running[t + 1] as number);
  return { order, running };
}

/** Writes the batch's index arrays (see {@link Scratch}) into the arena. */
function fillIndices(
  simd: SimdKernels,
  scratch: Scratch,
  ids: Int32Array,
  lengths: Int32Array,
  order: Int32Array,
  running: Int32Array,
  B: number,
  T: number,
  bidirectional: boolean,
  stacked: boolean,
): void {
  const tokens = simd.intView(scratch.tokens, T * B);
  for (let i = 0; i < B; i++) {
    const r = order[i] as number;
    const length = lengths[r] as number;
    for (let t = 0; t < length; t++) tokens[t * B + i] = ids[r * T + t] as number;
  }
  if (!bidirectional) return;
  const reversed = simd.intView(scratch.tokensReversed, T * B);
  const identity = simd.intView(scratch.identity, B);
  for (let i = 0; i < B; i++) {
    const r = order[i] as number;
    const length = lengths[r] as number;
    identity[i] = i;
    for (let s = 0; s < length; s++) reversed[s * B + i] = ids[r * T + length - 1 - s] as number;
  }
  if (!stacked) return;
  const input = simd.intView(scratch.reversedInput, T * B);
  const output = simd.intView(scratch.reversedOutput, T * B);
  for (let t = 0; t < T; t++) {
    const rows = running[t] as number;
    for (let i = 0; i < rows; i++) {
      const length = lengths[order[i] as number] as number;
      input[t * B + i] = (length - 1 - t) * B + i;
      output[t * B + i] = (length - t) * B + i;
    }
  }
}

/**
 * The next layer's input, time-major `[T, B, width]`: at step t, the forward run's state after
 * step t beside (concat) or plus (sum) the reversed run's state after its step `length − 1 − t`.
 */
function mergeSequences(
  simd: SimdKernels,
  scratch: Scratch,
  sequences: number[],
  merged: number,
  running: Int32Array,
  B: number,
  T: number,
  H: number,
  config: ClassifierConfig,
): void {
  const width = recurrentOutputSize(config);
  const S = B * H;
  const forward = sequences[0] as number;
  const backward = sequences[1] as number;
  for (let t = 0; t < T; t++) {
    const rows = running[t] as number;
    if (rows === 0) break;
    const out = merged + t * B * width;
    if (config.bidirectional === 'concat') {
      simd.gatherRows(forward + (t + 1) * S, scratch.identity, out, rows, H, width);
      simd.gatherRows(backward, scratch.reversedOutput + t * B, out + H, rows, H, width);
    } else {
      simd.gatherRows(backward, scratch.reversedOutput + t * B, out, rows, H);
      simd.add(out, forward + (t + 1) * S, rows * H);
    }
  }
}

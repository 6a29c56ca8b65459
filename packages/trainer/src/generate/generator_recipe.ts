import { InvalidConfigError } from '@charrnn/core';
import type { CellType } from '@charrnn/layers';

/**
 * How {@link trainLanguageModel} builds and trains a character language model: plain, JSON-able
 * data (saved with checkpoints and bundles).
 */
export interface GeneratorRecipe {
  /**
   * `'stacked'` (default): a `LanguageModel` (embedding, stacked cells, dense output).
   * `'tutorial'`: the PyTorch tutorial's model, a `TutorialGenerator` (one-hot inputs, `i2h`,
   * `i2o`, `o2o`, dropout on the output); it reads `hiddenSize`, `dropout` and, for names,
   * `labelEmbedDim > 0` as "conditioned on the category one-hot" (the one-hot's width is the
   * number of labels); `cell`, `layers`, `embedDim` and `init` do not apply to it.
   */
  architecture?: 'stacked' | 'tutorial';
  /**
   * Weight initialisation of a stacked model: `'keras'` (default: Glorot kernels, orthogonal
   * recurrent kernels, LSTM forget bias 1) or `'pytorch'` (`nn.LSTM`/`nn.Linear`'s defaults, as
   * `torch_charlm.py`); see `LanguageModel.create`.
   */
  init?: 'keras' | 'pytorch';
  /**
   * Stacked LSTM or RNN models: train each recurrent layer's bias as PyTorch's two tied biases
   * `b_ih + b_hh` (they get the same gradient and each takes its own optimizer step, so the sum
   * moves twice as far, and counts twice in the clip norm). The same model, with PyTorch's
   * training dynamics (with Adam this matters: measured on the text model of `torch_charlm.py`).
   * Default false.
   */
  pytorchBiases?: boolean;
  /**
   * Names: `'shuffle'` (default: every name once per epoch, in a new order each epoch),
   * `'tutorial'` (the tutorial's `randomTrainingExample()`: for each name of a batch a label
   * uniformly at random, then one of its names, with replacement) or `'balanced'` (for each name
   * of a batch a label drawn with probability ∝ (its training names)^`labelAlpha`, then one of its
   * names, with replacement: rare labels are seen more often than their share of the data, so
   * their conditioning is learnt; see {@link BALANCED_GENERATOR_RECIPE}). An epoch is
   * `ceil(names / batchSize)` steps whichever the sampler.
   */
  sampler?: 'shuffle' | 'tutorial' | 'balanced';
  /**
   * With `sampler: 'balanced'`: the exponent α of the label draw, in [0, 1] (default
   * {@link BALANCED_LABEL_ALPHA}). A label with `n` training names is drawn with probability
   * `n^α / Σ n_k^α`: 1 keeps the data's label shares, 0 draws every label equally (as
   * `sampler: 'tutorial'`).
   */
  labelAlpha?: number;
  /**
   * Training steps in all instead of `epochs` (validation and checkpoints still come every
   * `ceil(names / batchSize)` steps, and after the last step).
   */
  iterations?: number;
  /**
   * The training loss: `'mean'` (default) nats per character of the batch, or `'sum'` over the
   * batch's characters (the tutorial: the name's summed loss, so longer names take larger steps).
   */
  loss?: 'mean' | 'sum';
  /** Recurrent cell. */
  cell: CellType;
  /** Stacked recurrent layers. */
  layers: number;
  /** Recurrent state width. */
  hiddenSize: number;
  /** Character embedding width. */
  embedDim: number;
  /**
   * Names: label embedding width concatenated to the input at every step (a model conditioned on
   * the language); 0 for an unconditional model. Ignored for text.
   */
  labelEmbedDim: number;
  /** Dropout on each layer's input and on the output layer's input (training only). */
  dropout: number;
  /** `'adam'` or `'sgd'` (with `momentum`). */
  optimizer: 'adam' | 'sgd';
  /** Step size. */
  learningRate: number;
  /** SGD momentum (default 0). */
  momentum?: number;
  /** Adam ε (default 1e-8, as PyTorch). */
  epsilon?: number;
  /** Global gradient-norm clip; 0 = none. */
  clipNorm: number;
  /** Names per step, or parallel text streams per step. */
  batchSize: number;
  /** Passes over the training data. */
  epochs: number;
  /** Text: characters per window (truncated backpropagation; the state is carried across windows). */
  seqLen: number;
  /** Names: put the weights of the best validation epoch back at the end. */
  restoreBest: boolean;
  /** Text normalisation of the tokenizer (see `Tokenizer.fromCorpus`). */
  normalization: 'unicode' | 'ascii-fold';
  /** Seed of the weights, the order of the names and the dropout masks. */
  seed: number;
}

/**
 * The names reference model of `torch_charlm.py`, trained as PyTorch trains it: embedding 64 +
 * label embedding 16 at every step, one LSTM of 256, Adam 3e-3, clip 5, batch 64, 10 epochs,
 * keeping the best validation epoch, PyTorch's initialisation (`init: 'pytorch'`) and its two
 * tied LSTM biases (`pytorchBiases`). `pnpm bench:lm` compares it with the script's model
 * (validation 2.651 bits/char against PyTorch's 2.650, see `docs/generator-recipes.md`).
 */
export const NAMES_REFERENCE_GENERATOR_RECIPE: Readonly<GeneratorRecipe> = Object.freeze({
  cell: 'lstm',
  layers: 1,
  hiddenSize: 256,
  embedDim: 64,
  labelEmbedDim: 16,
  dropout: 0,
  optimizer: 'adam',
  learningRate: 3e-3,
  clipNorm: 5,
  batchSize: 64,
  epochs: 10,
  seqLen: 100,
  restoreBest: true,
  normalization: 'unicode',
  seed: 1,
  init: 'pytorch',
  pytorchBiases: true,
});

/**
 * The default recipe for names, chosen on validation bits per character of `names-split`
 * among the candidates of `docs/generator-recipes.md`: the names reference model
 * ({@link NAMES_REFERENCE_GENERATOR_RECIPE}) with dropout 0.2 and 15 epochs, keeping the best
 * validation epoch (2.609 bits/char against the reference's 2.651).
 */
export const DEFAULT_GENERATOR_RECIPE: Readonly<GeneratorRecipe> = Object.freeze({
  ...NAMES_REFERENCE_GENERATOR_RECIPE,
  dropout: 0.2,
  epochs: 15,
});

/** Default `labelAlpha` of `sampler: 'balanced'`: labels drawn ∝ (their training names)^0.5. */
export const BALANCED_LABEL_ALPHA = 0.5;

/**
 * Names that a classifier takes for their language, rare languages included: the names
 * reference model ({@link NAMES_REFERENCE_GENERATOR_RECIPE}) trained on label-balanced draws
 * (`sampler: 'balanced'`, each name of a batch from a label drawn ∝ (its training names)^0.5,
 * then a random name of it), keeping the last epoch (`restoreBest: false`). On names-split
 * (Russian 7,473 training names, French 219) French is drawn 4.0% of the time instead of 1.5%,
 * and the share of its novel French names that the default classifier takes for French rises
 * from about 40% to about half (48–55% of 1,000 names at training seeds 1 to 3). What it costs:
 * validation bits per character on the natural label mix rise from 2.69 to 2.88 (Russian and
 * English are drawn less), and the rare labels' own validation bits per character rise too: the
 * model fits their few training names more closely rather than generalising better, which is
 * what makes its names typical of the label (see `docs/generator-recipes.md`). Use
 * {@link DEFAULT_GENERATOR_RECIPE} for the lowest bits per character.
 */
export const BALANCED_GENERATOR_RECIPE: Readonly<GeneratorRecipe> = Object.freeze({
  ...NAMES_REFERENCE_GENERATOR_RECIPE,
  sampler: 'balanced',
  labelAlpha: BALANCED_LABEL_ALPHA,
  restoreBest: false,
});

/**
 * The text reference model of `torch_charlm.py`: embedding 64, two LSTM layers of 256, windows of
 * 100 characters, 32 parallel streams, Adam 2e-3, clip 5, 4 epochs; Keras' initialisation (it
 * leaves the unigram plateau sooner than PyTorch's on this short run) and PyTorch's two tied LSTM
 * biases (`pytorchBiases`).
 */
export const TEXT_GENERATOR_RECIPE: Readonly<GeneratorRecipe> = Object.freeze({
  ...NAMES_REFERENCE_GENERATOR_RECIPE,
  layers: 2,
  labelEmbedDim: 0,
  learningRate: 2e-3,
  batchSize: 32,
  epochs: 4,
  seqLen: 100,
  restoreBest: false,
  init: 'keras',
});

/**
 * The PyTorch tutorial's own generator and recipe ("NLP From Scratch: Generating Names with a
 * Character-Level RNN"): a `TutorialGenerator` of hidden size 128 conditioned on the category
 * one-hot, dropout 0.1 on its output, the summed NLL of one name per step (batch 1) drawn by a
 * random category then a random name of it, plain SGD at 0.0005 without clipping, 100,000
 * iterations (override `iterations`, or drop it and set `epochs`), the tutorial's ASCII-folded
 * alphabet. Where it differs from the tutorial: each name starts from BOS (the tutorial starts
 * from its first letter, given when sampling), so the first letter is learnt too; the
 * vocabulary is the trainer's (PAD, UNK, the folded letters seen in training, and one boundary
 * symbol that is BOS and EOS) rather than the tutorial's fixed 57 letters plus EOS; validation
 * bits per character are measured every `ceil(names)` steps (the tutorial has no validation).
 */
export const TUTORIAL_GENERATOR_RECIPE: Readonly<GeneratorRecipe> = Object.freeze({
  architecture: 'tutorial',
  cell: 'rnn',
  layers: 1,
  hiddenSize: 128,
  embedDim: 0,
  labelEmbedDim: 1,
  dropout: 0.1,
  optimizer: 'sgd',
  learningRate: 0.0005,
  clipNorm: 0,
  batchSize: 1,
  epochs: 1,
  iterations: 100_000,
  sampler: 'tutorial',
  loss: 'sum',
  seqLen: 100,
  restoreBest: false,
  normalization: 'ascii-fold',
  seed: 1,
});

/** Throws InvalidConfigError naming the field unless `recipe` is usable. @internal */
export function checkGeneratorRecipe(recipe: GeneratorRecipe): void {
  const fail = (field: string, message: string): never => {
    throw new InvalidConfigError(message, { field });
  };
  const int = (field: keyof GeneratorRecipe, min: number): void => {
    const v = recipe[field];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min)
      fail(field, `${field} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  };
  if (!['rnn', 'simple', 'lstm', 'gru'].includes(recipe.cell))
    fail('cell', `cell must be rnn, simple, lstm or gru, got ${JSON.stringify(recipe.cell)}`);
  int('layers', 1);
  int('hiddenSize', 1);
  int('embedDim', recipe.architecture === 'tutorial' ? 0 : 1);
  if (
    recipe.architecture !== undefined &&
    recipe.architecture !== 'stacked' &&
    recipe.architecture !== 'tutorial'
  )
    fail(
      'architecture',
      `architecture must be stacked or tutorial, got ${JSON.stringify(recipe.architecture)}`,
    );
  if (recipe.init !== undefined && recipe.init !== 'keras' && recipe.init !== 'pytorch')
    fail('init', `init must be keras or pytorch, got ${JSON.stringify(recipe.init)}`);
  if (
    recipe.sampler !== undefined &&
    recipe.sampler !== 'shuffle' &&
    recipe.sampler !== 'tutorial' &&
    recipe.sampler !== 'balanced'
  )
    fail('sampler', `sampler must be shuffle, tutorial or balanced, got ${JSON.stringify(recipe.sampler)}`);
  if (recipe.labelAlpha !== undefined) {
    if (recipe.sampler !== 'balanced') fail('labelAlpha', "labelAlpha applies to sampler 'balanced' only");
    if (!(typeof recipe.labelAlpha === 'number' && recipe.labelAlpha >= 0 && recipe.labelAlpha <= 1))
      fail('labelAlpha', `labelAlpha must be a number in [0, 1], got ${JSON.stringify(recipe.labelAlpha)}`);
  }
  if (recipe.loss !== undefined && recipe.loss !== 'mean' && recipe.loss !== 'sum')
    fail('loss', `loss must be mean or sum, got ${JSON.stringify(recipe.loss)}`);
  if (recipe.iterations !== undefined) int('iterations', 1);
  if (recipe.pytorchBiases === true && (recipe.architecture === 'tutorial' || recipe.cell === 'gru'))
    fail(
      'pytorchBiases',
      "pytorchBiases applies to stacked lstm and rnn models (PyTorch's GRU biases are no plain sum)",
    );
  int('labelEmbedDim', 0);
  int('batchSize', 1);
  int('epochs', 1);
  int('seqLen', 1);
  int('seed', 0);
  if (!(recipe.dropout >= 0 && recipe.dropout < 1))
    fail('dropout', `dropout must be in [0, 1), got ${recipe.dropout}`);
  if (recipe.optimizer !== 'adam' && recipe.optimizer !== 'sgd')
    fail('optimizer', `optimizer must be adam or sgd, got ${JSON.stringify(recipe.optimizer)}`);
  if (!(recipe.learningRate > 0 && Number.isFinite(recipe.learningRate)))
    fail('learningRate', `learningRate must be positive, got ${recipe.learningRate}`);
  if (!(recipe.clipNorm >= 0 && Number.isFinite(recipe.clipNorm)))
    fail('clipNorm', `clipNorm must be ≥ 0, got ${recipe.clipNorm}`);
  if (recipe.normalization !== 'unicode' && recipe.normalization !== 'ascii-fold')
    fail(
      'normalization',
      `normalization must be unicode or ascii-fold, got ${JSON.stringify(recipe.normalization)}`,
    );
}

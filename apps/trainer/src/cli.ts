import * as tf from '@tensorflow/tfjs-core';
import { Command, CommanderError, Option } from 'commander';
import { isCharRnnError } from '@charrnn/core';
import { BALANCED_LABEL_ALPHA } from '@charrnn/trainer';
import type { RawEvalOptions } from './commands/eval.js';
import type { RawExportOptions } from './commands/export.js';
import type { RawGenerateOptions } from './commands/generate.js';
import type { RawImportOptions } from './commands/import.js';
import type { RawPredictOptions } from './commands/predict.js';
import { DEFAULT_LR, LOGIT_ADJUST_WITHOUT_NGRAM, TRAIN_DEFAULTS } from './train_config.js';
import { BACKEND_CHOICES } from './backend.js';
import { handleClosedStdout } from './process_life.js';
import { terminalText } from './terminal_text.js';

/**
 * The options of `command` typed on the command line (not commander's defaults), so that a
 * config file can fill in the rest.
 */
function typedFlags(command: Command): Record<string, unknown> {
  const options = command.opts();
  return Object.fromEntries(
    Object.entries(options).filter(([key]) => command.getOptionValueSource(key) === 'cli'),
  );
}

/** What each command does once its arguments are parsed; returns the exit code (train) or nothing. */
export interface CommandHandlers {
  train: (flags: Record<string, unknown>) => Promise<number>;
  predict: (names: string[], options: RawPredictOptions) => Promise<void>;
  export: (options: RawExportOptions) => Promise<void>;
  eval: (options: RawEvalOptions) => Promise<void>;
  import: (source: string | undefined, options: RawImportOptions) => Promise<void>;
  generate: (options: RawGenerateOptions) => Promise<void>;
}

// Each command is imported when it runs: `predict` does not pay for the report renderer (vega,
// resvg) that `train` loads, in start-up time or in memory.
const RUN: CommandHandlers = {
  train: async (flags) => (await import('./commands/train.js')).runTrain(flags),
  predict: async (names, options) => (await import('./commands/predict.js')).runPredict(names, options),
  export: async (options) => (await import('./commands/export.js')).runExport(options),
  eval: async (options) => (await import('./commands/eval.js')).runEval(options),
  import: async (source, options) => (await import('./commands/import.js')).runImport(source, options),
  generate: async (options) => (await import('./commands/generate.js')).runGenerate(options),
};

/** Where commander writes help and usage errors. */
export interface ProgramOutput {
  writeOut: (text: string) => void;
  writeErr: (text: string) => void;
}

/** Exit code set by a command that finishes without throwing (e.g. 130 after Ctrl-C). */
let exitCode = 0;

/**
 * The `charrnn` command line (commander). `handlers` run the commands (tests pass their own to
 * exercise parsing alone); usage errors and `--help` throw a `CommanderError` instead of exiting.
 */
export function buildProgram(
  handlers: CommandHandlers = RUN,
  output: ProgramOutput = {
    writeOut: (text) => void process.stdout.write(text),
    writeErr: (text) => void process.stderr.write(text),
  },
): Command {
  const program = new Command('charrnn')
    .description('Train, evaluate and use character-level RNN classifiers and generators (TensorFlow.js).')
    .exitOverride()
    .configureOutput(output)
    .showSuggestionAfterError(true);

  const backend = () =>
    new Option('--backend <name>', `tfjs backend: ${BACKEND_CHOICES.join('|')}`).default('auto');

  const d = TRAIN_DEFAULTS;
  const train = program
    .command('train')
    .description(
      'train a classifier; writes the model bundle, config.json, metrics.json, the report and a checkpoint per epoch into --out.\n' +
        'Settings come from the defaults, then --config, then the flags typed here (each overrides the one before).',
    )
    .option(
      '--config <file>',
      'JSON or YAML file of settings (keys as the flags, e.g. lr, recurrent_dropout; paths relative to the file)',
    )
    .option(
      '--task <name>',
      'classify (default): a name classifier; generate: a character language model (names by label, or a text file)',
    )
    .option(
      '--resume <dir>',
      'continue the run in <dir> from its checkpoint, with its saved settings (only --backend may be given)',
    )
    .option(
      '--data <path>',
      'directory of <Label>.txt files or a name<TAB>label TSV (default: embedded corpus)',
    )
    .option('--val <file>', 'validation data (default: 10% of --data, stratified)')
    .option('--test <file>', 'test data, evaluated once at the end')
    .option('--out <dir>', 'run directory to write')
    .option(
      '--force',
      'start over in an --out that already holds a run (removes only what charrnn wrote there)',
    )
    .option(
      '--allow-large',
      'train a model past the budget (50 M parameters or 4 GiB of estimated training memory)',
    )
    .option(
      '--cell <type>',
      `recurrent cell: rnn (the tutorial RNN)|simple (Keras SimpleRNN)|lstm|gru (default: ${d.cell})`,
    )
    .option('--layers <n>', `stacked recurrent layers (default: ${d.layers})`)
    .option(
      '--bidirectional [merge]',
      `bidirectional layers, merged by concat or sum (default: ${d.bidirectional})`,
    )
    .option('--no-bidirectional', 'one direction only')
    .option('--dropout <x>', `dropout rate on each recurrent layer input (default: ${d.dropout})`)
    .option(
      '--recurrent-dropout <x>',
      `dropout rate on the recurrent state (default: ${d.recurrent_dropout})`,
    )
    .option('--reset-after', 'GRU: reset gate after the recurrent product (Keras 3 / PyTorch)')
    .option('--hidden <n>', `hidden state size (default: ${d.hidden})`)
    .option('--embed <n>', `character embedding size (default: ${d.embed})`)
    .option('--label-embed <n>', '--task generate: label embedding size, 0 = unconditional (default: 16)')
    .option('--seq-len <n>', '--task generate, text: characters per training window (default: 100)')
    .option(
      '--recipe <name>',
      "--task generate, names: default|tutorial (the PyTorch name-generation tutorial's model and SGD recipe, 100,000 one-name steps)|balanced (label-balanced draws, so that rare languages' names read more often as theirs)",
    )
    .option(
      '--label-alpha <x>',
      `--task generate, --sampler balanced: labels drawn ∝ (their names)^x, 0 = uniform, 1 = as in the data (default: ${BALANCED_LABEL_ALPHA})`,
    )
    .option('--epochs <n>', `passes over the training data (default: ${d.epochs})`)
    .option('--iters <n>', 'training steps instead of epochs')
    .option('--batch <n>', `names per step (default: ${d.batch})`)
    .option('--optimizer <name>', `sgd|adam (default: ${d.optimizer})`)
    .option('--lr <x>', `learning rate (default: ${DEFAULT_LR.adam} for adam, ${DEFAULT_LR.sgd} for sgd)`)
    .option('--momentum <x>', `SGD momentum (default: ${d.momentum})`)
    .option('--clip <x>', `global gradient-norm clip, 0 = off (default: ${d.clip})`)
    .option('--schedule <name>', `learning-rate schedule: constant|step|cosine (default: ${d.schedule})`)
    .option('--lr-step <epochs>', `step schedule: epochs between reductions (default: ${d.lr_step})`)
    .option('--lr-gamma <x>', `step schedule: factor per reduction (default: ${d.lr_gamma})`)
    .option('--min-lr <x>', `cosine schedule: final learning rate (default: ${d.min_lr})`)
    .option('--warmup <steps>', `cosine schedule: linear warm-up steps (default: ${d.warmup})`)
    .option('--plateau <epochs>', 'reduce the learning rate after this many epochs without val improvement')
    .option('--plateau-factor <x>', `factor of each plateau reduction (default: ${d.plateau_factor})`)
    .option(
      '--monitor <metric>',
      `val metric for the best epoch, plateau and early stopping: accuracy|macro_f1|balanced_accuracy (default: ${d.monitor})`,
    )
    .option('--early-stop <epochs>', 'stop after this many epochs without val improvement')
    .option('--no-restore-best', 'keep the last weights instead of those of the best val epoch')
    .option(
      '--class-weight <mode>',
      `loss weights per class: none|auto (balanced)|sqrt (default: ${d.class_weight})`,
    )
    .option('--label-smoothing <x>', `label smoothing of the loss (default: ${d.label_smoothing})`)
    .option(
      '--logit-adjust <mode>',
      `after training, add −tau·log(class prior) to the output bias: <tau>|none|auto (auto: tau chosen on val) (default: ${d.logit_adjust} with the n-gram head, ${LOGIT_ADJUST_WITHOUT_NGRAM} without)`,
    )
    .option(
      '--ngram <n>',
      `mix in a linear model on character n-grams of 1 to n tokens (fitted in seconds after training): <n>|none (default: ${d.ngram})`,
    )
    .option(
      '--ngram-weight <w>',
      `mixture weight of the n-gram model: logits = (1-w)·recurrent + w·n-gram (default: ${d.ngram_weight})`,
    )
    .option(
      '--sampler <name>',
      `tutorial|shuffle|bucket (length-bucketed, faster)|balanced (default: ${d.sampler}; --task generate: shuffle|tutorial|balanced, default shuffle)`,
    )
    .option('--alphabet <name>', `tutorial (ASCII-folded, 57 symbols)|unicode (default: ${d.alphabet})`)
    .option('--seed <n>', `random seed (default: ${d.seed})`)
    .option(
      '--ensemble <n>',
      `train n models (seeds seed, seed+1, ...) and average them into one model (default: ${d.ensemble})`,
    )
    .option('--backend <name>', `tfjs backend: ${BACKEND_CHOICES.join('|')} (default: auto)`)
    .option(
      '--threads <n>',
      'threads of the WebAssembly kernels on cpu/wasm: a count, or auto = one per core (default: 1 for a classifier, auto for --task generate); results do not depend on it',
    );
  train.action(async () => {
    exitCode = await handlers.train(typedFlags(train));
  });

  program
    .command('predict')
    .description('most likely labels for names given as arguments or in --input')
    .argument('[names...]', 'names to classify')
    .option('--model <dir>', 'model bundle directory (a train --out)')
    .option('--top <k>', 'how many labels to show', '3')
    .option('--json', 'print JSON')
    .option('--input <file>', 'file with one name per line (- for stdin), streamed')
    .option(
      '--output <file>',
      'TSV to write, one row per input line in order: name<TAB>label, or name<TAB><TAB>reason for a name the model cannot read (- for stdout)',
    )
    .option(
      '--workers <n>',
      'worker threads for --input, about 60 MB each (default: the number of cores, at most 3)',
    )
    .addOption(backend())
    .action(async (names: string[], options: RawPredictOptions) => {
      await handlers.predict(names, options);
    });

  program
    .command('export')
    .description(
      'write a model bundle for use outside charrnn: a tfjs-layers model with predict.mjs, ONNX, or PyTorch',
    )
    .option('--model <dir>', 'model bundle directory (a train --out)')
    .option('--format <name>', 'output format: layers|onnx|pytorch', 'layers')
    .option('--out <dir>', 'directory to write')
    .option('--force', 'overwrite a model already in --out')
    .option(
      '--without-ngram',
      'layers: leave the n-gram head out (the exported model is then the recurrent network alone; predictions differ)',
    )
    .action(async (options: RawExportOptions) => {
      await handlers.export(options);
    });

  program
    .command('generate')
    .description('sample names (one per line) or text from a generator (a train --task generate --out)')
    .option('--model <dir>', 'generator bundle directory')
    .option('--label <name>', 'the label to generate for (required by a conditional generator)')
    .option('--count <n>', 'how many names or texts (default: 10 names, 1 text)')
    .option('--prime <text>', 'start every sequence with this text')
    .option('--temperature <t>', 'sampling temperature, 0 = greedy (default: 1)')
    .option('--top-k <k>', 'sample among the k most likely characters')
    .option('--top-p <p>', 'sample among the most likely characters holding probability p')
    .option('--max-length <n>', 'most characters generated (default: 30 for names, 500 for text)')
    .option('--seed <n>', 'random seed (same seed, same output; default: the clock)')
    .option('--novel', 'names: never print a training name (or a repeat)')
    .option('--json', 'print one JSON record per line (text, label, log_prob, ended)')
    .addOption(backend())
    .action(async (options: RawGenerateOptions) => {
      await handlers.generate(options);
    });

  program
    .command('eval')
    .description(
      'evaluate a model bundle on labelled data (a generator: bits per character on names or a text)',
    )
    .option('--model <dir>', 'model bundle directory')
    .option('--data <path>', 'name<TAB>label TSV or directory of <Label>.txt')
    .option('--json', 'print JSON')
    .addOption(backend())
    .action(async (options: RawEvalOptions) => {
      await handlers.eval(options);
    });

  program
    .command('import')
    .description(
      'bring a PyTorch (.pt / .safetensors) or tfjs-layers/Keras (model.json) classifier into a model bundle',
    )
    .argument('[source]', 'model file, or the directory holding it')
    .option('--from <format>', 'pytorch|layers')
    .option('--out <dir>', 'bundle directory to write')
    .option('--arch <name>', 'pytorch: tutorial|rnn|lstm|gru (default: from the parameter names)')
    .option('--labels <labels>', 'labels.txt (one per line) or L1,L2,... in output order')
    .option(
      '--alphabet <name>',
      'token ids: tutorial (index in ascii_letters + " .,;\'"; 59 rows = charrnn\'s ids)|unicode (code points)|<file> (one symbol per line, or a tokenizer.json) (default: tutorial)',
    )
    .option('--map <file>', 'pytorch: JSON naming the modules, e.g. {"rnn": "encoder.gru", "linear": "head"}')
    .option('--force', 'overwrite a model already in --out')
    .action(async (source: string | undefined, options: RawImportOptions) => {
      await handlers.import(source, options);
    });

  return program;
}

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit code: 0 on success,
 * 1 on a runtime failure, 2 on bad usage. Errors print one line, no stack trace
 * (set CHARRNN_DEBUG=1 for the stack).
 */
export async function main(argv: string[]): Promise<number> {
  tf.env().set('PROD', true);
  handleClosedStdout();
  const program = buildProgram();
  try {
    exitCode = 0;
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed its message (unknown flag, missing value, help...).
      return error.exitCode === 0 ? 0 : 2;
    }
    if (process.env.CHARRNN_DEBUG === '1') console.error(error);
    if (isCharRnnError(error)) {
      process.stderr.write(`charrnn: ${error.name}: ${terminalText(error.message)}\n`);
      return error.code === 'INVALID_ARGUMENT' || error.code === 'INVALID_CONFIG' ? 2 : 1;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`charrnn: error: ${terminalText(message)}\n`);
    return 1;
  }
}

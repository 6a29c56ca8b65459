import * as tf from '@tensorflow/tfjs-core';
import { Command, CommanderError, Option } from 'commander';
import { isCharRnnError } from '@charrnn/core';
import { runEval } from './commands/eval.js';
import { runExport, type RawExportOptions } from './commands/export.js';
import { runPredict } from './commands/predict.js';
import { runTrain, type RawTrainOptions } from './commands/train.js';
import { BACKEND_CHOICES } from './backend.js';

function buildProgram(): Command {
  const program = new Command('charrnn')
    .description('Train, evaluate and use character-level RNN classifiers (TensorFlow.js).')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showSuggestionAfterError(true);

  const backend = () =>
    new Option('--backend <name>', `tfjs backend: ${BACKEND_CHOICES.join('|')}`).default('auto');

  program
    .command('train')
    .description('train a classifier and save the model bundle and metrics.json into --out')
    .option(
      '--data <path>',
      'directory of <Label>.txt files or a name<TAB>label TSV (default: embedded corpus)',
    )
    .option('--val <file>', 'validation data (default: 10% of --data, stratified)')
    .option('--test <file>', 'test data, evaluated once at the end')
    .option('--out <dir>', 'run directory to write')
    .option('--force', 'overwrite a run already in --out')
    .option(
      '--cell <type>',
      'recurrent cell: rnn (the tutorial RNN)|simple (Keras SimpleRNN)|lstm|gru',
      'rnn',
    )
    .option('--layers <n>', 'stacked recurrent layers', '1')
    .option('--bidirectional [merge]', 'bidirectional layers, merged by concat (default) or sum')
    .option('--dropout <x>', 'dropout rate on each recurrent layer input (training only)', '0')
    .option('--recurrent-dropout <x>', 'dropout rate on the recurrent state (training only)', '0')
    .option('--reset-after', 'GRU: reset gate after the recurrent product (Keras 3 / PyTorch)')
    .option('--hidden <n>', 'hidden state size', '128')
    .option('--embed <n>', 'character embedding size', '128')
    .option('--epochs <n>', 'passes over the training data (default 10)')
    .option('--iters <n>', 'training steps instead of epochs')
    .option('--batch <n>', 'names per step', '32')
    .option('--optimizer <name>', 'sgd|adam', 'adam')
    .option('--lr <x>', 'learning rate (default 0.003 for adam, 0.01 for sgd)')
    .option('--momentum <x>', 'SGD momentum', '0.9')
    .option('--clip <x>', 'global gradient-norm clip, 0 = off', '5')
    .option('--sampler <name>', 'tutorial|shuffle|balanced', 'shuffle')
    .option('--alphabet <name>', 'tutorial (ASCII-folded, 57 symbols)|unicode', 'tutorial')
    .option('--seed <n>', 'random seed', '42')
    .addOption(backend())
    .action(async (options: RawTrainOptions) => {
      await runTrain(options);
    });

  program
    .command('predict')
    .description('most likely labels for names given as arguments or in --input')
    .argument('[names...]', 'names to classify')
    .option('--model <dir>', 'model bundle directory (a train --out)')
    .option('--top <k>', 'how many labels to show', '3')
    .option('--json', 'print JSON')
    .option('--input <file>', 'file with one name per line')
    .option('--output <file>', 'TSV to write: name<TAB>label, in input order')
    .addOption(backend())
    .action(async (names: string[], options) => {
      await runPredict(names, options);
    });

  program
    .command('export')
    .description('write a model bundle as a plain tfjs-layers model (model.json + weights.bin)')
    .option('--model <dir>', 'model bundle directory (a train --out)')
    .option('--format <name>', 'output format: layers', 'layers')
    .option('--out <dir>', 'directory to write')
    .option('--force', 'overwrite a model already in --out')
    .action(async (options: RawExportOptions) => {
      await runExport(options);
    });

  program
    .command('eval')
    .description('evaluate a model bundle on labelled data')
    .option('--model <dir>', 'model bundle directory')
    .option('--data <path>', 'name<TAB>label TSV or directory of <Label>.txt')
    .option('--json', 'print JSON')
    .addOption(backend())
    .action(async (options) => {
      await runEval(options);
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
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed its message (unknown flag, missing value, help...).
      return error.exitCode === 0 ? 0 : 2;
    }
    if (process.env.CHARRNN_DEBUG === '1') console.error(error);
    if (isCharRnnError(error)) {
      process.stderr.write(`charrnn: ${error.name}: ${error.message}\n`);
      return error.code === 'INVALID_ARGUMENT' || error.code === 'INVALID_CONFIG' ? 2 : 1;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`charrnn: error: ${message}\n`);
    return 1;
  }
}

// Property-based tests of the command-line parser: random argument lists for every command (known
// flags with random values, unknown flags, stray words) are parsed by the real commander program
// and checked by the same functions the commands run before doing any work. Every case succeeds
// (and then yields a valid configuration) or fails with a CommanderError (usage) or one of our
// typed errors naming the flag; nothing else may escape.
import { checkGenerateFlags } from './commands/generate.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { CommanderError } from 'commander';
import { isCharRnnError } from '@charrnn/core';
import { afterAll, describe, expect, it } from 'vitest';
import { fcParams, Outcomes } from '../../../test-utils/fuzz.js';
import { buildProgram, type CommandHandlers } from './cli.js';
import { checkImportFlags } from './commands/import.js';
import { checkEvalFlags } from './commands/eval.js';
import { checkExportFlags } from './commands/export.js';
import { checkPredictFlags } from './commands/predict.js';
import { BACKEND_CHOICES } from './backend.js';
import {
  CONFIG_FLAGS,
  flagsRefusedOnResume,
  readConfigFile,
  resolveTrainConfig,
  type TrainConfig,
} from './train_config.js';

const work = mkdtempSync(path.join(tmpdir(), 'charrnn-cli-fuzz-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
// Config files the generated --config values may point at: valid, invalid, not there.
const CONFIGS = {
  good: path.join(work, 'good.yaml'),
  bad: path.join(work, 'bad.yaml'),
  json: path.join(work, 'c.json'),
  missing: path.join(work, 'missing.yaml'),
};
writeFileSync(CONFIGS.good, 'out: runs/a\ncell: lstm\nhidden: 32\nepochs: 2\n');
writeFileSync(CONFIGS.bad, 'out: runs/a\nhidden: [1]\nlr: -1\n');
writeFileSync(CONFIGS.json, '{"lr": 0.01, "iters": 5, "out": "o"}');

const isUsageOrTyped = (error: unknown): error is Error =>
  error instanceof CommanderError || isCharRnnError(error);

const TRAIN_FLAGS = [
  ...Object.values(CONFIG_FLAGS),
  '--config',
  '--resume',
  '--no-bidirectional',
  '--no-restore-best',
];
const OTHER_FLAGS = [
  '--model',
  '--top',
  '--json',
  '--input',
  '--output',
  '--format',
  '--without-ngram',
  '--help',
  '-h',
  '--',
  '-x',
  '--bogus',
];

/** Values a person (or a script gone wrong) might give a flag. */
const value = fc.oneof(
  fc.integer({ min: -5, max: 200 }).map(String),
  fc.double({ noDefaultInfinity: false }).map(String),
  fc.constantFrom(
    '',
    ' ',
    '0',
    '-0',
    '1e400',
    '1e-400',
    'NaN',
    'Infinity',
    '-Infinity',
    '0x10',
    '0b11',
    ' 5 ',
    '5abc',
    '1_000',
    '٣',
    'adam',
    'sgd',
    'lstm',
    'gru',
    'rnn',
    'simple',
    'concat',
    'sum',
    'none',
    'auto',
    'sqrt',
    'cosine',
    'step',
    'constant',
    'macro_f1',
    'accuracy',
    'bucket',
    'shuffle',
    'balanced',
    'tutorial',
    'unicode',
    'layers',
    'onnx',
    ...BACKEND_CHOICES,
    'tpu',
    'runs/x',
    '/dev/null',
    '.',
    CONFIGS.good,
    CONFIGS.bad,
    CONFIGS.json,
    CONFIGS.missing,
  ),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
);

const token = (flags: readonly string[]): fc.Arbitrary<string[]> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...flags), value).map(([f, v]) => [f, v]) },
    { weight: 2, arbitrary: fc.constantFrom(...flags).map((f) => [f]) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...flags), value).map(([f, v]) => [`${f}=${v}`]) },
    { weight: 1, arbitrary: fc.constantFrom(...OTHER_FLAGS).map((f) => [f]) },
    { weight: 1, arbitrary: fc.string({ maxLength: 10 }).map((s) => [s]) },
  );

/** A value of the right kind for each train flag (valid or near the edges of its range). */
const plausible: Record<string, fc.Arbitrary<string>> = {
  '--cell': fc.constantFrom('rnn', 'simple', 'lstm', 'gru'),
  '--optimizer': fc.constantFrom('sgd', 'adam'),
  '--schedule': fc.constantFrom('constant', 'step', 'cosine'),
  '--monitor': fc.constantFrom('accuracy', 'macro_f1', 'balanced_accuracy'),
  '--sampler': fc.constantFrom('tutorial', 'shuffle', 'bucket', 'balanced'),
  '--alphabet': fc.constantFrom('tutorial', 'unicode'),
  '--class-weight': fc.constantFrom('none', 'auto', 'sqrt'),
  '--logit-adjust': fc.constantFrom('none', 'auto', '0.25', '0', '5', '5.5', 'x'),
  '--backend': fc.constantFrom(...BACKEND_CHOICES),
  '--bidirectional': fc.constantFrom('concat', 'sum'),
  '--config': fc.constantFrom(CONFIGS.good, CONFIGS.bad, CONFIGS.json, CONFIGS.missing),
  '--lr': fc.double({ min: 0, max: 12, noNaN: true }).map(String),
  '--dropout': fc.double({ min: 0, max: 1, noNaN: true }).map(String),
  '--recurrent-dropout': fc.double({ min: 0, max: 1, noNaN: true }).map(String),
  '--label-smoothing': fc.double({ min: 0, max: 0.6, noNaN: true }).map(String),
};
const SWITCHES = new Set(['--force', '--reset-after', '--no-bidirectional', '--no-restore-best']);
const PATHS = new Set(['--data', '--val', '--test', '--out', '--resume']);
const plausibleTrain = fc
  .uniqueArray(fc.constantFrom(...TRAIN_FLAGS), { maxLength: 8 })
  .chain((flags) =>
    fc.tuple(
      ...flags.map((flag) =>
        SWITCHES.has(flag)
          ? fc.constant([flag])
          : (PATHS.has(flag)
              ? fc.constantFrom('runs/x', 'a b/c')
              : (plausible[flag] ?? fc.integer({ min: -1, max: 300 }).map(String))
            ).map((v) => [flag, v]),
      ),
    ),
  )
  .map((pairs) => ['train', '--out', 'runs/fuzz', ...pairs.flat()]);

const argv = fc.oneof(
  { weight: 5, arbitrary: plausibleTrain },
  {
    weight: 3,
    arbitrary: fc.array(token(TRAIN_FLAGS), { maxLength: 10 }).map((t) => ['train', ...t.flat()]),
  },
  ...(['predict', 'export', 'eval'] as const).map((command) => ({
    weight: 1,
    arbitrary: fc
      .array(token([...OTHER_FLAGS, '--backend', '--out', '--data', '--force']), { maxLength: 8 })
      .map((t) => [command, ...t.flat()]),
  })),
  { weight: 1, arbitrary: fc.array(fc.string({ maxLength: 10 }), { maxLength: 5 }) },
);

/** The invariants of a configuration that passed validation. */
function checkConfig(config: TrainConfig): void {
  for (const [key, v] of Object.entries(config)) {
    if (typeof v === 'number') expect(Number.isFinite(v), key).toBe(true);
  }
  for (const key of ['layers', 'hidden', 'embed', 'batch', 'seed', 'lr_step', 'warmup'] as const)
    expect(Number.isSafeInteger(config[key]), key).toBe(true);
  expect(config.lr).toBeGreaterThan(0);
  expect(config.dropout).toBeGreaterThanOrEqual(0);
  expect(config.dropout).toBeLessThan(1);
  expect((config.epochs === null) !== (config.iters === null)).toBe(true);
  expect(config.reset_after && config.cell !== 'gru').toBe(false);
  expect(config.out.length).toBeGreaterThan(0);
}

describe('charrnn argument parsing (property-based)', () => {
  it('every argument list parses to a valid configuration or fails with a usage or typed error', async () => {
    const outcomes = new Outcomes('cli arguments', isUsageOrTyped);
    const handlers: CommandHandlers = {
      train: async (flags) => {
        if (typeof flags.resume === 'string') {
          flagsRefusedOnResume(flags);
          return 0;
        }
        const file = typeof flags.config === 'string' ? await readConfigFile(flags.config) : null;
        checkConfig(resolveTrainConfig(flags, file));
        return 0;
      },
      predict: async (names, options) => void checkPredictFlags(names, options),
      export: async (options) => void checkExportFlags(options),
      eval: async (options) => void checkEvalFlags(options),
      import: async (source, options) => void checkImportFlags(source, options),
      generate: async (options) => void checkGenerateFlags(options),
    };
    const silent = { writeOut: () => undefined, writeErr: () => undefined };
    await fc.assert(
      fc.asyncProperty(argv, async (args) => {
        await outcomes.runAsync(() => buildProgram(handlers, silent).parseAsync(args, { from: 'user' }));
      }),
      fcParams(),
    );
    outcomes.report();
    expect(outcomes.total).toBeGreaterThanOrEqual(fcParams().numRuns ?? 1000);
    expect(outcomes.ok).toBeGreaterThan(outcomes.total / 10); // many generated lists are valid
    expect(outcomes.typed.get('InvalidArgumentError') ?? 0).toBeGreaterThan(0);
    expect(outcomes.typed.get('CommanderError') ?? 0).toBeGreaterThan(0);
  });
});

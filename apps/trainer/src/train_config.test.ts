import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, InvalidConfigError } from '@charrnn/core';
import { DEFAULT_RECIPE, TUTORIAL_RECIPE } from '@charrnn/trainer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONFIG_FLAGS,
  TRAIN_DEFAULTS,
  attributeOf,
  checkConfigObject,
  flagsRefusedOnResume,
  readConfigFile,
  recipeOf,
  resolveTrainConfig,
} from './train_config.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'charrnn-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function configFile(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

describe('resolveTrainConfig from flags', () => {
  it('gives the default recipe when only --out is typed', () => {
    const config = resolveTrainConfig({ out: 'runs/x' });
    expect(config).toMatchObject({
      ...TRAIN_DEFAULTS,
      out: 'runs/x',
      data: null,
      epochs: 15,
      iters: null,
      lr: 0.003,
      plateau: null,
      early_stop: null,
    });
  });

  it('parses every kind of flag', () => {
    const config = resolveTrainConfig({
      out: 'o',
      cell: 'lstm',
      layers: '2',
      bidirectional: 'sum',
      dropout: '0.2',
      recurrentDropout: '0',
      hidden: '64',
      embed: '32',
      iters: '500',
      batch: '16',
      optimizer: 'sgd',
      momentum: '0.5',
      schedule: 'step',
      lrStep: '3',
      lrGamma: '0.1',
      plateau: '2',
      plateauFactor: '0.2',
      monitor: 'accuracy',
      earlyStop: '4',
      restoreBest: false,
      classWeight: 'sqrt',
      labelSmoothing: '0.1',
      logitAdjust: 'none',
      sampler: 'balanced',
      seed: '7',
    });
    expect(config).toMatchObject({
      cell: 'lstm',
      layers: 2,
      bidirectional: 'sum',
      dropout: 0.2,
      recurrent_dropout: 0,
      hidden: 64,
      embed: 32,
      epochs: null,
      iters: 500,
      batch: 16,
      optimizer: 'sgd',
      lr: 0.01,
      momentum: 0.5,
      schedule: 'step',
      lr_step: 3,
      lr_gamma: 0.1,
      plateau: 2,
      plateau_factor: 0.2,
      monitor: 'accuracy',
      early_stop: 4,
      restore_best: false,
      class_weight: 'sqrt',
      label_smoothing: 0.1,
      logit_adjust: 0,
      sampler: 'balanced',
      seed: 7,
    });
    expect(resolveTrainConfig({ out: 'o', bidirectional: false }).bidirectional).toBeNull();
    expect(resolveTrainConfig({ out: 'o', logitAdjust: '0.4' }).logit_adjust).toBe(0.4);
    expect(resolveTrainConfig({ out: 'o', logitAdjust: 'auto' }).logit_adjust).toBe('auto');
    expect(resolveTrainConfig({ out: 'o', bidirectional: true }).bidirectional).toBe('concat');
  });

  it('reads --threads: 1 by default (a classifier), auto or a count from 1 to 64, refused otherwise naming the flag', () => {
    expect(resolveTrainConfig({ out: 'o' }).threads).toBe(1);
    expect(resolveTrainConfig({ out: 'o', threads: 'auto' }).threads).toBe('auto');
    expect(resolveTrainConfig({ out: 'o', threads: '2' }).threads).toBe(2);
    for (const bad of ['0', '65', '1.5', 'all']) {
      expect(() => resolveTrainConfig({ out: 'o', threads: bad })).toThrow(InvalidArgumentError);
      expect(() => resolveTrainConfig({ out: 'o', threads: bad })).toThrow(/--threads/);
    }
    // Like --backend, --threads may change on --resume (the results do not depend on it).
    expect(flagsRefusedOnResume({ threads: '2', backend: 'wasm' })).toEqual([]);
    expect(flagsRefusedOnResume({ threads: '2', hidden: '8' })).toEqual(['--hidden']);
  });

  it('reads --ngram and --ngram-weight; the default τ follows the n-gram head', () => {
    expect(resolveTrainConfig({ out: 'o' })).toMatchObject({
      ngram: 5,
      ngram_weight: 0.5,
      logit_adjust: 0.4,
    });
    expect(resolveTrainConfig({ out: 'o', ngram: 'none' })).toMatchObject({ ngram: 0, logit_adjust: 0.25 });
    expect(resolveTrainConfig({ out: 'o', ngram: '0', logitAdjust: '0.1' }).logit_adjust).toBe(0.1);
    expect(resolveTrainConfig({ out: 'o', ngram: '3', ngramWeight: '0.7' })).toMatchObject({
      ngram: 3,
      ngram_weight: 0.7,
    });
    // A configuration saved before n-gram heads existed resumes without one.
    const saved = { file: 'config.json', values: { out: 'o' }, lines: {} };
    expect(resolveTrainConfig({}, saved, { saved: true }).ngram).toBe(0);
  });

  it.each([
    [{}, 'field --out: is required'],
    [{ out: 'o', epochs: '2', iters: '5' }, 'field --iters: give either epochs or iters, not both'],
    [
      { out: 'o', cell: 'transformer' },
      "field --cell: expected one of rnn, simple, lstm, gru, got 'transformer'",
    ],
    [{ out: 'o', cell: 'lstm', resetAfter: true }, 'field --reset-after: applies to cell gru only'],
    [{ out: 'o', dropout: '1' }, 'field --dropout: must be between 0 and 0.95, got 1'],
    [{ out: 'o', bidirectional: 'max' }, "field --bidirectional: expected one of concat, sum, got 'max'"],
    [{ out: 'o', lr: '0' }, 'field --lr: must be greater than 0 and at most 10, got 0'],
    [{ out: 'o', lrStep: '2' }, 'field --lr-step: applies to schedule step only'],
    [{ out: 'o', schedule: 'step', minLr: '0.1' }, 'field --min-lr: applies to schedule cosine only'],
    [{ out: 'o', momentum: '0.9' }, 'field --momentum: applies to optimizer sgd only'],
    [
      { out: 'o', plateauFactor: '0.5' },
      'field --plateau-factor: applies to plateau (reduce-on-plateau) only',
    ],
    [{ out: 'o', plateau: '0' }, 'field --plateau: must be between 1 and 10000, got 0'],
    [
      { out: 'o', monitor: 'loss' },
      "field --monitor: expected one of accuracy, macro_f1, balanced_accuracy, got 'loss'",
    ],
    [
      { out: 'o', classWeight: 'balanced' },
      "field --class-weight: expected one of none, auto, sqrt, got 'balanced'",
    ],
    [{ out: 'o', labelSmoothing: '0.6' }, 'field --label-smoothing: must be between 0 and 0.5, got 0.6'],
    [{ out: 'o', seed: '-1' }, 'field --seed: must be between 0 and 4294967279, got -1'],
    [{ out: 'o', ensemble: '0' }, 'field --ensemble: must be between 1 and 16, got 0'],
    [{ out: 'o', logitAdjust: 'yes' }, "field --logit-adjust: expected one of none, auto, <tau>, got 'yes'"],
    [{ out: 'o', logitAdjust: '6' }, 'field --logit-adjust: must be between 0 and 5, got 6'],
    [{ out: 'o', batch: '1e9' }, 'field --batch: must be between 1 and 65536, got 1000000000'],
    [{ out: 'o', ngram: 'trigrams' }, "field --ngram: expected one of none, <n>, got 'trigrams'"],
    [{ out: 'o', ngram: '9' }, 'field --ngram: must be between 0 and 8, got 9'],
    [{ out: 'o', ngramWeight: '0' }, 'field --ngram-weight: must be greater than 0 and at most 1, got 0'],
    [
      { out: 'o', ngram: 'none', ngramWeight: '0.3' },
      'field --ngram-weight: applies to an n-gram head (ngram 1 or more) only',
    ],
  ])('rejects %j: %s', (flags, message) => {
    expect(() => resolveTrainConfig(flags)).toThrow(InvalidArgumentError);
    expect(() => resolveTrainConfig(flags)).toThrow(message);
  });

  it('knows a flag for every key, and commander attribute names match', () => {
    for (const [key, flag] of Object.entries(CONFIG_FLAGS)) {
      expect(flag).toBe(`--${key.replaceAll('_', '-')}`);
      expect(attributeOf(key)).toBe(flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()));
    }
  });
});

describe('--config files', () => {
  it('reads YAML with snake_case or kebab-case keys; paths are relative to the file; flags beat the file, the file beats defaults', async () => {
    const file = await configFile(
      'run.yaml',
      [
        '# a run',
        'cell: lstm',
        'hidden: 96',
        'recurrent-dropout: 0.2',
        'data: ../names',
        'out: runs/a',
        'bidirectional: false',
        'epochs: 3',
        '',
      ].join('\n'),
    );
    const read = await readConfigFile(file);
    expect(read.lines).toMatchObject({ cell: 2, hidden: 3, recurrent_dropout: 4 });
    const config = resolveTrainConfig({ hidden: '32' }, read);
    expect(config).toMatchObject({
      cell: 'lstm',
      hidden: 32,
      recurrent_dropout: 0.2,
      bidirectional: null,
      epochs: 3,
      data: path.resolve(dir, '../names'),
      out: path.resolve(dir, 'runs/a'),
      embed: TRAIN_DEFAULTS.embed,
    });
    // A flag for iters overrides the file's epochs instead of conflicting with it.
    expect(resolveTrainConfig({ iters: '10' }, read)).toMatchObject({ iters: 10, epochs: null });
  });

  it('examples/tutorial-recipe.yaml is the tutorial recipe, none of the default extras', async () => {
    const file = fileURLToPath(new URL('../../../examples/tutorial-recipe.yaml', import.meta.url));
    expect(resolveTrainConfig({ out: 'o' }, await readConfigFile(file))).toMatchObject({
      cell: 'rnn',
      bidirectional: null,
      hidden: 128,
      embed: 128,
      dropout: 0,
      recurrent_dropout: 0,
      sampler: 'tutorial',
      optimizer: 'sgd',
      lr: 0.01,
      momentum: 0.9,
      clip: 1,
      batch: 1,
      iters: 105000,
      epochs: null,
      schedule: 'constant',
      restore_best: false,
      logit_adjust: 0,
      class_weight: 'none',
      ensemble: 1,
      ngram: 0,
    });
  });

  it('the defaults are DEFAULT_RECIPE, and the tutorial config is TUTORIAL_RECIPE', async () => {
    expect(recipeOf(resolveTrainConfig({ out: 'o' }))).toEqual(DEFAULT_RECIPE);
    const file = fileURLToPath(new URL('../../../examples/tutorial-recipe.yaml', import.meta.url));
    expect(recipeOf(resolveTrainConfig({ out: 'o' }, await readConfigFile(file)))).toEqual(TUTORIAL_RECIPE);
    expect(recipeOf(resolveTrainConfig({ out: 'o', classWeight: 'auto', ngram: 'none' }))).toMatchObject({
      classWeight: 'balanced',
      ngram: null,
      logitAdjustment: 0.25,
    });
  });

  it('reads JSON', async () => {
    const file = await configFile(
      'run.json',
      JSON.stringify({ out: 'x', lr: 0.01, restore_best: false, plateau: 3 }),
    );
    expect(resolveTrainConfig({}, await readConfigFile(file))).toMatchObject({
      lr: 0.01,
      restore_best: false,
      plateau: 3,
    });
  });

  it.each([
    [
      'bad-range.yaml',
      'out: x\nlr: 0\n',
      'bad-range.yaml line 2 field lr: must be greater than 0 and at most 10, got 0',
    ],
    [
      'bad-type.yaml',
      'out: x\nhidden: [1, 2]\n',
      'bad-type.yaml line 2 field hidden: expected a string, number, boolean or null, got a list',
    ],
    [
      'unknown.yaml',
      'out: x\nlearning_rate: 0.1\n',
      'unknown.yaml line 2 field learning_rate: unknown setting (known: data, val',
    ],
    [
      'bad-int.yaml',
      'out: x\nlayers: 1.5\n',
      "bad-int.yaml line 2 field layers: expected an integer, got '1.5'",
    ],
    [
      'bad-bool.yaml',
      'out: x\nforce: 3\n',
      'bad-bool.yaml line 2 field force: expected true or false, got 3',
    ],
    [
      'not-yaml.yaml',
      'out: x\nlr: 3: 4\n',
      'not-yaml.yaml line 2: is not valid YAML: Nested mappings are not allowed in compact mappings',
    ],
    ['dup.yaml', 'out: x\nlr: 1\nlr: 2\n', 'dup.yaml line 3 field lr: is given twice'],
    ['list.yaml', '- 1\n- 2\n', 'list.yaml: must hold one object of settings'],
    ['both.yaml', 'out: x\nmin_lr: 0\nmin-lr: 0\n', 'both.yaml line 3 field min-lr: gives min_lr twice'],
    ['bad.json', '{"out": "x",}', 'bad.json: is not valid JSON'],
    [
      'conflict.json',
      '{"out": "x", "epochs": 2, "iters": 3}',
      'conflict.json line 1 field iters: give either epochs or iters, not both',
    ],
    [
      'wrong-flag.json',
      '{"out": "x", "lr_step": 2}',
      'wrong-flag.json line 1 field lr_step: applies to schedule step only',
    ],
  ])('%s fails with one clear InvalidConfigError', async (name, text, message) => {
    const file = await configFile(name, text);
    const attempt = async () => resolveTrainConfig({}, await readConfigFile(file));
    await expect(attempt()).rejects.toThrow(InvalidConfigError);
    await expect(attempt()).rejects.toThrow(`${file.slice(0, -name.length)}${message}`);
  });

  it('names file, key and line for hostile configs: alias bombs, duplicate JSON keys, __proto__, .inf, UTF-16', async () => {
    const refused = async (name: string, text: string | Uint8Array): Promise<string> => {
      const file = path.join(dir, name);
      await writeFile(file, text);
      const error = await readConfigFile(file).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InvalidConfigError);
      return (error as Error).message.replace(`${dir}/`, '');
    };
    // Each level multiplies by 9: expanded, 9^6 values. Never expanded: aliases are refused.
    const bomb =
      'data: &a [x, x, x, x, x, x, x, x, x]\nval: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n' +
      'test: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nout: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n' +
      'cell: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nlr: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n';
    expect(await refused('bomb.yaml', bomb)).toBe(
      'bomb.yaml line 1 field data: expected a string, number, boolean or null, got a list',
    );
    expect(await refused('alias.yaml', 'out: &o runs/a\ndata: *o\n')).toBe(
      'alias.yaml line 2 field data: uses the YAML alias *o; a config file holds plain values, write the value out',
    );
    expect(await refused('dup.json', '{"lr": 0.1,\n "hidden": 8,\n "lr": 0.2}')).toBe(
      'dup.json line 3 field lr: is given twice (a parser would silently keep one of the values)',
    );
    expect(await refused('proto.json', '{"__proto__": {"lr": 5}}')).toMatch(
      /^proto\.json line 1 field __proto__: unknown setting \(known: data, /,
    );
    expect(await refused('ctor.yaml', 'out: x\nconstructor: 1\n')).toMatch(
      /^ctor\.yaml line 2 field constructor: unknown setting/,
    );
    expect(await refused('inf.yaml', 'out: x\nlr: .inf\n')).toBe(
      'inf.yaml line 2 field lr: must be a finite number, got Infinity',
    );
    expect(await refused('nan.yaml', 'hidden: .nan\n')).toBe(
      'nan.yaml line 1 field hidden: must be a finite number, got NaN',
    );
    expect(await refused('utf16.json', Buffer.from('\uFEFF{"lr": 1}', 'utf16le'))).toBe(
      'utf16.json: is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8',
    );
    expect(Object.prototype).not.toHaveProperty('lr');
    // A UTF-8 byte-order mark is only skipped.
    const bom = await configFile('bom.json', '\uFEFF{"lr": 0.5, "out": "o"}');
    expect((await readConfigFile(bom)).values.lr).toBe(0.5);
  });

  it('reports a missing file, a folder and an oversized file', async () => {
    await expect(readConfigFile(path.join(dir, 'absent.yaml'))).rejects.toThrow(
      'cannot read the config file',
    );
    await expect(readConfigFile(dir)).rejects.toThrow('not a regular file');
    const big = await configFile('big.yaml', `# ${'x'.repeat(1024 * 1024)}\n`);
    await expect(readConfigFile(big)).rejects.toThrow('a config file may hold at most 1048576');
  });

  it('checks a saved config object the same way', () => {
    expect(() => checkConfigObject({ out: 'x', cell: 3 }, 'state.json')).not.toThrow();
    expect(() => resolveTrainConfig({}, checkConfigObject({ out: 'x', cell: 3 }, 'state.json'))).toThrow(
      "state.json field cell: expected one of rnn, simple, lstm, gru, got '3'",
    );
    expect(() => checkConfigObject({ out: { a: 1 } }, 'state.json')).toThrow(
      'state.json field out: expected a string',
    );
  });
});

describe('flagsRefusedOnResume', () => {
  it('lists every typed training flag but --backend', () => {
    expect(flagsRefusedOnResume({ backend: 'wasm' })).toEqual([]);
    expect(flagsRefusedOnResume({ lr: '0.1', backend: 'cpu', restoreBest: false })).toEqual([
      '--lr',
      '--restore-best',
    ]);
  });
});
